"""The grader's side of the sandbox: start the zygote in the strongest wrapper this machine
allows, ask it for children, and turn how a child ended into words.

Wrappers, strongest first: bubblewrap (own mount view with only the Python installation
and `grader.sandbox`, no network, own pid namespace), `unshare` (no network, own pid
namespace), none. Which one ran, and the layers the zygote adds per child, make up
`protections`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError
from grader.i18n import N_, _
from grader.sandbox import confine, gpu, scratch, wire

SERVER_BROKE = 70  # the child's exit code when its own server code failed (see zygote.spawn)
READY_SECONDS = 180  # importing torch cold can take a while on a loaded machine
CONTROL_SECONDS = 30


class SandboxError(Exception):
    """The sandbox itself failed (not the student's code): an operator problem."""


class RootChildRefused(GraderError):
    """Children would run as real root (uid 0 reads root's files): refused where policy says so."""


_ROOT_CHILD = N_("the grader runs as root and its sandboxed children could not switch to the sandbox user "
                 "(`nobody`, or the one GRADER_SANDBOX_USER names: missing, or unable to reach the Python "
                 "installation {python}), so student code would run as uid 0 and could read root's files "
                 "such as /etc/shadow. Fix: install bubblewrap (`apt-get install bubblewrap`), run the grader "
                 "as an ordinary user, or use a Python outside a 0700 folder (e.g. a venv from /usr/bin/python3)")


def root_child_fix() -> str:
    """Why children would run as root, and the fix, in the language spoken."""
    return _(_ROOT_CHILD).format(python=sys.prefix)


def said(error: wire.Said) -> str:
    """One of the sandbox's own sentences, raised in the grader's process (a frame that breaks the
    protocol), in the language spoken."""
    return _(error.template).format(**error.fields) if error.fields else _(error.template)


class ChildLost(Exception):
    """The child died, hung or broke the protocol during a request; the message says how."""

    def __init__(self, message: str, *, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out  # it hung: the caller says which time limit it ran past


@dataclass
class Child:
    """One sandboxed process running a student's module, and the socket to reach it."""

    id: int
    sock: socket.socket
    scratch: Path
    limits: confine.ChildLimits
    alive: bool = True

    def output(self, limit: int = 2000) -> str:
        """The tail of what the student's code printed."""
        try:
            with open(self.scratch / confine.OUTPUT_FILE, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - limit))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


@dataclass
class Sandbox:
    """The zygote and its children; use as a context manager."""

    scratch_root: Path = field(default_factory=scratch.make_root)  # names its owner: see sandbox/scratch.py
    wrappers: tuple[str, ...] = ("bwrap", "unshare", "none")  # tried in this order
    wrapper: str = ""
    # the user children switch to when the grader runs as root (an operator may name a dedicated one)
    user: str = field(default_factory=lambda: os.environ.get("GRADER_SANDBOX_USER", confine.SANDBOX_USER))
    root_child: str = "refuse"  # children that would be real root: "refuse" (raise RootChildRefused), "warn", "allow"
    protections: tuple[tuple[str, bool], ...] = ()
    _process: subprocess.Popen | None = None
    _control: socket.socket | None = None
    # the control socket carries one request and its reply at a time: exercises graded in threads share it
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the zygote (once); `wait_ready` (called by the first spawn) waits for its torch."""
        if self._process is not None:
            return
        scratch.sweep_once()  # what a killed grader left behind
        os.chmod(self.scratch_root, 0o711)  # children (another user) reach their own folder only
        ours, theirs = socket.socketpair()
        self.wrapper, argv = self._wrapper()
        # -P: nothing of its working folder on its path (see confine.install_paths for its view)
        argv += [sys.executable, "-s", "-P", "-m", "grader.sandbox.zygote", str(self.scratch_root), self.user]
        log = open(self.scratch_root / "zygote.log", "wb")
        self._process = subprocess.Popen(argv, stdin=theirs, stdout=log, stderr=log, env=_zygote_env(),
                                         cwd=self.scratch_root, start_new_session=True)
        log.close()
        theirs.close()
        self._control = ours

    def wait_ready(self) -> None:
        """Wait for the zygote's layers; children that would be root are refused unless allowed."""
        with self._lock:
            if not self.protections:
                self.protections = self._layers()
        if self.root_child == "refuse" and self.child_is_root:
            raise RootChildRefused(_("{reason}; to grade anyway, pass --allow-root-child").format(reason=root_child_fix()))

    def _layers(self) -> tuple[tuple[str, bool], ...]:
        try:
            layers = wire.recv(self._control, time.monotonic() + READY_SECONDS)["ready"]
        except (EOFError, TimeoutError, wire.ProtocolError, KeyError, TypeError):
            raise SandboxError(_("the sandbox zygote did not start: {log}").format(log=self._log_tail())) from None
        wrapped = self.wrapper != "none"
        return (
            ("scratch-dir", True), ("clean-environment", True), ("time-limits", True),
            ("rlimits", True), ("output-to-files", True),
            ("filesystem-view", self.wrapper == "bwrap"), ("no-network", wrapped),
            ("pid-namespace", wrapped), ("pid-namespace-per-child", layers["pid-namespace-per-child"]),
            ("separate-user", layers["separate-user"]), ("landlock", layers["landlock"]),
            ("non-root-child", layers["non-root-child"]),
        )

    @property
    def child_is_root(self) -> bool:
        """Whether children run as real root (uid 0 outside any user namespace); known once ready."""
        return bool(self.protections) and not dict(self.protections)["non-root-child"]

    def spawn(self, limits: confine.ChildLimits) -> Child:
        self.wait_ready()
        with self._lock:
            return self._spawn(limits)

    def _spawn(self, limits: confine.ChildLimits) -> Child:
        try:
            wire.send(self._control, {"op": "spawn", "limits": limits.__dict__})
            data, fds = socket.recv_fds(self._control, 65536, 1)[:2]
            (n,) = wire._LEN.unpack_from(data)
            rest = wire._read(self._control, 4 + n - len(data), time.monotonic() + CONTROL_SECONDS) if len(data) < 4 + n else b""
            reply = wire.decode(bytes(data[4:]) + bytes(rest))
        except (OSError, EOFError, TimeoutError, wire.ProtocolError) as exc:
            raise SandboxError(_("the sandbox zygote stopped answering ({reason}): {log}").format(reason=repr(exc), log=self._log_tail())) from None
        if len(fds) != 1:
            raise SandboxError(_("the sandbox zygote sent no socket for its child"))
        return Child(reply["id"], socket.socket(fileno=fds[0]), Path(reply["scratch"]), limits)

    def end(self, child: Child, wait: bool = True) -> dict:
        """Kill the child and all it started (the zygote removes its scratch).

        With `wait`, say how it ended; without, the zygote reaps it while we go on.
        """
        child.sock.close()
        if not child.alive:
            return {}
        child.alive = False
        try:
            with self._lock:
                wire.send(self._control, {"op": "kill", "id": child.id, "reply": wait})
                return wire.recv(self._control, time.monotonic() + CONTROL_SECONDS) if wait else {}
        except (OSError, EOFError, TimeoutError, wire.ProtocolError) as exc:
            raise SandboxError(_("the sandbox zygote stopped answering ({reason})").format(reason=repr(exc))) from None

    def sync(self) -> int:
        """Wait until the zygote has done all it was asked (kills included); its live children."""
        try:
            with self._lock:
                wire.send(self._control, {"op": "sync"})
                return wire.recv(self._control, time.monotonic() + CONTROL_SECONDS)["synced"]
        except (OSError, EOFError, TimeoutError, wire.ProtocolError) as exc:
            raise SandboxError(_("the sandbox zygote stopped answering ({reason})").format(reason=repr(exc))) from None

    def request(self, child: Child, op: str, deadline: float, **args):
        """One request to the child; a dead, hung or babbling child raises ChildLost."""
        try:
            child.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            wire.send(child.sock, {"op": op, "args": args})
            return wire.recv(child.sock, deadline)
        except (TimeoutError, socket.timeout):
            self.end(child)
            raise ChildLost(_("timed out"), timed_out=True) from None
        except (EOFError, OSError, wire.ProtocolError) as exc:
            ending = self.end(child)
            if isinstance(exc, wire.ProtocolError):
                raise ChildLost(_("broke the grading protocol ({reason})").format(reason=said(exc))) from None
            raise ChildLost(describe(ending, child.limits)) from None

    def close(self) -> None:
        """Stop the zygote and everything it started, and remove the scratch folders.

        A zygote in use is asked to end its children; once it says they are gone, its own exit
        (freeing torch's memory and bwrap's namespaces, some 0.1 s) is reaped in the background,
        not waited for: nothing of the submissions is left by then. One that does not answer,
        or never started, is waited for (or killed) as before.
        """
        ended = self._control is not None and bool(self.protections) and self._ask_to_end()
        if self._process is not None and not self.protections:  # never used: no need to let it finish starting
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._await_zygote_gone()
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None and ended:
            threading.Thread(target=self._process.wait, name="grader-zygote-exit", daemon=True).start()
        elif self._process is not None:
            try:
                self._process.wait(timeout=10)  # the zygote kills its children on EOF
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._process = None
        shutil.rmtree(self.scratch_root, ignore_errors=True)

    def _await_zygote_gone(self) -> None:
        """Make the zygote of a killed wrapper exit too, and wait until it has. Killing the
        wrapper's group may miss it (bwrap gives it a session of its own, and its die-with-parent
        is set a moment after it starts); shutting our end tells it to leave, even mid-import.
        Its end closes when the process holding it (it alone: its children close theirs) is gone:
        EOF here, so the caller can say that nothing of the sandbox is left."""
        if self._control is None:
            return
        deadline = time.monotonic() + CONTROL_SECONDS
        with contextlib.suppress(OSError):
            self._control.shutdown(socket.SHUT_WR)
            while (remaining := deadline - time.monotonic()) > 0:
                if select.select([self._control], [], [], remaining)[0] and not self._control.recv(65536):
                    return

    def _ask_to_end(self) -> bool:
        """Whether the zygote confirmed that its children are killed and their scratch removed.
        A request in flight on another thread (an error ending a grading) is not waited for."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            wire.send(self._control, {"op": "close"})
            return wire.recv(self._control, time.monotonic() + CONTROL_SECONDS).get("closed") is True
        except (OSError, EOFError, TimeoutError, wire.ProtocolError, AttributeError):
            return False
        finally:
            self._lock.release()

    def _wrapper(self) -> tuple[str, list[str]]:
        for name in self.wrappers:
            if name == "bwrap":
                argv = _bwrap_argv(self.scratch_root)
            elif name == "unshare":
                argv = ["unshare", "--pid", "--fork", "--mount-proc", "--net", "--kill-child"] if shutil.which("unshare") else None
            else:
                return "none", []
            if argv and _works(argv):
                return name, argv
        raise SandboxError(_("none of the sandbox wrappers {wrappers} works here").format(wrappers=self.wrappers))

    def _log_tail(self) -> str:
        try:
            return (self.scratch_root / "zygote.log").read_text(errors="replace")[-1500:]
        except OSError:
            return "(no log)"


def describe(ending: dict, limits: confine.ChildLimits) -> str:
    """How a child ended, for a student: the cause first, the raw signal or code after."""
    sig, code = ending.get("signal"), ending.get("code")
    if sig in (signal.SIGXCPU, signal.SIGKILL) and not ending.get("killed"):
        if sig == signal.SIGXCPU:
            return _("went over the CPU time limit of {seconds} s (signal {signal}, SIGXCPU)").format(
                seconds=limits.cpu_seconds, signal=sig)
        return _("was killed (signal {signal}, SIGKILL): most likely over the memory limit of {memory} MB").format(
            signal=sig, memory=limits.memory_mb)
    if sig == signal.SIGSEGV:
        return _("crashed with signal {signal} (SIGSEGV): a stack overflow from deep recursion, or a crash in native "
                 "code").format(signal=sig)
    if sig:
        name = signal.Signals(sig).name if sig in signal.valid_signals() else "?"
        return _("crashed with signal {signal} ({name})").format(signal=sig, name=name)
    if code == SERVER_BROKE:
        return _("exited with code {code}: the grading server beside your code broke down, e.g. because your code "
                 "replaced Python builtins or torch functions").format(code=code)
    if code is not None:
        return _("exited with code {code}").format(code=code)
    return _("stopped answering")


def _zygote_env() -> dict[str, str]:
    """A fresh environment: nothing of the grader's own (tokens, paths) crosses over."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONNOUSERSITE": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HOME": "/",
           # glibc keeps freed memory for reuse, large blocks included: a child copying AlexNet for each
           # check (sandbox/child.py) then copies into pages it has, 8 ms instead of 45 for the fresh ones
           "MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 32)}
    package_parent = str(confine.GRADER_PACKAGE.parent)
    env["PYTHONPATH"] = package_parent  # harmless when installed: only grader.sandbox is visible
    env.update(gpu.passed_env())  # CUDA_VISIBLE_DEVICES, and the driver's libraries where LD_LIBRARY_PATH finds them
    return env


def _bwrap_argv(scratch_root: Path) -> list[str] | None:
    if not shutil.which("bwrap"):
        return None
    argv = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
            "--unshare-ipc", "--unshare-uts", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    readable = confine.readable_paths()
    bound = set(readable) | {"/tmp", str(scratch_root)}
    parents = {str(p) for path in bound for p in Path(path).parents if str(p) != "/"} - bound
    for parent in sorted(parents):
        argv += ["--perms", "0755", "--dir", parent]  # else bwrap makes them 0700: closed to `nobody`
    for path in readable:
        argv += ["--ro-bind", path, path]
    argv += ["--ro-bind-try", "/sys", "/sys"]
    for device in gpu.device_files():  # the GPU, where there is one (see sandbox/gpu.py)
        argv += ["--dev-bind", device, device]
    argv += ["--bind", str(scratch_root), str(scratch_root)]
    if os.geteuid() == 0:
        argv += ["--cap-add", "ALL"]  # the zygote makes a pid namespace per child; children drop all
    return argv


def _works(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv + ["/bin/true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
