"""The zygote's own mount view, where a grader running as root needs one.

A child may switch to an unprivileged user only if that user can reach the Python
installation; a pyenv under a 0700 `/root` it cannot, and a child left at uid 0 reads
root's files (`/etc/shadow`) even with every capability dropped. So, root only, in a
private mount namespace of the zygote's (never the grader's or the host's): each closed
folder on the way to what children must read is covered by a 0755 tmpfs, and just the
entries on that way are bind-mounted back from the original, reached through a file
descriptor opened before the cover. Nothing else of the closed folder is visible.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_BIND, _MS_REC, _MS_PRIVATE = 2, 4, 4096, 16384, 1 << 18
_MNT_DETACH = 2
_libc = ctypes.CDLL(None, use_errno=True)


def closed_folders(paths: list[str]) -> dict[str, set[str]]:
    """Folders others cannot traverse on the way to `paths`, each with the entries needed in it."""
    needed: dict[str, set[str]] = {}
    for path in paths:
        target = Path(path)
        for folder in [target, *target.parents]:
            try:
                closed = folder.is_dir() and not folder.stat().st_mode & 0o001
            except OSError:
                continue
            if closed:
                entries = set(os.listdir(folder)) if folder == target else {target.relative_to(folder).parts[0]}
                needed.setdefault(str(folder), set()).update(entries)
    return needed


def open_closed_folders(paths: list[str]) -> bool:
    """Make the folders on the way to `paths` traversable, in a mount namespace of our own.

    Returns whether there is nothing closed left. Any failure leaves what was mounted
    so far undone, so the zygote's view is never half made; the caller then keeps the
    child as it would have been (and says so in its layers).
    """
    needed = closed_folders(paths)
    if not needed:
        return True
    if _libc.unshare(_CLONE_NEWNS) != 0 or _mount(None, "/", None, _MS_REC | _MS_PRIVATE) != 0:
        return False  # without a private namespace, a mount here would reach the host: none at all
    for folder in sorted(needed, key=lambda f: f.count("/")):  # outer first: inner ones are bound back by then
        if not _cover(folder, sorted(needed[folder])):
            return False
    return not closed_folders(paths)


def _cover(folder: str, entries: list[str]) -> bool:
    original = os.open(folder, os.O_PATH | os.O_DIRECTORY)
    try:
        if _mount("tmpfs", folder, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=64k") != 0:
            return False
        try:
            for name in entries:
                source, target = f"/proc/self/fd/{original}/{name}", os.path.join(folder, name)
                if os.path.isdir(source):
                    os.mkdir(target)
                else:
                    open(target, "x").close()
                if _mount(source, target, None, _MS_BIND | _MS_REC) != 0:
                    raise OSError(ctypes.get_errno(), f"cannot bind {source} on {target}")
        except OSError:
            _libc.umount2(folder.encode(), _MNT_DETACH)
            return False
        return True
    finally:
        os.close(original)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> int:
    encode = lambda text: text.encode() if text is not None else None  # noqa: E731
    return _libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data))
