"""Adversarial submissions (tests/hostile/) against the real sandbox, real torch, real files.

For each: it earns no point it did not earn, the grader finishes, no process is left
behind, no file appears outside the child's scratch, and no result message carries the
hidden checks, the solutions or the grader's environment.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from grader.checking.codegrade import CodeGrader
from grader.reports.results import Status
from grader.sandbox.launcher import Sandbox
from grader.bank.loading import load_exercise

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
HOSTILE = TESTS / "hostile"
SECRET = "s3cr3t-" + uuid.uuid4().hex
LEAKS = (SECRET, "SECRET-CHECK-SOURCE", "SECRET-SOLUTION-SOURCE", "def test_", "reference_corr2d", "61_706")

# name: (the most it may score of 2, a phrase every failed item's message must hold)
CASES = {
    "sys_exit_at_import": (0, "exited at import with code 0"),
    "os_exit_at_import": (0, "at import, exited with code 0"),
    "os_exit_in_call": (1, "exited with code 0"),
    "monkeypatch": (0, ""),  # its patch of isinstance breaks its own child: code 70
    "fake_results": (0, "double(x) should be 2 * x"),
    "read_hidden": (0, "stolen"),
    "import_grader": (0, "imported"),
    "loop_at_import": (0, "at import, timed out after 2 s"),
    "loop_in_call": (0, "timed out after 2 s"),
    "memory_bomb": (0, "ran out of memory"),
    "setsid_leftover": (2, ""),
    "output_flood": (0, "File too large"),
    "stack_overflow": (0, "signal 11 (SIGSEGV)"),
    "network": (0, "your code raised"),
    "write_outside": (2, ""),
    "env_dump": (0, "your code raised RuntimeError"),
    "pickle_trick": (0, "cannot be graded"),
    "tensor_subclass": (0, "double(x) should be 2 * x"),
    "evil_object": (0, "cannot be graded"),
    "kill_everything": (0, ""),
    "forge_frames": (0, "broke the grading protocol"),
}


@pytest.fixture(scope="module")
def exercise():
    return load_exercise(TESTS / "sandbox_bank" / "probe")


def _start(wrappers):
    os.environ["GRADER_TEST_SECRET"] = SECRET  # in the grader's environment before the zygote starts
    try:
        grader = CodeGrader(solutions=TESTS / "sandbox_bank_solutions", sandbox=Sandbox(wrappers=wrappers))
        grader.__enter__()
        grader.grade(load_exercise(TESTS / "sandbox_bank" / "probe"), TESTS / "sandbox_bank_solutions" / "probe")
        grader.sandbox.sync()  # from here on the zygote holds one spare child between gradings
    finally:
        del os.environ["GRADER_TEST_SECRET"]
    return grader


@pytest.fixture(scope="module")
def grader():
    grader = _start(("bwrap", "unshare", "none"))
    yield grader
    grader.__exit__(None, None, None)


@pytest.fixture(scope="module")
def weakest_grader():
    """No wrapper at all: Landlock, the separate user and rlimits must still hold the line."""
    grader = _start(("none",))
    yield grader
    grader.__exit__(None, None, None)


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.2)
    yield sock
    sock.close()


def grade_hostile(grader, exercise, name, listener, tmp_path):
    marker = uuid.uuid4().hex
    source = (HOSTILE / f"{name}.py").read_text()
    source = source.replace("__MARKER__", marker).replace("__PORT__", str(listener.getsockname()[1]))
    source = source.replace("__REPO__", str(REPO))
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "probe.py").write_text(source)
    before = _descendants(grader.sandbox._process.pid)
    result = grader.grade(exercise, submission)
    assert grader.sandbox.sync() == 1  # only the spare child is left, and it is a single process
    assert len(_descendants(grader.sandbox._process.pid)) == len(before), "the child left processes behind"
    assert not _processes_with(marker), "a process carrying the marker survived"
    leftovers = [p for p in (Path("/tmp"), REPO, Path("/root")) if any(p.glob(f"*{marker}*"))]
    assert not leftovers, f"files written outside scratch in {leftovers}"
    assert not list(submission.glob("*.json")), "the child wrote into the submission folder"
    with pytest.raises(socket.timeout):
        listener.accept()
    texts = [result.message] + [item.message for item in result.items]
    for text in texts:
        for leak in LEAKS:
            assert leak not in text, f"{leak!r} leaked into a result message"
    return result


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_submission(grader, exercise, name, listener, tmp_path):
    most, phrase = CASES[name]
    result = grade_hostile(grader, exercise, name, listener, tmp_path)
    assert result.score <= most
    for item in result.items:
        assert item.status in (Status.PASSED, Status.FAILED)
        if item.status == Status.FAILED:
            assert phrase in item.message
            assert len(item.message) < 2000


def test_fresh_child_after_a_crash(grader, exercise, listener, tmp_path):
    result = grade_hostile(grader, exercise, "os_exit_in_call", listener, tmp_path)
    assert [i.status for i in result.items] == [Status.FAILED, Status.PASSED]


def test_import_failure_is_not_retried_per_check(grader, exercise, listener, tmp_path):
    result = grade_hostile(grader, exercise, "loop_at_import", listener, tmp_path)
    assert sum(i.duration for i in result.items) < 4  # one 2 s timeout, not one per check


def test_grader_still_grades_after_the_hostile_ones(grader, exercise):
    result = grader.grade(exercise, TESTS / "sandbox_bank_solutions" / "probe")
    assert result.score == result.max_score == 2


@pytest.mark.parametrize("name", ["setsid_leftover", "write_outside", "network", "read_hidden", "env_dump", "memory_bomb"])
def test_hostile_without_any_wrapper(weakest_grader, exercise, name, listener, tmp_path):
    assert dict(weakest_grader.protections)["filesystem-view"] is False
    most, phrase = CASES[name]
    result = grade_hostile(weakest_grader, exercise, name, listener, tmp_path)
    assert result.score <= most
    assert all(phrase in i.message for i in result.items if i.status == Status.FAILED)


def _descendants(root: int) -> set[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _processes_with(marker: str) -> list[int]:
    hits = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            for part in ("cmdline", "environ"):
                try:
                    if marker.encode() in (entry / part).read_bytes():
                        hits.append(int(entry.name))
                except OSError:
                    pass
    return hits
