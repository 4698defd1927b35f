"""The `grader` command end to end, as real subprocesses: output, files and exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURE_BANK, REPO, write_spec

COMMANDS = ["check", "validate", "quiz", "selftest"]


def grader(*args, stdin: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def right_answers() -> dict:
    """The fixture bank's right answers for the student 'alex'."""
    from grader.bank.loading import load_bank
    from grader.bank.variants import draw

    p = draw({e.id: e for e in load_bank(FIXTURE_BANK)}["layer-count"], "alex")
    n = 28  # shapes-and-choices: answered with an expression, so any n works
    return {
        "layer-count": {"count": p["c_out"] * p["c_in"] * p["k"] ** 2 + p["c_out"], "ratio": "1/3",
                        "out-height": "floor((n_h + p_h - k_h)/s_h) + 1"},
        "shapes-and-choices": {"pooled": None, "norm-axis": "b", "gates": ["a", "b", "c"]},
        "_n": n,
    }


def make_submission(folder: Path, answers: dict, student: str = "alex") -> Path:
    from grader.bank.loading import load_bank
    from grader.bank.variants import draw

    folder.mkdir(parents=True, exist_ok=True)
    n = draw({e.id: e for e in load_bank(FIXTURE_BANK)}["shapes-and-choices"], student)["n"]
    answers = json.loads(json.dumps(answers))
    answers.pop("_n", None)
    if answers["shapes-and-choices"]["pooled"] is None:
        answers["shapes-and-choices"]["pooled"] = [2, 6, n // 2, n // 2]
    (folder / "answers.yaml").write_text(json.dumps(answers))  # JSON is YAML
    (folder / "student.yaml").write_text(f"id: {student}\n")
    return folder


def test_every_command_has_help_with_examples():
    for command in COMMANDS:
        result = grader(command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Examples" in result.stdout and f"grader {command}" in result.stdout


def test_all_right_exits_0_and_writes_every_report(tmp_path):
    sub = make_submission(tmp_path / "sub", right_answers())
    out = tmp_path / "out"
    result = grader("check", sub, "--exercises", FIXTURE_BANK, "--json", out.with_suffix(".json"),
                    "--html", out.with_suffix(".html"), "--md", out.with_suffix(".md"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Total 10/10" in result.stdout
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["score"] == data["max_score"] == 10
    assert {t["name"] for t in data["tests"]} >= {"layer-count/count", "shapes-and-choices/gates"}
    assert out.with_suffix(".html").read_text().startswith("<!DOCTYPE html>")
    assert "# Grading report: alex" in out.with_suffix(".md").read_text()


def test_a_wrong_answer_exits_1(tmp_path):
    answers = right_answers()
    answers["layer-count"]["count"] = 1
    result = grader("check", make_submission(tmp_path / "sub", answers), "--exercises", FIXTURE_BANK)
    assert result.returncode == 1 and "Total 8/10" in result.stdout


def test_one_exercise_grades_only_it_and_keeps_quiet_about_the_others(tmp_path):
    answers = right_answers()
    answers["layer-count"]["count"] = 1  # wrong, but not graded with -e shapes-and-choices
    sub = make_submission(tmp_path / "sub", answers)
    result = grader("check", sub, "--exercises", FIXTURE_BANK, "-e", "shapes-and-choices")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "layer-count" not in result.stdout + result.stderr  # not "unknown exercise", not graded
    assert "Total 5/5" in result.stdout
    wrong = grader("check", sub, "--exercises", FIXTURE_BANK, "-e", "layer-count")
    assert wrong.returncode == 1 and "Total 3/5" in wrong.stdout
    assert "shapes-and-choices" not in wrong.stdout + wrong.stderr


def _zygotes() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"grader.sandbox.zygote" in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
        except OSError:
            pass
    return found


def test_a_sandbox_started_early_for_nothing_is_gone_when_check_ends(tmp_path):
    sub = make_submission(tmp_path / "sub", right_answers())
    (sub / "conv.py").write_text("import time\n")  # Python files: check starts the zygote at once
    before = _zygotes()
    result = grader("check", sub, "--exercises", FIXTURE_BANK)  # a bank of quizzes only
    assert result.returncode == 0 and "Total 10/10" in result.stdout, result.stdout + result.stderr
    assert _zygotes() - before == set()


def test_a_broken_answers_file_scores_zero_without_a_traceback(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "answers.yaml").write_text("layer-count:\n  count: 1\n  count: 2\n")
    result = grader("check", sub, "--exercises", FIXTURE_BANK)
    assert result.returncode == 1
    assert "answers.yaml:3: duplicate key 'count'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_hostile_sheet_is_graded_quickly_and_safely(tmp_path):
    marker = tmp_path / "pwned"
    answers = right_answers()
    answers["layer-count"] = {"count": f"__import__('os').system('touch {marker}')", "ratio": "9**9**9**9",
                              "out-height": "(" * 3000 + "n_h" + ")" * 3000}
    answers["shapes-and-choices"]["norm-axis"] = "().__class__"
    answers["not-an-exercise"] = {"x": 1}
    result = grader("check", make_submission(tmp_path / "sub", answers), "--exercises", FIXTURE_BANK)
    assert result.returncode == 1
    assert "Total 4/10" in result.stdout and "unknown exercise 'not-an-exercise'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert not marker.exists()


def test_usage_and_spec_errors_exit_2(tmp_path):
    assert grader("check", tmp_path / "absent").returncode == 2
    assert grader("check", tmp_path, "--exercises", FIXTURE_BANK, "-e", "nope").returncode == 2
    bank = tmp_path / "bank"
    write_spec(bank / "bad", "id: bad\ntitle: Bad\nkind: quiz\ntopic: t\nquestions: []\nextra: 1\n")
    result = grader("check", tmp_path, "--exercises", bank)
    assert result.returncode == 2
    assert "spec.yaml:6: extra: unknown field" in result.stderr
    assert "Traceback" not in result.stderr


def test_messages_with_brackets_are_printed_as_written(tmp_path):
    """rich would read [i] or [red] in a message as markup; messages name y[i], students write [bold]."""
    from test_spec import ITEMS

    (tmp_path / "bank" / "tiny").mkdir(parents=True)
    (tmp_path / "bank" / "tiny" / "spec.yaml").write_text(ITEMS.replace('item: "y[j]"', 'item: "[red]y(j)"'))
    result = grader("validate", tmp_path / "bank")
    assert result.returncode == 2
    assert "item '[red]y(j)' should look like y[i]" in " ".join(result.stderr.split())


def test_validate_passes_a_good_bank_and_fails_a_wrong_key(tmp_path):
    ok = grader("validate", FIXTURE_BANK)
    assert ok.returncode == 0 and "bank is valid" in ok.stdout, ok.stderr
    bank = tmp_path / "bank"
    text = (FIXTURE_BANK / "layer-count" / "spec.yaml").read_text()
    write_spec(bank / "layer-count", text.replace('answer: "c_out*c_in*k*k + c_out"', 'answer: "c_out*c_in*k*k + c_in"'))
    bad = grader("validate", bank)
    assert bad.returncode == 2
    assert "questions.0.verify.0" in bad.stderr and "variant c_in=" in bad.stderr


def test_validate_catches_a_feedback_rule_equal_to_the_key(tmp_path):
    bank = tmp_path / "bank"
    text = (FIXTURE_BANK / "layer-count" / "spec.yaml").read_text()
    write_spec(bank / "layer-count", text.replace('when: "c_out*c_in*k*k"', 'when: "c_out*(c_in*k*k + 1)"'))
    bad = grader("validate", bank)
    assert bad.returncode == 2 and "the rule can never fire" in bad.stderr


def test_quiz_from_stdin_gives_feedback_and_a_retry():
    result = grader("quiz", "shapes-and-choices", "--exercises", FIXTURE_BANK, stdin="[1]\n[1, 1]\na\nb\na,b\nz\n")
    assert "Pooling keeps" not in result.stdout
    assert "That is BatchNorm." in result.stdout and "try again" in result.stdout
    assert "Reset belongs to the GRU." in result.stdout or "partly right" in result.stdout
    assert result.returncode == 1


def test_quiz_show_prints_a_students_variant():
    a = grader("quiz", "layer-count", "--exercises", FIXTURE_BANK, "--student", "s1", "--show")
    assert a.returncode == 0 and "Conv2d(" in a.stdout
    again = grader("quiz", "layer-count", "--exercises", FIXTURE_BANK, "--student", "s1", "--show")
    assert a.stdout == again.stdout


def test_internal_errors_exit_3(monkeypatch, capsys):
    import grader.cli as cli
    import grader.grading as grading

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(grading, "grade_submission", broken)
    monkeypatch.setattr(sys, "argv", ["grader", "check", str(REPO / "tests"), "--exercises", str(FIXTURE_BANK)])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 3
    assert "internal error: RuntimeError: boom" in capsys.readouterr().err


# -- paths checked before any work (grader.paths) ------------------------------------------


def bad_paths(tmp_path: Path) -> list[tuple[list, str, str]]:
    """(arguments, the path the message names, why): every output path of every command, and
    the folders commands read, wrong in the ways users get them wrong."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    (tmp_path / "sim-pairs").write_text("where similarity's pair pages would go\n")
    (tmp_path / "class-students").write_text("where the class report's student pages would go\n")
    submission = make_submission(tmp_path / "alex", right_answers())
    bank = ["--bank", FIXTURE_BANK]
    return [
        (["check", submission, *bank, "--json", tmp_path / "missing" / "r.json"], "missing/r.json", "does not exist"),
        (["check", submission, *bank, "--json", folder], "a-folder", "is a folder"),
        (["check", submission, *bank, "--html", folder], "a-folder", "is a folder"),
        (["check", submission, *bank, "--html", a_file / "r.html"], "a-file/r.html", "a-file is a file, not a folder"),
        (["check", submission, *bank, "--md", tmp_path / "missing" / "r.md"], "missing/r.md", "does not exist"),
        (["check", "/dev/null", *bank], "/dev/null", "is not a folder"),
        (["check", a_file, *bank], "a-file", "is not a folder"),
        (["watch", "/dev/null", *bank], "/dev/null", "is not a folder"),
        (["grade", a_file, *bank], "a-file", "is not a folder"),
        (["report", "--html", a_file / "class.html"], "a-file/class.html", "a-file is a file, not a folder"),
        (["report", "--html", folder], "a-folder", "is a folder"),
        (["export-quiz", "-n", "1", *bank, "--moodle", a_file / "q.xml"], "a-file/q.xml", "is a file, not a folder"),
        (["export-quiz", "-n", "1", *bank, "--qti", folder], "a-folder", "is a folder"),
        (["bundle", "gradescope", *bank, "--out", a_file / "autograder.zip"], "a-file/autograder.zip", "is a file, not a folder"),
        (["bundle", "gradescope", *bank, "--out", folder], "a-folder", "is a folder"),
        (["handout", *bank, "--out", a_file / "handout"], "a-file/handout", "is a file, not a folder"),
        (["handout", *bank, "--out", submission], "alex", "is not empty"),
        (["init-bank", a_file / "course"], "a-file/course", "is a file, not a folder"),
        (["grade", folder, *bank, "--gradebook", a_file / "gb.sqlite"], "a-file/gb.sqlite", "is a file, not a folder"),
        (["export", "--csv", a_file / "grades.csv"], "a-file/grades.csv", "is a file, not a folder"),
        (["export", "--canvas", folder], "a-folder", "is a folder"),
        (["export", "--gradescope", a_file / "scores.csv"], "a-file/scores.csv", "is a file, not a folder"),
        (["export", "--gradescope", folder], "a-folder", "is a folder"),
        (["export", "--moodle", tmp_path / "missing" / "m.csv"], "missing/m.csv", "does not exist"),
        (["report", "--html", tmp_path / "class.html"], "class-students", "is a file, not a folder"),
        (["quiz", "layer-count", *bank, "--show", "--save", a_file / "work"], "a-file/work", "is a file, not a folder"),
        (["quiz", "layer-count", *bank, "--show", "--save", tmp_path / "nowhere"], "nowhere", "does not exist"),
        (["check", submission, *bank, "--templates", a_file], "a-file", "is not a folder"),
        (["similarity", folder, "--json", a_file / "pairs.json"], "a-file/pairs.json", "is a file, not a folder"),
        (["similarity", folder, "--html", folder], "a-folder", "is a folder"),
        (["similarity", folder, "--html", tmp_path / "sim.html"], "sim-pairs", "is a file, not a folder"),
        (["similarity", a_file], "a-file", "is not a folder"),
        (["similarity", folder, "--base", a_file], "a-file", "is not a folder"),
    ]


def test_every_bad_path_exits_2_at_once_with_the_path_and_why(tmp_path):
    """Before any work: nothing graded, built or written; exit 2, never an internal error."""
    for args, named, why in bad_paths(tmp_path):
        before = sorted(p.name for p in tmp_path.rglob("*"))
        result = grader(*args, cwd=tmp_path)
        shown = " ".join(result.stderr.split())
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert named in shown and why in shown, (args, shown)
        assert "internal error" not in shown and "Traceback" not in shown, (args, shown)
        assert result.stdout == "", (args, result.stdout)  # no report: nothing was graded
        assert sorted(p.name for p in tmp_path.rglob("*")) == before, args  # nothing was written


def test_output_paths_that_can_be_written_are_taken(tmp_path):
    from grader.errors import GraderError
    from grader.paths import input_folder, output_file, output_folder

    (tmp_path / "old.json").write_text("{}")
    assert output_file(tmp_path / "old.json", "--json") == tmp_path / "old.json"  # overwritten, as before
    assert output_file(tmp_path / "new.json", "--json") == tmp_path / "new.json"
    assert output_file(Path("/dev/null"), "--json") == Path("/dev/null")
    assert output_folder(tmp_path / "new" / "deeper", "--out", empty=True) == tmp_path / "new" / "deeper"
    assert output_folder(tmp_path, "--gradescope") == tmp_path  # an existing folder, not empty: fine here
    assert input_folder(tmp_path, "SUBMISSION") == tmp_path
    (tmp_path / "dangling").symlink_to(tmp_path / "gone" / "x.json")
    with pytest.raises(GraderError, match="is a link to no file"):
        output_file(tmp_path / "dangling", "--json")
    with pytest.raises(GraderError, match="is not empty"):
        output_folder(tmp_path, "--out", empty=True)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_report_that_fails_as_it_is_written_exits_2_with_the_path(tmp_path):
    submission = make_submission(tmp_path / "alex", right_answers())
    result = grader("check", submission, "--bank", FIXTURE_BANK, "-q", "--json", "/dev/full", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "--json /dev/full: could not be written (No space left on device)" in result.stderr
