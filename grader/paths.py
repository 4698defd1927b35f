"""The paths a command is given, checked before any work: a report, a zip or a gradebook
that cannot be written is said at once (exit 2: the path, and why), never as an internal
error after minutes of grading.

    output_file(Path("out/results.json"), "--json")   # the path, or GraderError
    output_folder(Path("handout"), "--out", empty=True)
    input_folder(Path("my-work"), "SUBMISSION")

`what` names the option or argument as the user typed it. Only what can be known before
writing is checked (the path's kind, its folder, permissions); a disk that fills up later
is not, and `writing` says that one as plainly.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.errors import GraderError
from grader.i18n import _


def _nearest_existing(path: Path) -> Path:
    """`path` or the nearest of its parents that exists (`.` for a relative path's start)."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(".")


def _folder_for(path: Path, what: str) -> None:
    """The folder `path` is to be written in exists, is a folder and can be written in."""
    parent = path.parent
    if not parent.is_dir():
        existing = _nearest_existing(parent)
        if os.path.lexists(existing) and not existing.is_dir():
            raise GraderError(_("{what} {path}: {existing} is a file, not a folder; name a path in a folder").format(
                what=what, path=path, existing=existing))
        raise GraderError(_("{what} {path}: the folder {parent} does not exist; create it first, or name a path in a "
                            "folder that exists").format(what=what, path=path, parent=parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise GraderError(_("{what} {path}: the folder {parent} cannot be written in (permission denied)").format(
            what=what, path=path, parent=parent))


def output_file(path: Path, what: str) -> Path:
    """`path`, where a file can be written: not a folder, in a folder that exists and can be
    written in. An existing regular file is overwritten; a device (/dev/stdout) is written to."""
    path = Path(path)
    if path.is_dir():
        raise GraderError(_("{what} {path}: is a folder; name a file (a path in that folder, for instance)").format(
            what=what, path=path))
    if os.path.lexists(path):
        try:
            mode = path.stat().st_mode
        except OSError:  # a link to nothing, or one that loops: where would it write?
            raise GraderError(_("{what} {path}: is a link to no file; name another path").format(what=what, path=path)) from None
        if not (stat.S_ISREG(mode) or stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
            raise GraderError(_("{what} {path}: is not a regular file; name another path").format(what=what, path=path))
        if not os.access(path, os.W_OK):
            raise GraderError(_("{what} {path}: cannot be written (permission denied)").format(what=what, path=path))
    _folder_for(Path(os.path.realpath(path)) if os.path.lexists(path) else path, what)
    return path


def output_folder(path: Path, what: str, *, empty: bool = False, exists: bool = False) -> Path:
    """`path`, where files can be written: a folder, or one that can be made (its parents
    too) unless `exists` asks for one that is there. With `empty`, an existing one must be empty."""
    path = Path(path)
    if path.is_dir():
        if empty and any(path.iterdir()):
            raise GraderError(_("{what} {path}: is not empty; give a new folder, or an empty one (nothing is "
                                "overwritten)").format(what=what, path=path))
        if not os.access(path, os.W_OK | os.X_OK):
            raise GraderError(_("{what} {path}: the folder cannot be written in (permission denied)").format(what=what, path=path))
        return path
    if os.path.lexists(path):
        raise GraderError(_("{what} {path}: is a file, not a folder; name a folder").format(what=what, path=path))
    existing = _nearest_existing(path)
    if not existing.is_dir():
        raise GraderError(_("{what} {path}: {existing} is a file, not a folder; name a path in a folder").format(
            what=what, path=path, existing=existing))
    if exists:
        raise GraderError(_("{what} {path}: the folder does not exist; create it first").format(what=what, path=path))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise GraderError(_("{what} {path}: the folder {parent} cannot be written in (permission denied)").format(
            what=what, path=path, parent=existing))
    return path


def input_folder(path: Path, what: str) -> Path:
    """`path`, a folder that exists (not a file, a device such as /dev/null, or a link to nothing)."""
    path = Path(path)
    if not path.is_dir():
        raise GraderError((_("{what} {path}: does not exist; name a folder") if not os.path.lexists(path) else
                           _("{what} {path}: is not a folder; name a folder")).format(what=what, path=path))
    return path


@contextmanager
def writing(path: Path, what: str) -> Iterator[None]:
    """Writing `path`: a failure the checks could not foresee (a full disk, /dev/full, a file
    root may not write in /proc) is said with the path, exit 2, not as an internal error."""
    try:
        yield
    except OSError as error:
        raise GraderError(_("{what} {path}: could not be written ({reason})").format(
            what=what, path=path, reason=error.strerror or error)) from None
