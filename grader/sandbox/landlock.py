"""Landlock through raw syscalls: read-only system paths, writes only in scratch, no TCP.

Landlock needs no privileges and binds root too. It is applied by the child to itself
after the fork; on a kernel without it `restrict` returns False and the caller reports
the layer as off.
"""

from __future__ import annotations

import ctypes
import os

_SYS_CREATE, _SYS_ADD_RULE, _SYS_RESTRICT = 444, 445, 446  # same numbers on x86_64 and arm64
_CREATE_VERSION = 1
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
READ = EXECUTE | READ_FILE | READ_DIR
_FS_BITS_BY_ABI = {1: 13, 2: 14, 3: 15}  # REFER came in ABI 2, TRUNCATE in 3; IOCTL_DEV left out
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi_version() -> int:
    """The kernel's Landlock ABI, 0 where Landlock is missing or disabled."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return 0
    version = _libc.syscall(_SYS_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_VERSION))
    return max(int(version), 0)


def restrict(read: list[str], write: list[str], devices: list[str] = ()) -> bool:
    """Confine this process: read/execute `read`, everything in `write`, r/w `devices` files."""
    abi = abi_version()
    if abi < 1:
        return False
    fs_all = (1 << _FS_BITS_BY_ABI.get(abi, 15)) - 1
    attr = _RulesetAttr(fs=fs_all, net=0, scoped=0)
    size = ctypes.sizeof(_RulesetAttr)
    if abi >= 4:
        attr.net = 0b11  # BIND_TCP | CONNECT_TCP, with no rule allowing any port
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL
    else:
        size = 16  # older kernels reject a struct with the `scoped` field set or present
    ruleset = _libc.syscall(_SYS_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return False
    try:
        rules = [(p, READ) for p in read] + [(p, fs_all) for p in write]
        rules += [(p, READ_FILE | WRITE_FILE | (fs_all & (1 << 14))) for p in devices]
        for path, access in rules:
            _add_path_rule(int(ruleset), path, access)
        if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return _libc.syscall(_SYS_RESTRICT, ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0
    finally:
        os.close(ruleset)


def _add_path_rule(ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path that is not there needs no rule
    try:
        if not os.path.isdir(path):
            access &= READ_FILE | WRITE_FILE | EXECUTE | (1 << 14)  # file rules take file rights only
        rule = _PathBeneath(allowed=access, parent_fd=fd)
        _libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0))
    finally:
        os.close(fd)
