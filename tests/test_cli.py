"""The `grader` command end to end, as real subprocesses: output, files and exit codes."""

import json
import os
import subprocess
import sys
import time
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


def _zygotes(tag: Path) -> set[int]:
    """The zygotes whose command line holds `tag` (their scratch folder is under it): this
    test's alone, not those of tests running beside it on the machine."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            line = (entry / "cmdline").read_bytes()
            if entry.name.isdigit() and b"grader.sandbox.zygote" in line and str(tag).encode() in line:
                found.add(int(entry.name))
        except OSError:
            pass
    return found


def test_a_sandbox_started_early_for_nothing_is_gone_when_check_ends(tmp_path, monkeypatch):
    sub = make_submission(tmp_path / "sub", right_answers())
    (sub / "conv.py").write_text("import time\n")  # Python files: check starts the zygote at once
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the zygote's scratch folder, named in its command line
    result = grader("check", sub, "--exercises", FIXTURE_BANK)  # a bank of quizzes only
    assert result.returncode == 0 and "Total 10/10" in result.stdout, result.stdout + result.stderr
    assert _zygotes(tmp_path) == set()


def test_a_sandbox_killed_while_it_starts_leaves_no_zygote(tmp_path):
    from grader.sandbox.launcher import Sandbox

    for number, pause in enumerate([0] * 12 + [0.05, 0.2, 0.5]):  # mostly within bwrap's window
        (tmp_path / str(number)).mkdir()
        sandbox = Sandbox(scratch_root=tmp_path / str(number))
        sandbox.start()
        time.sleep(pause)
        sandbox.close()
        assert _zygotes(tmp_path) == set(), pause


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
