"""An instructor's check file or verify expression that breaks is the author's error, named
with file and line, never a student's grade: at import, while a check runs, in selftest,
and in `grader validate` (a verify expression that never ends is stopped)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, write_spec
from grader.bank.loading import load_exercise
from grader.checking import checks
from grader.checking.codegrade import CodeGrader
from grader.errors import CheckError
from grader.proofs import verify
from grader.proofs.selftest import selftest
from grader.reports.results import Status

TESTS = Path(__file__).resolve().parent


def probe_bank(tmp_path: Path, check_source: str) -> tuple[Path, Path]:
    """The probe exercise (tests/sandbox_bank) with its hidden checks replaced by `check_source`."""
    bank, solutions = tmp_path / "bank", tmp_path / "solutions"
    shutil.copytree(TESTS / "sandbox_bank", bank)
    shutil.copytree(TESTS / "sandbox_bank_solutions", solutions)
    (bank / "probe" / "checks" / "doubling.py").write_text(check_source)
    return bank, solutions


def collected(tmp_path: Path, check_source: str) -> dict[str, checks.CheckFunction]:
    bank, _ = probe_bank(tmp_path, check_source)
    return checks.collect(load_exercise(bank / "probe"))


TWO_CHECKS = """
def test_doubles(submission):
    pass

def test_doubles_again(submission):
    pass
"""


# -- importing a check file -----------------------------------------------------------
@pytest.mark.parametrize("head, line, fix", [
    ("import sys\nsys.exit(0)\n", 2, "remove the sys.exit"),
    ("import pytest\npytest.importorskip('no_such_module_here')\n", 2, "inside the check functions"),
    ("import pytest\n\npytest.fail('not yet')\n", 3, "inside a check function"),
    ("raise GeneratorExit\n", 1, "fix the error at that line"),
    ("def oops(:\n", 1, "fix the error at that line"),
])
def test_what_a_check_file_raises_at_import_is_named_with_file_and_line(tmp_path, head, line, fix):
    with pytest.raises(CheckError) as raised:
        collected(tmp_path, head + TWO_CHECKS)
    error = raised.value
    assert error.path.name == "doubling.py" and error.line == line, str(error)
    assert f"doubling.py:{line}: cannot import this check file" in str(error) and fix in str(error)


def test_a_users_ctrl_c_while_importing_is_not_blamed_on_the_file(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        collected(tmp_path, "raise KeyboardInterrupt\n" + TWO_CHECKS)


def _grader(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=180)


@pytest.mark.parametrize("head", ["import sys\nsys.exit(0)\n", "import pytest\npytest.importorskip('no_such_module_here')\n"])
def test_check_exits_2_with_the_file_and_line_not_0_or_a_traceback(tmp_path, head):
    bank, _ = probe_bank(tmp_path, head + TWO_CHECKS)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "probe.py").write_text("def double(x):\n    return 2 * x\n")
    result = _grader("check", tmp_path / "sub", "--exercises", bank)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "doubling.py:2: cannot import this check file" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# -- running a check ------------------------------------------------------------------
def _run(tmp_path, body: str) -> checks.Outcome:
    folder = tmp_path / f"run-{len(list(tmp_path.iterdir()))}"
    found = collected(folder, f"import sys, pytest\n\ndef test_doubles(submission):\n{body}\n"
                                "def test_doubles_again(submission):\n    pass\n")
    return checks.run(found["doubles"], {"submission": object()})


@pytest.mark.parametrize("body, raised", [
    ("    sys.exit(0)", "SystemExit: 0"),
    ("    raise GeneratorExit", "GeneratorExit"),
    ("    pytest.exit('stop')", "Exit: stop"),
])
def test_a_check_that_ends_the_grader_is_the_authors_error(tmp_path, body, raised):
    with pytest.raises(CheckError) as error:
        _run(tmp_path, body)
    assert "doubling.py:4: check test_doubles raised " + raised in str(error.value)
    assert "no student's grade" in str(error.value)


def test_failures_are_told_from_crashes_and_students_see_the_same(tmp_path):
    failed = _run(tmp_path, "    assert 1 == 2, 'double(x) should be 2 * x'")
    assert failed.status == Status.FAILED and failed.message == "double(x) should be 2 * x" and not failed.crash
    assert not _run(tmp_path, "    pytest.fail('no')").crash
    assert _run(tmp_path, "    pytest.skip('later')").status == Status.SKIPPED
    crashed = _run(tmp_path, "    x = None\n    x.shape")
    assert crashed.status == Status.FAILED and crashed.message == "your result could not be checked (AttributeError)"
    assert crashed.crash.endswith("doubling.py:5: AttributeError: 'NoneType' object has no attribute 'shape'")


@pytest.fixture(scope="module")
def grader():
    with CodeGrader() as grader:
        yield grader


def test_a_check_ending_the_grader_stops_grading_with_its_line(grader, tmp_path):
    bank, solutions = probe_bank(tmp_path, "import sys\n\ndef test_doubles(submission):\n"
                                           "    submission.call('probe:double', 1)\n    sys.exit(0)\n" + TWO_CHECKS.split("\n\n")[1])
    with pytest.raises(CheckError, match=r"doubling\.py:5: check test_doubles raised SystemExit: 0"):
        grader.grade(load_exercise(bank / "probe"), solutions / "probe", solutions=solutions)


# -- selftest -------------------------------------------------------------------------
CRASHES_ON_WRONG = """
import torch


def test_doubles(submission):
    x = torch.rand(3) + 1
    out = submission.call("probe:double", x)
    if not torch.equal(out, 2 * x):
        out.no_such_attribute  # the author's bug: this check breaks instead of failing
"""

MUTANTS = """
halves:
  mistake: Halves instead of doubling.
  caught-by: [doubles-again]
  edits:
    - replace: "return 2 * x"
      with: "return x / 2"
"""


def test_selftest_does_not_count_a_crash_as_a_catch_and_names_the_broken_check(grader, tmp_path):
    again = ("\n\ndef test_doubles_again(submission):\n    x = -torch.rand(3) - 1\n"
             "    assert torch.equal(submission.call('probe:double', x), 2 * x), 'double(x) should be 2 * x'\n")
    bank, solutions = probe_bank(tmp_path, CRASHES_ON_WRONG + again)
    (solutions / "probe" / "mutants.yaml").write_text(MUTANTS)
    result = selftest(bank=bank, solutions=solutions, grader=grader)
    (mutant,) = result.mutants
    assert mutant.caught and mutant.lost == ("doubles-again",)  # by assertion; doubles broke, not lost
    assert not result.ok and result.mutation_score == 1.0
    (broken,) = result.broken
    assert broken.startswith("probe: check doubles broke on mutant halves: ")
    assert "doubling.py:9: AttributeError" in broken

    (solutions / "probe" / "mutants.yaml").write_text(MUTANTS.replace("doubles-again", "doubles"))
    only_crash = selftest(bank=bank, solutions=solutions, grader=grader)
    assert not only_crash.mutants[0].caught and only_crash.mutation_score == 0.0


# -- verify expressions ---------------------------------------------------------------
def test_a_verify_expression_that_never_ends_is_stopped_and_named(tmp_path, monkeypatch):
    from grader.proofs.validate import validate_bank

    monkeypatch.setattr(verify, "VERIFY_SECONDS", 0.5)
    write_spec(tmp_path / "bank" / "forever", """\
id: forever
title: Forever
kind: quiz
topic: t
questions:
  - id: count
    type: numeric
    points: 1
    prompt: "2 + 2?"
    answer: "4"
    verify: ["sum(1 for _ in iter(int, 1))"]
""")
    report = validate_bank(tmp_path / "bank")
    (finding,) = report.findings
    assert "exercise forever, question count: verify expression 'sum(1 for _ in iter(int, 1))'" in str(finding)
    assert "ran past the 0.5 s limit" in str(finding) and "questions.0.verify.0" in str(finding)
