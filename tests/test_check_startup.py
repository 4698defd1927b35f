"""What makes a fresh `grader check` start fast keeps its results: libyaml for specs, a judge
worker started ahead, names checked only in the chosen exercises, the CLI's quick exit."""

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

from conftest import FIXTURE_BANK, REPO
from grader.bank import yamlfile
from grader.bank.loading import load_bank, spec_kind
from grader.errors import SpecError, SpecErrors
from grader.judge.equivalence import Domain, Judge, Verdict


def _slow(text: str):
    saved, yamlfile._FastLoader = yamlfile._FastLoader, None
    try:
        return yamlfile.parse_yaml(text, Path("spec.yaml"))
    except SpecError as error:
        return error
    finally:
        yamlfile._FastLoader = saved


SPECS = sorted(glob.glob(str(REPO / "exercises" / "*" / "spec.yaml")) + glob.glob(str(FIXTURE_BANK / "*" / "spec.yaml")))


@pytest.mark.skipif(yamlfile._FastLoader is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", SPECS, ids=lambda p: Path(p).parent.name)
def test_libyaml_reads_every_spec_as_pyyaml_does(path):
    text = Path(path).read_text(encoding="utf-8")
    fast, slow = yamlfile._parse_fast(text, Path("spec.yaml")), _slow(text)
    assert fast is not None
    assert repr((fast.data, fast.lines)) == repr((slow.data, slow.lines))


@pytest.mark.skipif(yamlfile._FastLoader is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("text", [
    "a:\n\t- 1\n",  # tabs: libyaml takes some that PyYAML refuses
    "options: {a: input? , b: forget}\n",  # `?` in brackets: libyaml reads it, PyYAML refuses
    "needs: [a,\n  b? -c]\n",
    "a: 1\n\ufeffb: 2\n",  # a byte-order mark inside
    "id: a\nid: b\n",  # duplicate keys: refused on the fast path too, told by PyYAML
    "a: [" * 120 + "]" * 120 + "\n",  # nesting over the limit
])
def test_text_libyaml_may_read_otherwise_is_left_to_pyyaml(text):
    assert yamlfile._parse_fast(text, Path("spec.yaml")) is None
    try:
        read = yamlfile.parse_yaml(text, Path("spec.yaml"))
    except SpecError as error:
        read = error
    slow = _slow(text)
    assert type(read) is type(slow)
    assert str(read) == str(slow) if isinstance(slow, SpecError) else (read.data, read.lines) == (slow.data, slow.lines)


def test_students_files_never_reach_libyaml(monkeypatch):
    monkeypatch.setattr(yamlfile, "_parse_fast", lambda *a: pytest.fail("a plain file went to libyaml"))
    assert yamlfile.parse_yaml("a: 1\n", Path("answers.yaml"), plain=True).data == {"a": 1}


def _bank_with_a_name_error(tmp_path: Path) -> Path:
    bank = tmp_path / "exercises"
    shutil.copytree(FIXTURE_BANK, bank)
    spec = bank / "layer-count" / "spec.yaml"
    text = spec.read_text(encoding="utf-8")
    assert "c_out" in text
    spec.write_text(text.replace("c_out *", "c_outt *", 1).replace("c_out*", "c_outt*", 1), encoding="utf-8")
    return bank


def test_names_are_checked_only_in_the_chosen_exercises(tmp_path):
    bank = _bank_with_a_name_error(tmp_path)
    with pytest.raises(SpecErrors) as caught:
        load_bank(bank)
    assert "c_outt" in str(caught.value.errors[0])
    with pytest.raises(SpecErrors):
        load_bank(bank, only=["layer-count"])
    loaded = load_bank(bank, only=["shapes-and-choices"])  # the other is read for its ids, not graded
    assert [e.id for e in loaded] == ["layer-count", "shapes-and-choices"]
    assert [q.id for q in loaded[0].questions] == [q.id for q in load_bank(FIXTURE_BANK)[0].questions]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_finds_a_name_error_beside_the_grading_and_stops_as_loading_would(tmp_path, jobs):
    """`check` loads specs without their name checks and runs those in the quizzes' lane."""
    bank = _bank_with_a_name_error(tmp_path)
    student = tmp_path / "student"
    student.mkdir()
    (student / "answers.yaml").write_text("shapes-and-choices: {}\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(student), "--exercises", str(bank),
                          "-q", "--jobs", jobs], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 2, run.stdout + run.stderr
    with pytest.raises(SpecErrors) as loading:
        load_bank(bank)
    assert str(loading.value.errors[0]) in run.stderr  # what loading says, its line included
    assert "c_outt" in run.stderr and ".yaml:" in run.stderr and "Traceback" not in run.stderr
    chosen = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(student), "--exercises", str(bank),
                             "-q", "-e", "shapes-and-choices"], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert chosen.returncode in (0, 1), chosen.stderr  # the broken one is not chosen: graded as before


def test_a_broken_yaml_or_field_anywhere_still_stops_a_check_of_one_exercise(tmp_path):
    bank = tmp_path / "exercises"
    shutil.copytree(FIXTURE_BANK, bank)
    spec = bank / "layer-count" / "spec.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "title: again\n", encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        load_bank(bank, only=["shapes-and-choices"])
    assert "duplicate key 'title'" in str(caught.value.errors[0])


def test_spec_kind_reads_the_kind_or_none(tmp_path):
    assert spec_kind(FIXTURE_BANK / "layer-count") == "quiz"
    assert spec_kind(tmp_path / "missing") is None
    (tmp_path / "spec.yaml").write_text("kind: [\n")
    assert spec_kind(tmp_path) is None


def test_a_judge_started_ahead_judges_once_ready():
    with Judge() as judge:
        judge.start()
        pid = judge.worker_pid
        judge.start()  # once
        assert judge.worker_pid == pid and judge.starts == 1
        x = sympy.Symbol("x")
        assert judge.judge(2 * x, x + x, {x: Domain("real", -3, 3)}).verdict is Verdict.EQUAL
        assert judge.worker_pid == pid and judge.starts == 1


def test_a_judge_worker_that_died_before_its_handshake_is_started_again():
    with Judge() as judge:
        judge.start()
        judge._proc.kill()
        judge._proc.wait()
        x = sympy.Symbol("x")
        assert judge.judge(x, x, {x: Domain("real", 0, 1)}).verdict is Verdict.EQUAL
        assert judge.starts == 2


def _grader(*args, cwd=REPO):
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_the_quick_exit_loses_nothing(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "answers.yaml").write_text(json.dumps({"layer-count": {"count": 1}}))
    (sub / "student.yaml").write_text("id: alex\n")
    done = _grader("check", sub, "--exercises", FIXTURE_BANK, "-e", "layer-count", "--json", tmp_path / "r.json",
                   "--md", tmp_path / "r.md")
    assert done.returncode == 1
    assert "layer-count" in done.stdout and done.stdout.rstrip().splitlines()[-1].startswith("Total")
    assert json.loads((tmp_path / "r.json").read_text())["tests"]
    assert "layer-count" in (tmp_path / "r.md").read_text()
