"""Authors can run an exercise's checks under plain pytest with grader's fixtures."""

import subprocess
import sys

from conftest import REPO


def run_pytest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "grader.checking.pytest_plugin", "-q", "-p", "no:cacheprovider",
                           *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_the_reference_passes_every_check_of_its_exercise():
    result = run_pytest("exercises/corr2d/checks", "exercises/corr2d/public")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "8 passed" in result.stdout


def test_a_wrong_submission_fails_the_check_that_names_its_mistake(tmp_path):
    (tmp_path / "lenet.py").write_text((REPO / "examples" / "submission" / "lenet.py").read_text())
    result = run_pytest("exercises/lenet/checks", "--submission", str(tmp_path))
    assert result.returncode == 1
    assert "FAILED exercises/lenet/checks/behaviour.py::test_matches_reference[cpu]" in result.stdout
    assert "average (not max) pooling" in result.stdout
