"""The child never holds real root: under every wrapper it cannot read /etc/shadow, and a
sandbox whose children would be root is refused by `grade` and warned about by `check`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import REPO
from grader.bank.loading import load_bank
from grader.checking.codegrade import CodeGrader
from grader.reports.results import Status
from grader.sandbox.launcher import RootChildRefused, Sandbox, SandboxError

SPEC = """\
id: whoami
title: Who am I
kind: code
topic: sandbox-tests
description: "who() returns the child's uid and whether it could read /etc/shadow."
file: probe.py
symbols: [who]
devices: [cpu]
limits: {call_seconds: 5, exercise_seconds: 30, cpu_seconds: 10, memory_mb: 1024}
checks:
  - {id: no-root, points: 1, title: "the child is not root"}
"""

CHECK = '''
def test_no_root(submission):
    uid, shadow = submission.call("probe:who")
    assert uid != 0 and shadow is not True, f"the child ran as uid {uid}; /etc/shadow: {shadow}"
'''

STUDENT = '''
import os

def who():
    try:
        with open("/etc/shadow") as f:
            f.read(1)
        return os.getuid(), True
    except OSError as error:
        return os.getuid(), error.strerror
'''

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the root rule is about a grader running as root")


@pytest.fixture
def bank(tmp_path) -> Path:
    (tmp_path / "bank" / "whoami" / "checks").mkdir(parents=True)
    (tmp_path / "bank" / "whoami" / "spec.yaml").write_text(SPEC)
    (tmp_path / "bank" / "whoami" / "checks" / "who.py").write_text(CHECK)
    (tmp_path / "class" / "s1").mkdir(parents=True)
    (tmp_path / "class" / "s1" / "probe.py").write_text(textwrap.dedent(STUDENT))
    return tmp_path / "bank"


@needs_root
@pytest.mark.parametrize("wrapper", ["bwrap", "unshare", "none"])
def test_the_child_is_not_root_under_any_wrapper(wrapper, bank, tmp_path):
    (exercise,) = load_bank(bank)
    sandbox = Sandbox(wrappers=(wrapper,))
    try:
        sandbox.start()
    except SandboxError:
        pytest.skip(f"the {wrapper} wrapper does not work here")
    with CodeGrader(solutions=tmp_path, sandbox=sandbox) as grader:
        result = grader.grade(exercise, tmp_path / "class" / "s1")
        assert grader.sandbox.wrapper == wrapper
        assert dict(grader.protections)["non-root-child"] and dict(grader.protections)["separate-user"]
    (item,) = result.items
    assert item.status == Status.PASSED, item.message


def _grader(*args, user: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "GRADER_SANDBOX_USER": user}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=180)


@needs_root
def test_grade_refuses_a_root_child_unless_allowed_and_check_warns(bank, tmp_path):
    """A sandbox user that does not exist leaves the child at uid 0, as a closed Python would."""
    with Sandbox(wrappers=("none",), user="no-such-user-here") as sandbox:
        with pytest.raises(RootChildRefused, match="--allow-root-child"):
            sandbox.wait_ready()
        assert sandbox.child_is_root

    refused = _grader("grade", tmp_path / "class", "--exercises", bank, "--gradebook", tmp_path / "g.sqlite",
                      "-j", "1", user="no-such-user-here")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "would run as uid 0" in refused.stderr and "--allow-root-child" in refused.stderr
    assert "Traceback" not in refused.stderr

    allowed = _grader("grade", tmp_path / "class", "--exercises", bank, "--gradebook", tmp_path / "g.sqlite",
                      "-j", "1", "--allow-root-child", user="no-such-user-here")
    assert allowed.returncode == 0 and "graded 1" in allowed.stdout, allowed.stdout + allowed.stderr

    checked = _grader("check", tmp_path / "class" / "s1", "--exercises", bank, user="no-such-user-here")
    assert checked.returncode == 1, checked.stdout + checked.stderr  # graded, and the child was root indeed
    assert "the child ran as uid 0" in checked.stdout and "non-root-child unavailable" in checked.stdout
    assert "warning:" in checked.stderr and "would run as uid 0" in checked.stderr
