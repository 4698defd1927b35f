"""The sandbox's scratch root: a temporary folder that names its owner, and the sweep of
those left behind.

A grader killed outright (SIGKILL, out of memory, a pulled plug) cannot remove its
`grader-sandbox-*` folder. Each one therefore holds an owner file with the grader's pid,
that process's start time and its pid namespace, and the next sandbox to start removes the
folders whose owner is gone. Only folders that are ours are touched: real folders (not
links) owned by this user, holding an owner file this user wrote in this pid namespace (a
container sharing /tmp counts its pids otherwise); a folder with a live owner, or without
an owner file (made by someone else, or by an older grader), is left alone.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

PREFIX = "grader-sandbox-"
OWNER_FILE = "owner"
_swept: list[bool] = []  # once a process: the sweep lists the temporary folder


def start_time(pid: int) -> str:
    """When process `pid` started (clock ticks since boot, from /proc), or "" where unknown:
    with the pid it names one process even after the pid is reused."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return fields[19].decode()  # the 22nd field of stat(5); the first two precede ")"
    except (OSError, IndexError):
        return ""


def pid_namespace() -> str:
    """Which pid namespace this process is in ("" where unknown): pids mean something only in it."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return ""


def alive(pid: int, started: str) -> bool:
    """Whether the process that wrote (pid, started) is still running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, another user's: it cannot be our grader unless the pid was reused
    now = start_time(pid)
    return not (started and now and now != started)


def make_root() -> Path:
    """A new scratch root in the temporary folder, with its owner file written."""
    root = Path(tempfile.mkdtemp(prefix=PREFIX))
    pid = os.getpid()
    fd = os.open(root / OWNER_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{pid} {start_time(pid) or '-'} {pid_namespace() or '-'}\n")
    return root


def _owner(root: Path) -> tuple[int, str] | None:
    """(pid, start time) from `root`'s owner file, when the file is a regular one of ours,
    written in this pid namespace."""
    try:
        fd = os.open(root / OWNER_FILE, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            return None
        parts = f.read(100).decode("ascii", "replace").split()
    if len(parts) != 3 or not parts[0].isdigit() or parts[2] != (pid_namespace() or "-"):
        return None
    return int(parts[0]), parts[1].strip("-")


def remove_stale(folder: Path | None = None) -> list[Path]:
    """Remove the scratch roots in `folder` (the temporary folder) whose owner process is
    gone; the roots removed."""
    folder = Path(folder or tempfile.gettempdir())
    removed = []
    try:
        entries = [entry for entry in os.scandir(folder) if entry.name.startswith(PREFIX)]
    except OSError:
        return removed
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            continue
        owner = _owner(Path(entry.path))
        if owner is None or owner[0] == os.getpid() or alive(*owner):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)  # never follows a link out of the folder
        removed.append(Path(entry.path))
    return removed


def sweep_once() -> None:
    """`remove_stale`, the first time a process asks."""
    if not _swept:
        _swept.append(True)
        remove_stale()
