"""Caps the grader enforces on its own side: what the child reports, what it sends, how
long a whole submission may take. Real sandbox, real subprocesses, student code that
lifts the child's own caps (it shares the child's process, so those are only claims).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader.bank.loading import load_bank, load_exercise
from grader.checking.codegrade import CodeGrader
from grader.grading import grade_submission, submission_budget
from grader.reports.results import Status
from grader.sandbox import wire
from grader.sandbox.launcher import Sandbox

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
PROBE = TESTS / "sandbox_bank" / "probe"
SOLUTIONS = TESTS / "sandbox_bank_solutions"
SHORT = 600  # what a capped message may reach: 400 characters of the student's text and our words


@pytest.fixture(scope="module")
def grader():
    with CodeGrader(solutions=SOLUTIONS, sandbox=Sandbox()) as grader:
        yield grader


@pytest.fixture(scope="module")
def probe():
    return load_exercise(PROBE)


def grade_source(grader, probe, tmp_path, source: str):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "probe.py").write_text(textwrap.dedent(source))
    return grader.grade(probe, folder)


def messages(result) -> list[str]:
    return [result.message] + [item.message for item in result.items]


# -- 1. what the child reports is capped and type-checked in the grader --------------------

LIFTED = """
    import sys
    child = sys.modules["grader.sandbox.child"]
    child.MESSAGE_LIMIT = 10**9

    def double(x):
        raise {error}("m" * {size})
"""


@pytest.mark.parametrize("error", ["ValueError", "child.Missing", "sys.modules['grader.sandbox.wire'].Unsendable"])
def test_a_lifted_message_cap_leaves_a_short_message(grader, probe, tmp_path, error):
    result = grade_source(grader, probe, tmp_path, LIFTED.format(error=error, size=500_000))
    assert result.score == 0
    for item in result.items:
        assert item.status == Status.FAILED and "mmmm" in item.message and len(item.message) < SHORT


def test_a_ten_megabyte_message_breaks_the_protocol_briefly(grader, probe, tmp_path):
    result = grade_source(grader, probe, tmp_path, LIFTED.format(error="ValueError", size=10_000_000))
    for item in result.items:
        assert item.status == Status.FAILED and len(item.message) < SHORT
        assert "broke the grading protocol (frame header of" in item.message


FORGED_FAULT = """
    import sys
    child = sys.modules["grader.sandbox.child"]
    child.Server.fault = lambda self, exc: {{
        "type": "T" * 100_000, "message": "y" * 300_000, "file": "../../etc/passwd" * 1000,
        "line": {line}, "code": "not a code"}}
    {trigger}

    def double(x):
        raise ValueError
"""


@pytest.mark.parametrize("line", ["'12; rm -rf'", "[1, 2]", "True", "10**30", "-5"])
def test_a_forged_fault_is_checked_field_by_field(grader, probe, tmp_path, line):
    result = grade_source(grader, probe, tmp_path, FORGED_FAULT.format(line=line, trigger=""))
    for item in result.items:
        assert item.status == Status.FAILED and len(item.message) < SHORT
        assert item.message.startswith("your code raised Exception: yyy") and " line " not in item.message
        assert "passwd" not in item.message


def test_a_forged_fault_at_import_names_the_graded_file(grader, probe, tmp_path):
    result = grade_source(grader, probe, tmp_path, FORGED_FAULT.format(line="7", trigger="raise SystemExit(3)"))
    assert result.message.startswith("importing probe.py failed: raised Exception: yyy")
    assert result.message.endswith(" [...] at probe.py line 7") and len(result.message) < SHORT


# -- 2. crafted frames cost the grader little ------------------------------------------------

CRAFTED = """
    import json, struct, sys

    def _frame(header, blobs=b"", declared=None):
        body = struct.pack("!I", len(header)) + header + blobs
        return struct.pack("!I", declared or len(body)) + body

    def _tensor(shape, blob):
        return {{"$": "tensor", "dtype": "float32", "shape": shape, "blob": blob}}

    def _sock():
        frame = sys._getframe()
        while "sock" not in frame.f_locals:
            frame = frame.f_back
        return frame.f_locals["sock"]

    def double(x):
        _sock().sendall({frame})
        return 2 * x
"""

# name: (the frame, as Python in the student's module; what the message names)
FRAMES = {
    "values": ('_frame(b\'{"v": [\' + b"0," * 300_000 + b\'0], "blobs": []}\')', "frame has more than 100000 values"),
    "header": ('_frame(b\'{"v": "\' + b"x" * 50_000_000 + b\'", "blobs": []}\')', "frame header of 50000022 bytes"),
    "nesting": ('_frame(b\'{"v": \' + b"[" * 80 + b"]" * 80 + b\', "blobs": []}\')', "frame nested deeper than 64"),
    "shared-blob": ('_frame(json.dumps({"v": [_tensor([2**21], 0)] * 100, "blobs": [2**23]}).encode(), bytes(2**23))',
                    "each blob belongs to one tensor"),
    "huge-shape": ('_frame(json.dumps({"v": _tensor([2**40], 0), "blobs": [8]}).encode(), bytes(8))', "bad tensor shape"),
    "empty-huge-shape": ('_frame(json.dumps({"v": _tensor([2**62, 2**62, 0], 0), "blobs": [0]}).encode())',
                         "bad tensor shape"),
    "huge-frame": ('_frame(b"{}", declared=2**31)', "frame of 2147483648 bytes is over the limit"),
    "reply-form": ('_frame(json.dumps({"v": "raised", "blobs": []}).encode())', "a reply of no known form"),
}

MEASURE = """
import json, resource, sys, time
from pathlib import Path
from grader.bank.loading import load_exercise
from grader.checking.codegrade import CodeGrader
from grader.sandbox.launcher import Sandbox

probe, solutions, folders = load_exercise(Path(sys.argv[1])), Path(sys.argv[2]), sys.argv[3:]
with CodeGrader(solutions=solutions, sandbox=Sandbox()) as grader:
    grader.grade(probe, solutions / "probe")  # warm: torch, the zygote, the checks
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {}
    for folder in folders:
        started = time.perf_counter()
        result = grader.grade(probe, Path(folder))
        report[Path(folder).name] = {
            "seconds": time.perf_counter() - started, "statuses": [i.status.value for i in result.items],
            "messages": [i.message for i in result.items],
            "grown_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024}
print(json.dumps(report))
"""


def test_crafted_frames_cost_the_grader_little(tmp_path):
    """Each is refused with the cap it broke; the grader's peak memory grows by < 64 MB over all
    of them (before: +700 MB and 9.6 s for a 39 MB header, +800 MB for 100 tensors on one blob)."""
    folders = []
    for name, (frame, _) in FRAMES.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "probe.py").write_text(textwrap.dedent(CRAFTED.format(frame=frame)))
        folders.append(str(folder))
    run = subprocess.run([sys.executable, "-c", MEASURE, str(PROBE), str(SOLUTIONS), *folders],
                         capture_output=True, text=True, timeout=600, cwd=REPO)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.splitlines()[-1])
    for name, (_, phrase) in FRAMES.items():
        case = report[name]
        assert case["statuses"] == ["failed", "failed"], (name, case["messages"])
        for message in case["messages"]:
            assert "broke the grading protocol (" in message and phrase in message, (name, message)
            assert len(message) < SHORT
        assert case["seconds"] < 20, (name, case["seconds"])  # two children spawned and killed, nothing decoded
    assert report[list(FRAMES)[-1]]["grown_mb"] < 64, report


def _body(header: bytes, blobs: bytes = b"") -> bytes:
    return struct.pack("!I", len(header)) + header + blobs


@pytest.mark.parametrize("body, phrase", [
    (_body(b'{"v": [' + b"0," * 100_000 + b'0], "blobs": []}'), "frame has more than 100000 values"),
    (_body(b'{"v": "' + b"x" * (2 << 20) + b'", "blobs": []}'), "frame header of 2097174 bytes is over the limit"),
    (_body(b'{"v": ' + b"[" * 65 + b"1" + b"]" * 65 + b', "blobs": []}'), "frame nested deeper than 64"),
    (_body(b'{"v": ' + b"[" * 5000 + b"]" * 5000 + b', "blobs": []}'), "frame nested deeper than 64"),
    (_body(json.dumps({"v": [{"$": "tensor", "dtype": "uint8", "shape": [4], "blob": 0}] * 2, "blobs": [4]}).encode(),
           b"abcd"), "each blob belongs to one tensor"),
    (_body(json.dumps({"v": {"$": "tensor", "dtype": "uint8", "shape": [True], "blob": 0}, "blobs": [1]}).encode(),
           b"a"), "bad tensor shape"),
])
def test_each_cap_is_named(body, phrase):
    with pytest.raises(wire.ProtocolError, match=re.escape(phrase)):
        wire.decode(body)


def test_sizes_are_checked_before_the_rest_arrives():
    """Only 8 bytes of a frame that claims a 100 MB header: refused at once, nothing allocated."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(struct.pack("!II", 200 << 20, 100 << 20))
        started = time.monotonic()
        with pytest.raises(wire.ProtocolError, match="frame header of 104857600 bytes is over the limit of 1048576"):
            wire.recv(ours, time.monotonic() + 5)
        assert time.monotonic() - started < 1


def test_the_bank_s_real_traffic_fits_the_caps():
    """Measured by grading examples/submission: the largest reply is AlexNet's `parameters`
    (120 MB, 16 tensors, 107 values, 6 deep); a trace of a deep student net is far smaller
    than the caps too. Sizes are shrunk here, not the structure: the frame cap is unchanged."""
    import torch

    assert wire.MAX_FRAME >= 2 * 120_000_000
    parameters = {"ok": [torch.zeros(4, 3) for _ in range(16)]}
    trace = {"ok": [(f"Layer{i}", (8, 64, 7, 7)) for i in range(2000)]}
    nested = {"ok": {"a": [[(1, [2.0, {"b": torch.ones(2)}])] * 3] * 3}}
    for value in (parameters, trace, nested):
        frame = wire.encode(value)
        assert len(wire.decode(frame[4:])["ok"]) == len(value["ok"])


# -- 3. a source over the cap is refused by name ------------------------------------------

def test_a_huge_source_file_is_named(grader, probe, tmp_path):
    result = grade_source(grader, probe, tmp_path, "def double(x):\n    return 2 * x\n" + "# padding\n" * 150_000)
    assert result.score == 0
    assert result.message.startswith("probe.py is ") and result.message.endswith("over the 1 MB limit for a source file")
    assert all(item.message == result.message for item in result.items)


# -- 4. a whole submission's time budget ----------------------------------------------------

SLEEPER = """
import time

def double(x):
    time.sleep(1.5)  # just under call_seconds (2 s); SLEEP_SECONDS below
    return 2 * x
"""

TINY_QUIZ = """
id: tiny-quiz
title: Tiny quiz
kind: quiz
topic: sandbox-tests
questions:
  - id: two
    type: numeric
    points: 1
    prompt: "What is 1 + 1?"
    answer: 2
"""


def sleepy_bank(tmp_path: Path, budget_seconds: float = 20) -> Path:
    """Three code exercises of two checks each, whose calls may take 2 s, and a quiz."""
    bank = tmp_path / "bank"
    spec = (PROBE / "spec.yaml").read_text()
    spec = spec.replace("cpu_seconds: 6", f"cpu_seconds: 6\n  budget_seconds: {budget_seconds}")
    for name in ("slow-a", "slow-b", "slow-c"):
        (bank / name / "checks").mkdir(parents=True)
        (bank / name / "spec.yaml").write_text(spec.replace("id: probe", f"id: {name}"))
        (bank / name / "checks" / "doubling.py").write_text((PROBE / "checks" / "doubling.py").read_text())
    (bank / "tiny-quiz").mkdir()
    (bank / "tiny-quiz" / "spec.yaml").write_text(TINY_QUIZ)
    return bank


def sleepy_student(tmp_path: Path, name: str = "sleeper") -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True)
    (folder / "probe.py").write_text(SLEEPER)
    (folder / "answers.yaml").write_text("tiny-quiz:\n  two: 2\n")
    return folder


SLEEP_SECONDS = 1.5  # each call of the sleeper's double


def assert_budget_held(result, seconds: float, lanes: int = 1) -> None:
    """The budget held, counted in work, not in wall-clock time (a loaded machine is slow at
    everything else): a call the budget ends mid-way fails, so each of the `lanes` exercises
    graded at once passes at most the calls that fit in the budget; without it all six pass."""
    phrase = f"the time budget for this submission ({seconds:g} s) ran out"
    code = [e for e in result.exercises if e.kind == "code"]
    assert [e.score for e in result.exercises if e.kind == "quiz"] == [1]  # quizzes are graded whatever is left
    assert code[-1].message == phrase and all(i.message == phrase for i in code[-1].items)
    items = [i for e in code for i in e.items]
    for item in items:
        assert item.status == Status.PASSED or phrase.removesuffix(" ran out") in item.message, item.message
    passed = sum(item.status == Status.PASSED for item in items)
    assert passed <= lanes * int(seconds // SLEEP_SECONDS), [item.message for item in items]


def test_the_budget_stops_a_student_who_sleeps_under_every_limit(grader, tmp_path):
    bank = load_bank(sleepy_bank(tmp_path))
    assert submission_budget(bank) == 60
    result = grade_submission(sleepy_student(tmp_path), bank, runner=grader, budget_seconds=2.5)
    assert_budget_held(result, 2.5)


def test_the_budget_defaults_to_the_specs_shares(grader, tmp_path):
    bank = load_bank(sleepy_bank(tmp_path, budget_seconds=0.8))
    assert submission_budget(bank) == pytest.approx(2.4)
    result = grade_submission(sleepy_student(tmp_path), bank, runner=grader)
    assert_budget_held(result, submission_budget(bank))


class SlowToStart(Sandbox):
    """A sandbox whose zygote is slow to be ready, as on a loaded machine (torch's import)."""

    def wait_ready(self) -> None:
        if not self.protections:
            time.sleep(3)
        super().wait_ready()


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_graders_own_start_up_is_not_charged_to_the_student(tmp_path, jobs):
    bank = load_bank(sleepy_bank(tmp_path))
    student = tmp_path / "honest"
    student.mkdir()
    (student / "probe.py").write_text((SOLUTIONS / "probe" / "probe.py").read_text())
    (student / "answers.yaml").write_text("tiny-quiz:\n  two: 2\n")
    with CodeGrader(solutions=SOLUTIONS, sandbox=SlowToStart()) as grader:
        result = grade_submission(student, bank, runner=grader, budget_seconds=2.5, jobs=jobs)
    assert result.score == result.max_score == 7, [i.message for e in result.exercises for i in e.items]


def test_an_honest_student_is_untouched_by_the_budget(grader, tmp_path):
    bank = load_bank(sleepy_bank(tmp_path))
    student = tmp_path / "honest"
    student.mkdir()
    (student / "probe.py").write_text((SOLUTIONS / "probe" / "probe.py").read_text())
    (student / "answers.yaml").write_text("tiny-quiz:\n  two: 2\n")
    result = grade_submission(student, bank, runner=grader, budget_seconds=30)
    assert result.score == result.max_score == 7


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO)


def test_check_and_grade_take_a_budget(tmp_path):
    bank = sleepy_bank(tmp_path)
    student = sleepy_student(tmp_path / "class", "s1")
    run = _cli("check", str(student), "--exercises", str(bank), "--budget", "2.5", "--json", str(tmp_path / "r.json"), "-q")
    assert run.returncode == 1, run.stderr[-2000:]
    tests = json.loads((tmp_path / "r.json").read_text())["tests"]
    assert any("the time budget for this submission (2.5 s) ran out" in t.get("output", "") for t in tests)

    started = time.monotonic()
    run = _cli("grade", str(tmp_path / "class"), "--exercises", str(bank), "--budget", "2.5", "--jobs", "1",
               "--gradebook", str(tmp_path / "book.sqlite"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert "graded 1" in run.stdout and time.monotonic() - started < 120
    for help_of in ("check", "grade"):
        assert "--budget" in _cli(help_of, "--help").stdout
