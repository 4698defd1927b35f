"""Reading the files of a submission folder without trusting them.

A submission is the regular files directly in its folder. Nothing else is followed or
read: a symbolic link could point at the installed reference solution, a hidden check,
`/etc/shadow` or a classmate's file, and a FIFO would hang the grader. Files are opened
relative to the folder with O_NOFOLLOW and checked with fstat, so a link swapped in
between a look and the read is refused too. Sizes are capped and text must be UTF-8, so a
huge or binary file ends as a message that names it, never as a confusing grade.

`UnreadableFile` carries that message (for the student); callers turn it into a result.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from grader.i18n import _

MAX_FILE_BYTES = 1_000_000  # any one file a student hands in: a source file, answers.yaml, student.yaml
MAX_NOTEBOOK_BYTES = 100_000_000  # a notebook: its outputs (images) are dropped unread, its code capped as a source
MAX_COMPANION_BYTES = 1_000_000  # the other .py files sent beside the graded one, together
IGNORED = {b"__pycache__"}  # and hidden names: neither graded nor hashed


class UnreadableFile(Exception):
    """A submission file that cannot be graded; str() names it and says how to fix it."""


def shown(name: str | bytes) -> str:
    """A file or folder name as printable UTF-8 text, even when the name is not UTF-8."""
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    return raw.decode("utf-8", "backslashreplace")


def megabytes(size: int) -> str:
    return f"{size / 1e6:.0f} MB" if size >= 1e6 else f"{size / 1e6:.1f} MB" if size >= 1e5 else _("{size:,} bytes").format(size=size)


def file_limit(name: str | bytes) -> int:
    """The cap on one file of a submission: a notebook's (its outputs are dropped unread), else a source file's."""
    return MAX_NOTEBOOK_BYTES if os.fsencode(name).endswith(b".ipynb") else MAX_FILE_BYTES


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISLNK(mode):
        return _("a symbolic link")
    if stat.S_ISFIFO(mode):
        return _("a named pipe")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    return _("not a regular file")


def _open_folder(folder: Path) -> int:
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise UnreadableFile(_("the submission folder {folder} cannot be read: {reason}").format(
            folder=shown(str(folder)), reason=error.strerror)) from None


def _read_at(dir_fd: int, name: str | bytes, limit: int, what: str = "") -> bytes:
    label, what = shown(name), what or _("a submitted file")
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnreadableFile(_("{file} is a symbolic link; hand in the file itself").format(file=label)) from None
        if error.errno == errno.ENOENT:
            raise UnreadableFile(_("{file} not submitted").format(file=label)) from None
        raise UnreadableFile(_("{file} cannot be read: {reason}").format(file=label, reason=error.strerror)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(_("{file} is {kind}, not a regular file; hand in the file itself").format(
                file=label, kind=_kind(info.st_mode)))
        if info.st_size > limit:
            raise UnreadableFile(_("{file} is {size}, over the {limit} limit for {what}").format(
                file=label, size=megabytes(info.st_size), limit=megabytes(limit), what=what))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while we read it
            raise UnreadableFile(_("{file} is over the {limit} limit for {what}").format(
                file=label, limit=megabytes(limit), what=what))
        return b"".join(chunks)
    except OSError as error:
        raise UnreadableFile(_("{file} cannot be read: {reason}").format(file=label, reason=error.strerror)) from None
    finally:
        os.close(fd)


def _plain_name(name: str) -> str:
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a file name directly in a submission folder")
    return name


def read_bytes(folder: Path, name: str, *, limit: int = MAX_FILE_BYTES, what: str = "") -> bytes:
    """The bytes of the regular file `name` directly in `folder`, never through a link."""
    dir_fd = _open_folder(folder)
    try:
        return _read_at(dir_fd, _plain_name(name), limit, what)
    finally:
        os.close(dir_fd)


def decode(data: bytes, name: str) -> str:
    """`data` as UTF-8 text, or an UnreadableFile that says where it is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise UnreadableFile(_("{file} is not UTF-8 text (byte 0x{byte:02x} on line {line}); save it as UTF-8").format(
            file=shown(name), byte=data[error.start], line=line)) from None


def read_text(folder: Path, name: str, *, limit: int = MAX_FILE_BYTES, what: str = "") -> str:
    """The UTF-8 text of the regular file `name` directly in `folder`, never through a link."""
    return decode(read_bytes(folder, name, limit=limit, what=what), name)


def present(folder: Path, name: str) -> bool:
    """Whether `folder` holds an entry `name` of any kind (a link counts: it is refused, not missing)."""
    try:
        os.lstat(Path(folder) / _plain_name(name))
        return True
    except OSError:
        return False


def entries(folder: Path) -> list[tuple[bytes, int]]:
    """(name, lstat mode) of every entry directly in `folder` that counts, sorted by name."""
    found = []
    with os.scandir(os.fsencode(folder)) as listing:
        for entry in listing:
            if entry.name.startswith(b".") or entry.name in IGNORED:
                continue
            found.append((entry.name, entry.stat(follow_symlinks=False).st_mode))
    return sorted(found)


def python_files(folder: Path) -> list[str]:
    """The names of the `.py` entries directly in `folder` (of any kind: reading them decides)."""
    names = []
    for raw, _ in entries(folder):
        if raw.endswith(b".py"):
            try:
                names.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                continue  # reported by odd_names; no module can be imported by such a name
    return names


def odd_names(folder: Path) -> list[str]:
    """Problems with names in `folder`: entries whose names are not UTF-8 are not graded."""
    problems = []
    for raw, _mode in entries(folder):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(_("the name '{name}' is not UTF-8, so that file was not graded; rename it with UTF-8 "
                              "characters").format(name=shown(raw)))
    return problems


def content_hash(folder: Path) -> str:
    """A SHA-256 over exactly what grading reads: every entry directly in `folder`, as what it is.

    A regular file counts by its bytes (by its size alone when it is over the limit, since
    it is then refused whatever it holds), a link by its target text, anything else by its
    kind. Subfolders are not graded, so only their names count.
    """
    digest = hashlib.sha256()
    dir_fd = _open_folder(folder)
    try:
        for name, mode in entries(folder):
            digest.update(name + b"\0" + str(stat.S_IFMT(mode)).encode() + b"\0")
            if stat.S_ISLNK(mode):
                digest.update(os.fsencode(os.readlink(name, dir_fd=dir_fd)))
            elif stat.S_ISREG(mode):
                try:
                    digest.update(_read_at(dir_fd, name, file_limit(name)))
                except UnreadableFile as refused:
                    digest.update(str(refused).encode())
            digest.update(b"\0")
    finally:
        os.close(dir_fd)
    return digest.hexdigest()
