"""The zygote: a fresh interpreter that imports torch once, then forks one child per job.

Started by the grader as `python -m grader.sandbox.zygote`, with a control socket on
fd 0; it never runs student code itself, and it is never a fork of the grader (a fork
would inherit the checks, the solutions and the grader's environment). Each child gets
its own pid namespace where the kernel allows it, so killing the child kills every
process it left behind, `setsid` ones included; elsewhere the zygote is a child subreaper
and sweeps orphans itself.
"""

from __future__ import annotations

import array
import atexit
import copy
import ctypes
import gc
import os
import shutil
import select
import signal
import socket
import sys
import threading
import time
from pathlib import Path


def _leave_if_abandoned_while_starting() -> threading.Event:
    """Exit at once if the grader shuts the control socket while torch is still importing (a
    sandbox started early for nothing): killing the wrapper may miss us, since bwrap's
    die-with-parent is set a moment after its child starts. Set the event once started: from
    then on `serve` reads the EOF itself and ends its children first."""
    started = threading.Event()

    def watch() -> None:
        poller = select.poll()
        poller.register(0, select.POLLRDHUP)  # the grader's end shut or closed; requests do not wake it
        while not started.is_set():
            if poller.poll(100):
                with _START_LOCK:  # a close just after the start is serve()'s to handle, children first
                    if not started.is_set():
                        os._exit(0)
                return

    threading.Thread(target=watch, name="zygote-abandoned", daemon=True).start()
    return started


_START_LOCK = threading.Lock()
_STARTED = _leave_if_abandoned_while_starting() if __name__ == "__main__" else threading.Event()

import torch  # noqa: E402 - the watch above covers its import

from grader.sandbox import child, confine, landlock, view, wire

_CLONE_NEWPID = 0x20000000
_PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)


def warm_up() -> None:
    """Import and run once what checks touch, then freeze the heap for cheap forks.

    Single-threaded first: children forked after multi-threaded ops can deadlock.
    """
    torch.set_num_threads(1)
    exercise_torch()
    gc.collect()
    gc.freeze()  # children then share these pages instead of touching them on collection


def exercise_torch() -> None:
    """Autograd, an SGD step, conv, pooling and dense kernels, deepcopy and the wire.

    The zygote runs it to load and initialise all of that once; each spare child runs it
    again while it waits, so the copy-on-write faults it would take on first use are taken
    off the submission's clock.
    """
    torch.manual_seed(0)
    net = torch.nn.Sequential(  # course-sized (LeNet) layers: their kernels and buffer sizes
        torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.Sigmoid(), torch.nn.AvgPool2d(2),
        torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(400, 120), torch.nn.Linear(120, 10),
    )
    params = list(net.parameters())
    for _ in range(2):
        loss = torch.nn.functional.cross_entropy(net(torch.randn(4, 1, 28, 28)), torch.tensor([0, 1, 2, 3]))
        child.sgd_step(params, loss, 0.1)
    torch.nn.functional.mse_loss(torch.zeros(2), torch.ones(2))
    torch.nn.functional.softmax(torch.randn(2, 3), dim=-1)
    wire.decode(wire.encode([copy.deepcopy(net).state_dict(), 1.5, "x"])[4:])


class Zygote:
    def __init__(self, control: socket.socket, scratch_root: Path, user: str = confine.SANDBOX_USER):
        self.control = control
        self.scratch_root = scratch_root
        self.readable = confine.readable_paths()
        if confine.holds_root() and confine.LINUX:  # a user that cannot reach Python would leave the child at uid 0
            view.open_closed_folders(self.readable + [str(scratch_root)])
        self.ids = confine.sandbox_ids(self.readable, user)
        self.children: dict[int, Path] = {}
        self.count = 0
        self.spare: tuple[int, socket.socket, Path, dict] | None = None
        self.own_pidns = _open_own_pidns()
        if confine.LINUX:
            _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    def layers(self) -> dict[str, bool]:
        return {"pid-namespace-per-child": self.own_pidns is not None,
                "separate-user": self.ids is not None, "landlock": landlock.abi_version() >= 1,
                "non-root-child": self.ids is not None or not confine.holds_root()}

    def serve(self) -> None:
        wire.send(self.control, {"ready": self.layers()})
        while True:
            try:
                request = wire.recv(self.control)
            except (EOFError, wire.ProtocolError):
                break
            if request["op"] == "spawn":
                self.spawn(request["limits"])
            elif request["op"] == "kill":
                ending = self.kill(request["id"])
                if request.get("reply", True):
                    wire.send(self.control, ending)
            elif request["op"] == "sync":
                wire.send(self.control, {"synced": len(self.children)})
            elif request["op"] == "close":
                self._end_children()
                wire.send(self.control, {"closed": True})  # the grader goes on; our exit is reaped later
                return
        self._end_children()

    def _end_children(self) -> None:
        for pid in list(self.children):
            self.kill(pid)
        self.spare = None

    def spawn(self, limits: dict) -> None:
        """Hand over the spare child (forked and confined ahead), then fork the next spare.

        The spare is made while the grader runs checks, on an otherwise idle core, so a
        submission waits neither for the fork nor for the confinement.
        """
        if self.spare is not None and self.spare[3] != limits:
            self.kill(self.spare[0])
            self.spare = None
        pid, ours, scratch, _ = self.spare or self._fork(limits)
        frame = wire.encode({"id": pid, "scratch": str(scratch)})
        self.control.sendmsg([frame], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [ours.fileno()]))])
        ours.close()
        self.spare = self._fork(limits)

    def _fork(self, limits: dict) -> tuple[int, socket.socket, Path, dict]:
        self.count += 1
        scratch = self.scratch_root / f"child-{self.count}-{os.urandom(6).hex()}"
        ours, theirs = socket.socketpair()
        for end in (ours, theirs):
            wire.widen(end)
        in_pidns = self.own_pidns is not None and _libc.unshare(_CLONE_NEWPID) == 0
        pid = os.fork()
        if pid == 0:
            self.control.close()
            ours.close()
            if self.spare is not None:
                self.spare[1].close()
            try:
                confine.confine(scratch, [theirs.fileno()], confine.ChildLimits(**limits), self.readable, self.ids)
                exercise_torch()
                child.serve(theirs, scratch)
                os._exit(0)
            finally:
                os._exit(70)
        if in_pidns:
            _libc.setns(self.own_pidns, _CLONE_NEWPID)  # later forks go back to our namespace
        theirs.close()
        self.children[pid] = scratch
        return pid, ours, scratch, limits

    def kill(self, pid: int) -> dict:
        """Kill and reap a child and everything it started, remove its scratch; say how it ended."""
        if pid not in self.children:
            return {"error": "unknown child"}
        done, status = os.waitpid(pid, os.WNOHANG)
        killed = done == 0
        if killed:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)  # with a pid namespace, its whole tree is gone now
        shutil.rmtree(self.children.pop(pid), ignore_errors=True)
        if self.own_pidns is None:
            self._sweep()
        return {"killed": killed, "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}

    def _sweep(self) -> None:
        """Kill orphans that were handed to us as subreaper (no pid namespace, or escapes)."""
        for _ in range(200):
            strays = [p for p in _children_of(os.getpid()) if p not in self.children]
            if not strays:
                return
            for p in strays:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for p in strays:
                try:
                    os.waitpid(p, 0)
                except ChildProcessError:
                    pass
            time.sleep(0.001)


def _open_own_pidns() -> int | None:
    """A handle on our pid namespace, if we may create child namespaces (needs CAP_SYS_ADMIN)."""
    try:
        fd = os.open("/proc/self/ns/pid", os.O_RDONLY)
    except OSError:
        return None
    probe = os.fork() if _libc.unshare(_CLONE_NEWPID) == 0 else None
    if probe == 0:
        os._exit(0)
    if probe is None:
        os.close(fd)
        return None
    os.waitpid(probe, 0)
    if _libc.setns(fd, _CLONE_NEWPID) != 0:
        os.close(fd)
        return None
    return fd


def _children_of(ppid: int) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == ppid:
                pids.append(int(name))
    return pids


def main() -> None:
    control = socket.socket(fileno=0)
    scratch_root = Path(sys.argv[1])
    warm_up()
    with _START_LOCK:
        _STARTED.set()
    Zygote(control, scratch_root, *sys.argv[2:3]).serve()
    # serve() has killed and reaped every child and removed their scratch folders (and said so
    # when the grader asked); skip the interpreter's teardown of torch (about 0.2 s of a core the
    # grader may still use), after what a normal exit runs before it (atexit functions, flushed output)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
