"""A submission folder as content that travels to another machine, and back into a folder there.

Cluster workers share no filesystem with the coordinator, so a submission goes to them as
what grading reads of it, never as a path: every entry directly in the folder that
`submission_files.entries` counts (no hidden names, no `__pycache__`), each as what it is:

- a regular file by its bytes, read like grading reads it (`O_NOFOLLOW`, fstat, capped at
  as `submission_files.file_limit` says: 1 MB, a notebook 100 MB); one over the cap by its size alone (grading refuses it whatever it
  holds, by its size), rebuilt there as a sparse file of that size;
- a symbolic link by its target text, rebuilt as a link to the same text (nothing on
  either side ever follows it: the reader opens with `O_NOFOLLOW`);
- a subfolder by its name (subfolders are not graded), a named pipe as a named pipe.

So the folder rebuilt on a worker has the same `content_hash` as the original, which the
worker checks before it grades: a submission that changed between planning and shipping
fails with a message rather than being graded as something it was not. Sockets and
devices cannot be rebuilt faithfully and are refused with a message. A folder is capped at
`MAX_ENTRIES` entries and `MAX_SHIPPED_BYTES` of file bytes: far above any honest
submission (about ten files of at most 1 MB, or a notebook with its outputs), far below a
coordinator's memory.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from grader.i18n import _
from grader.submissions.files import MAX_NOTEBOOK_BYTES, UnreadableFile, file_limit, _open_folder, _read_at, entries, megabytes, shown

MAX_ENTRIES = 10_000
MAX_SHIPPED_BYTES = MAX_NOTEBOOK_BYTES + 28_000_000  # a notebook with its outputs, and the rest

FILE, OVERSIZE, LINK, FOLDER, PIPE = "file", "oversize", "link", "folder", "pipe"


class ContentRefused(Exception):
    """A folder that cannot travel as content; str() says why, for the gradebook."""


@dataclass(frozen=True)
class Entry:
    name: bytes  # the entry's name as the filesystem holds it (it may not be UTF-8)
    kind: str  # FILE | OVERSIZE | LINK | FOLDER | PIPE
    data: bytes = b""  # a file's bytes, or a link's target text
    size: int = 0  # an oversize file's size


def read_content(folder: Path) -> tuple[Entry, ...]:
    """What grading reads of `folder`, as entries to ship (see the module's notes)."""
    listed = entries(folder)
    if len(listed) > MAX_ENTRIES:
        raise ContentRefused(_("the folder holds {count:,} entries; a submission may hold at most {cap:,}").format(
            count=len(listed), cap=MAX_ENTRIES))
    found, total = [], 0
    dir_fd = _open_folder(Path(folder))
    try:
        for name, mode in listed:
            if stat.S_ISLNK(mode):
                found.append(Entry(name, LINK, os.fsencode(os.readlink(name, dir_fd=dir_fd))))
            elif stat.S_ISDIR(mode):
                found.append(Entry(name, FOLDER))
            elif stat.S_ISFIFO(mode):
                found.append(Entry(name, PIPE))
            elif stat.S_ISREG(mode):
                try:
                    data = _read_at(dir_fd, name, file_limit(name))
                except UnreadableFile:  # over the cap, or it changed kind: by its size, as content_hash counts it
                    found.append(Entry(name, OVERSIZE, size=os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_size))
                    continue
                total += len(data)
                if total > MAX_SHIPPED_BYTES:
                    raise ContentRefused(_("its files hold over {size} together, over the limit for one submission "
                                           "graded on a cluster").format(size=megabytes(MAX_SHIPPED_BYTES)))
                found.append(Entry(name, FILE, data))
            else:
                raise ContentRefused(_("{name} is a socket or a device; remove it from the submission folder").format(
                    name=shown(name)))
    except OSError as error:
        raise ContentRefused(_("its folder could not be read: {reason}").format(reason=error.strerror)) from None
    finally:
        os.close(dir_fd)
    return tuple(found)


def to_wire(content: tuple[Entry, ...]) -> list[tuple[bytes, str, bytes, int]]:
    """Plain values (bytes, str, int) for the trip: no class of ours needs to exist on the other side."""
    return [(e.name, e.kind, e.data, e.size) for e in content]


def from_wire(values: list) -> tuple[Entry, ...]:
    """The entries of `to_wire`, each checked for type and for a name that is one plain file name."""
    found = []
    for name, kind, data, size in values:
        if not (isinstance(name, bytes) and isinstance(data, bytes) and isinstance(size, int)):
            raise ContentRefused(_("the shipped content is malformed"))
        if not name or b"/" in name or name in (b".", b"..") or b"\0" in name or kind not in (FILE, OVERSIZE, LINK, FOLDER, PIPE):
            raise ContentRefused(_("the shipped content names an entry {name!r} of kind {kind!r}").format(name=shown(name), kind=kind))
        found.append(Entry(name, kind, data, size))
    return tuple(found)


def write_content(content: tuple[Entry, ...], folder: Path) -> Path:
    """Rebuild `content` in the new folder `folder` (its name matters: it can be the student id)."""
    folder = Path(folder)
    folder.mkdir(mode=0o700)
    base = os.fsencode(folder)
    for entry in content:
        path = base + b"/" + entry.name
        if entry.kind == FILE:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                view = memoryview(entry.data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        elif entry.kind == OVERSIZE:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                os.ftruncate(fd, entry.size)  # sparse: the size is all grading looks at
            finally:
                os.close(fd)
        elif entry.kind == LINK:
            os.symlink(entry.data, path)
        elif entry.kind == FOLDER:
            os.mkdir(path, 0o700)
        else:
            os.mkfifo(path, 0o600)
    return folder
