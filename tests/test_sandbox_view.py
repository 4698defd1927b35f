"""What the sandbox's filesystem view is built from, and the scratch folders a killed grader
leaves behind.

The view (bubblewrap's binds, and Landlock's read list) holds the system folders, the
interpreter's own installation and grader's sandbox code: never the folder the grader was
started from, nor PYTHONPATH's entries, both of which `python -m` puts on sys.path.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO
from grader.sandbox import scratch
from grader.sandbox.confine import GRADER_PACKAGE, readable_paths

VIEW = "import json; from grader.sandbox.confine import readable_paths; print(json.dumps(readable_paths()))"


def opens(paths: list[str], target: Path) -> list[str]:
    """The paths of the view that hold `target`, or are it."""
    target = str(target.resolve())
    return [p for p in paths if target == p or target.startswith(p.rstrip("/") + "/")]


def test_the_view_holds_no_folder_of_the_path_the_grader_was_started_with(tmp_path, monkeypatch):
    course = tmp_path / "course"
    (course / "exercises").mkdir(parents=True)
    (course / "exercises" / "secret.txt").write_text("the keys")
    monkeypatch.chdir(course)
    monkeypatch.setattr(sys, "path", ["", str(course), "/", *sys.path])  # `python -m` from here, PYTHONPATH=/
    paths = readable_paths()
    assert "/" not in paths and not opens(paths, course / "exercises" / "secret.txt"), paths
    assert str(GRADER_PACKAGE / "sandbox") in paths and not opens(paths, GRADER_PACKAGE / "checking")


@pytest.mark.parametrize("start", ["/", "above"])
def test_a_grader_started_from_slash_or_above_the_bank_does_not_open_it(tmp_path, start):
    """As a real `python -c` (sys.path[0] is the current folder), with PYTHONPATH naming folders."""
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    (course / "solutions" / "key.py").write_text("KEY = 1\n")
    (tmp_path / "lib").mkdir()
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "lib"), str(REPO)])}
    done = subprocess.run([sys.executable, "-c", VIEW], capture_output=True, text=True, timeout=60,
                          cwd="/" if start == "/" else tmp_path, env=environment)
    assert done.returncode == 0, done.stderr
    paths = json.loads(done.stdout)
    assert "/" not in paths, paths
    for secret in (course / "solutions" / "key.py", tmp_path / "lib", REPO / "exercises", REPO / "solutions"):
        assert not opens(paths, secret), (secret, paths)
    assert opens(paths, Path(sys.executable)), "the interpreter itself stays readable"


# -- stale scratch folders ----------------------------------------------------------------


def test_a_killed_graders_sandbox_folder_is_removed_at_the_next_start(tmp_path):
    """A grader killed with SIGKILL leaves its grader-sandbox-* folder; the next sweep removes it,
    and only it: not a live grader's, not a folder without our owner file, not a link."""
    code = ("import sys, time; from grader.sandbox import scratch; "
            "print(scratch.make_root(), flush=True); time.sleep(60)")
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    killed = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=environment)
    live = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=environment)
    try:
        stale, alive = Path(killed.stdout.readline().strip()), Path(live.stdout.readline().strip())
        (stale / "child-1").mkdir()
        (stale / "child-1" / "output.txt").write_text("x")
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        foreign = tmp_path / f"{scratch.PREFIX}foreign"  # no owner file: not ours to judge
        foreign.mkdir()
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / scratch.OWNER_FILE).write_text(f"{killed.pid} 0 {scratch.pid_namespace()}\n")
        (tmp_path / f"{scratch.PREFIX}link").symlink_to(outside)
        assert stale.parent == tmp_path and stale.is_dir() and alive.is_dir()

        assert scratch.remove_stale(tmp_path) == [stale]
        assert not stale.exists() and alive.is_dir() and foreign.is_dir() and (outside / scratch.OWNER_FILE).exists()
    finally:
        live.kill()
        live.wait()
    shutil.rmtree(alive, ignore_errors=True)


def test_a_reused_pid_is_not_the_owner(tmp_path):
    root = tmp_path / f"{scratch.PREFIX}reused"
    root.mkdir()
    (root / scratch.OWNER_FILE).write_text(f"{os.getppid()} 1 {scratch.pid_namespace()}\n")  # live, but started at another time
    assert scratch.start_time(os.getppid()) not in ("", "1")
    elsewhere = tmp_path / f"{scratch.PREFIX}other-namespace"  # a container sharing /tmp: its pids are not ours
    elsewhere.mkdir()
    (elsewhere / scratch.OWNER_FILE).write_text("999999 1 4026531836000\n")
    assert scratch.remove_stale(tmp_path) == [root] and elsewhere.is_dir()


def test_a_sandbox_starts_by_sweeping(tmp_path, monkeypatch):
    from grader.sandbox.launcher import Sandbox

    monkeypatch.setattr(scratch, "_swept", [])
    monkeypatch.setattr(scratch.tempfile, "gettempdir", lambda: str(tmp_path))
    stale = tmp_path / f"{scratch.PREFIX}stale"
    stale.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    (stale / scratch.OWNER_FILE).write_text(f"{dead.pid} {time.monotonic_ns()} {scratch.pid_namespace()}\n")
    sandbox = Sandbox(wrappers=("none",))
    try:
        sandbox.start()
        assert not stale.exists()
        assert (sandbox.scratch_root / scratch.OWNER_FILE).read_text().split()[0] == str(os.getpid())
    finally:
        sandbox.close()
