"""Confinement a freshly forked child applies to itself before it touches student code.

Scratch directory, scrubbed environment, bounded output files, rlimits, a separate user
and Landlock. Each layer that cannot be had here is skipped, and `layers()` says which.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import resource
import signal
import site
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox import gpu, landlock

LINUX = sys.platform.startswith("linux")

SANDBOX_USER = "nobody"
OUTPUT_FILE = "output.txt"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc", "/opt")
KERNEL_READ = ("/dev", "/proc", "/sys")  # read-only under Landlock: /proc/driver/nvidia, /sys for CUDA
GRADER_PACKAGE = Path(__file__).resolve().parent.parent  # .../grader


@dataclass(frozen=True)
class ChildLimits:
    cpu_seconds: int = 60
    memory_mb: int = 2048
    output_mb: int = 4  # captured stdout/stderr and any file written in scratch
    open_files: int = 256
    processes: int = 256  # per uid; ignored for root
    cuda: bool = False  # may run CUDA items: RLIMIT_DATA gets gpu.CUDA_DATA_HEADROOM_MB more


def sandbox_ids(readable: list[str], user: str = SANDBOX_USER) -> tuple[int, int] | None:
    """The (uid, gid) children run as, where we may switch users and that user can read
    what it needs."""
    if os.geteuid() != 0 or not reachable_by_others(readable):
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def holds_root() -> bool:
    """Whether this process is real root: uid 0 that is uid 0 outside any user namespace too."""
    if os.geteuid() != 0:
        return False
    try:
        with open("/proc/self/uid_map") as f:
            return any(line.split()[:2] == ["0", "0"] for line in f)
    except OSError:
        return True


def install_paths() -> set[str]:
    """The interpreter's own installation: its prefixes, standard library and site-packages.

    Never the current folder or PYTHONPATH's entries (sys.path holds both under `python -m`):
    run from a folder above the bank, or from `/`, they would open that folder to children.
    """
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *site.getsitepackages()}
    found |= {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    if site.ENABLE_USER_SITE:
        found.add(site.getusersitepackages())
    return {os.path.realpath(p) for p in found if p} | {os.path.dirname(sys.executable)}


def readable_paths() -> list[str]:
    """What a child may read: system dirs, the Python installation and `grader.sandbox`.

    Installed, the grader package ships the exercises and solutions, so it is hidden; in
    a source checkout the whole checkout is. An installation folder that holds the hidden
    folder is opened entry by entry around it.
    """
    paths = [p for p in SYSTEM_DIRS if os.path.isdir(p)]
    sites = {os.path.realpath(p) for p in site.getsitepackages() + [site.getusersitepackages()]}
    package = str(GRADER_PACKAGE)
    hidden = package if str(GRADER_PACKAGE.parent) in sites else str(GRADER_PACKAGE.parent)
    for entry in sorted(install_paths()):
        if not os.path.exists(entry) or entry == hidden or any(_within(entry, p) for p in paths):
            continue  # a venv inside the checkout (.venv) is the interpreter's, and stays readable
        paths.extend(_siblings_of(hidden, entry) if _within(hidden, entry) else [entry])
    for folder in gpu.library_dirs():  # the GPU driver's libraries outside the system folders
        if not _within(folder, hidden) and not any(_within(folder, p) for p in paths):
            paths.append(folder)
    paths += [package + "/__init__.py", package + "/sandbox"]
    return list(dict.fromkeys(paths))


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _siblings_of(hidden: str, top: str) -> list[str]:
    """Every path under `top` except `hidden` and the folders on the way to it."""
    out = []
    for name in sorted(os.listdir(top)):
        path = os.path.join(top, name)
        if path != hidden:
            out.extend(_siblings_of(hidden, path) if _within(hidden, path) else [path])
    return out


def reachable_by_others(paths: list[str]) -> bool:
    """Whether an unprivileged user can reach these paths (not so under a 0700 /root)."""
    for path in paths:
        for folder in [Path(path), *Path(path).parents]:
            try:
                if folder.is_dir() and not folder.stat().st_mode & 0o001:
                    return False
            except OSError:
                return False
    return True


def confine(scratch: Path, keep_fds: list[int], limits: ChildLimits, readable: list[str],
            ids: tuple[int, int] | None) -> None:
    """Run in the forked child, as root or not, before any student code."""
    os.setsid()
    scratch.mkdir(mode=0o700)
    if ids:
        os.chown(scratch, *ids)
    _redirect_output(scratch / OUTPUT_FILE, ids)
    _close_fds_except(keep_fds + [0, 1, 2])
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an output flood gets EFBIG, not a kill
    kept = {name: os.environ[name] for name in gpu.PASSED_ENV if name in os.environ}  # which GPUs CUDA may use
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": str(scratch), "TMPDIR": str(scratch),
                       "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", **kept})
    os.chdir(scratch)
    _set_rlimits(limits, ids is not None)
    if ids:
        os.setgroups([])
        os.setgid(ids[1])
        os.setuid(ids[0])  # from root to another uid: all capabilities go
    elif os.geteuid() == 0 and LINUX:
        _drop_capabilities()
    if LINUX:  # prctl is Linux's; elsewhere the child runs with the layers that exist there
        ctypes.CDLL(None).prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: no setuid binaries from here
    devices = ["/dev/null"] + gpu.device_files()
    applied = landlock.restrict(read=readable + list(KERNEL_READ), write=[str(scratch)], devices=devices)
    if not applied and landlock.abi_version() >= 1:
        raise OSError("Landlock is available but could not be applied")  # fail closed


def _drop_capabilities() -> None:
    """Stay root by uid but give up every capability, for good (bounding set too)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in range(64):
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP; fails harmlessly past the last cap
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable (x2): all empty
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def _redirect_output(path: Path, ids: tuple[int, int] | None) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if ids:
        os.fchown(fd, *ids)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def _close_fds_except(keep: list[int]) -> None:
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else []:
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _set_rlimits(limits: ChildLimits, unprivileged: bool) -> None:
    mb = 1024 * 1024
    wanted = {
        resource.RLIMIT_CPU: (limits.cpu_seconds, limits.cpu_seconds + 1),  # SIGXCPU, then SIGKILL
        # not RLIMIT_AS: torch and CUDA's virtual reservations break under it
        resource.RLIMIT_DATA: (gpu.data_limit_mb(limits.memory_mb, limits.cuda) * mb,) * 2,
        resource.RLIMIT_FSIZE: (limits.output_mb * mb,) * 2,
        resource.RLIMIT_NOFILE: (limits.open_files,) * 2,
        resource.RLIMIT_CORE: (0, 0),
        resource.RLIMIT_STACK: (8 * mb, 8 * mb),  # deep C recursion ends in SIGSEGV, not in swapping
    }
    if unprivileged:
        wanted[resource.RLIMIT_NPROC] = (limits.processes,) * 2
    for which, value in wanted.items():
        try:
            resource.setrlimit(which, value)
        except (ValueError, OSError):
            pass  # e.g. macOS refuses some; the layer list still says rlimits are on
