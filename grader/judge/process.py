"""The grader's side of the judge worker: one reusable process that can be killed.

The worker is a fresh interpreter (``python -P -m grader.judge.worker``) started with
fork+exec by `subprocess`, never a plain fork of the grader: the grader may have run torch
ops on several threads, and a forked child that keeps running Python with libgomp's state
can deadlock. It starts once (about half a second: importing sympy) and serves every
`judge` call after that; only a call that overruns its time limit costs a restart.
`start` launches it without waiting, so that its sympy import overlaps the caller's own
start-up; its ready handshake is then done by the first `judge`. Importing this module
does not import sympy (the worker's start is not held up by it).
Requests and replies are JSON lines; nothing coming back is unpickled or evaluated.
The quiz worker (grader.quiz.process) is this worker that also marks: `Judge` subclassed, with
its own `worker_module`; `SharedWorker` gives each kind its one process-wide instance.
"""

from __future__ import annotations

import itertools
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from grader.i18n import _
from grader.judge.judgement import Domain, Judgement, Verdict

if TYPE_CHECKING:
    import sympy

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding grader/
_MAX_REPLY = 1 << 20
_CACHE_SIZE = 4096  # a class gives many identical answers; judging is deterministic


class WorkerFailed(Exception):
    """The worker could not start, died, or sent what no request asks for."""


class Judgements:
    """The front of judging, wherever the judging itself runs: the request in the wire format
    (grader.judge.wire), and the verdicts already reached, since judging is deterministic."""

    def __init__(self, size: int = _CACHE_SIZE):
        self.size = size
        self._cache: OrderedDict[str, Judgement] = OrderedDict()

    def judge(self, candidate, key, domains, constraints, *, time_limit: float,
              answer: Callable[[dict, float], Judgement], _test_stall_s: float = 0.0) -> Judgement:
        """The verdict on `candidate` against `key`, from the cache or from `answer(request, time_limit)`."""
        from grader.judge.decide import named_domains
        from grader.judge.wire import WireError, encode

        try:
            request = {
                "candidate": encode(candidate),
                "key": encode(key),
                "domains": [[name, d.kind, d.low, d.high, d.item] for name, d in named_domains(domains).items()],
                "constraints": [encode(constraint) for constraint in constraints],
                "time_limit": float(time_limit),
                "test_stall_s": _test_stall_s,
            }
        except WireError as error:
            return Judgement(Verdict.UNDECIDED, str(error))
        cache_key = json.dumps(request, sort_keys=True)
        if cache_key in self._cache:
            self._cache.move_to_end(cache_key)
            return self._cache[cache_key]
        judgement = answer(request, time_limit)
        if judgement.verdict is not Verdict.UNDECIDED:  # an UNDECIDED may go another way with more time
            self._cache[cache_key] = judgement
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return judgement


class Judge:
    """Judges equivalence in a worker process that is started on first use and reused.

    Use it as a context manager, or call `close`; otherwise its worker is stopped when the
    Judge is garbage-collected or Python exits. Thread-safe (calls are served one at a time).
    """

    worker_module = "grader.judge.worker"  # what the worker runs (a subclass may serve more)

    def __init__(self, *, start_timeout: float = 60.0, grace: float = 1.0):
        self.start_timeout = start_timeout
        self.grace = grace  # extra seconds for the worker to answer before it is killed
        self.starts = 0  # worker processes started so far
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._judgements = Judgements()
        self._proc: subprocess.Popen | None = None
        self._stop: weakref.finalize | None = None
        self._owner = os.getpid()
        self._buffer = b""
        self._ready = False  # the worker's ready line has been read
        self._errors = None  # the worker's stderr (a temporary file)

    def __enter__(self) -> Judge:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def worker_pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def judge(
        self,
        candidate: sympy.Expr,
        key: sympy.Expr,
        domains: Mapping[sympy.Symbol | str, Domain],
        constraints: Sequence[sympy.Basic] = (),
        *,
        time_limit: float = 5.0,
        _test_stall_s: float = 0.0,
    ) -> Judgement:
        """Is `candidate` equal to `key` wherever the domains and constraints hold?"""
        with self._lock:
            return self._judgements.judge(candidate, key, domains, constraints, time_limit=time_limit,
                                          answer=self._exchange, _test_stall_s=_test_stall_s)

    def start(self) -> None:
        """Start the worker now, without waiting for it to be ready (the first `judge` waits)."""
        with self._lock:
            self._adopt()
            if self._proc is None or self._proc.poll() is not None:
                self._discard()
                try:
                    self._spawn()
                except OSError:  # the first `judge` tries again, and says why it cannot
                    self._discard()

    def close(self) -> None:
        """Stop the worker (a later `judge` starts a new one)."""
        with self._lock:
            self._discard()

    def _exchange(self, request: dict, time_limit: float) -> Judgement:
        request = {**request, "id": next(self._ids)}
        try:
            self._ensure_worker()
        except WorkerFailed as error:
            self._discard()
            return Judgement(Verdict.UNDECIDED, _("the judge worker could not start: {reason}").format(reason=error))
        try:
            self._send(request)
            reply = self._receive(time.monotonic() + time_limit + self.grace)
            if reply is None:
                self._discard()  # stuck: kill it; the next call starts a fresh one
                return Judgement(Verdict.UNDECIDED, _("could not judge within {seconds:g} s; the answer may be too costly to "
                                                      "compare").format(seconds=time_limit))
            return read_judgement(reply, request["id"])
        except WorkerFailed as error:
            self._discard()
            return Judgement(Verdict.UNDECIDED, _("the judge worker failed: {reason}").format(reason=error))

    def _adopt(self) -> None:
        if self._owner != os.getpid():  # we are a forked child: the worker belongs to the parent
            if self._stop is not None:
                self._stop.detach()
            self._proc, self._stop, self._buffer, self._owner = None, None, b"", os.getpid()
            self._ready, self._errors = False, None

    def _ensure_worker(self) -> None:
        self._adopt()
        if self._proc is None or self._proc.poll() is not None:  # none yet, or it died (before or after `start`)
            self._discard()
            self._spawn()
        if not self._ready:
            self._handshake()

    def _spawn(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))}
        errors = tempfile.TemporaryFile()
        # -P: the current folder (maybe a student's) is not put on sys.path; own session: no Ctrl-C.
        self._proc = subprocess.Popen(
            [sys.executable, "-P", "-m", self.worker_module], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=errors, bufsize=0, env=env, cwd=self._worker_cwd(), start_new_session=True, close_fds=True)
        self._stop = weakref.finalize(self, _stop_worker, self._proc, os.getpid(), errors)
        self._errors, self._ready = errors, False
        self.starts += 1

    def _worker_cwd(self) -> Path:
        return _PACKAGE_ROOT

    def _handshake(self) -> None:
        try:
            ready = self._receive(time.monotonic() + self.start_timeout)
        except WorkerFailed:
            self._errors.seek(0)
            raise WorkerFailed(self._errors.read().decode(errors="replace").strip()[-300:] or _("it exited")) from None
        if ready != {"ready": True}:
            raise WorkerFailed(_("no answer within {seconds:g} s").format(seconds=self.start_timeout))
        self._ready = True

    def _send(self, request: dict) -> None:
        data = memoryview((json.dumps(request) + "\n").encode())
        try:
            while data:
                data = data[os.write(self._proc.stdin.fileno(), data):]
        except OSError as error:
            raise WorkerFailed(_("cannot write to it ({reason})").format(reason=error)) from None

    def _receive(self, deadline: float) -> dict | None:
        """The next JSON line from the worker, or None at the deadline."""
        stdout = self._proc.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if select.select([stdout], [], [], remaining)[0]:
                chunk = os.read(stdout, 65536)
                if not chunk:
                    raise WorkerFailed(_("it exited"))
                self._buffer += chunk
                if len(self._buffer) > _MAX_REPLY:
                    raise WorkerFailed(_("its reply is too long"))
        line, _newline, self._buffer = self._buffer.partition(b"\n")
        try:
            reply = json.loads(line)
        except ValueError:
            raise WorkerFailed(_("its reply is not JSON")) from None
        if not isinstance(reply, dict):
            raise WorkerFailed(_("its reply is not a JSON object"))
        return reply

    def _discard(self) -> None:
        if self._stop is not None:
            self._stop()  # kills and reaps the worker (once)
        self._proc, self._stop, self._buffer, self._ready, self._errors = None, None, b"", False, None


class SharedWorker:
    """The one worker of a kind that a process shares, made on first use and stopped when
    Python exits (its finaliser). A forked child makes its own: the parent's is not ours."""

    def __init__(self, make: Callable[[], Judge]):
        self._make = make
        self._lock = threading.Lock()
        self._worker: Judge | None = None
        _SHARED.append(self)

    def get(self) -> Judge:
        with self._lock:
            if self._worker is None:
                self._worker = self._make()
            return self._worker

    def start(self) -> None:
        """Start the worker now, without waiting: its start-up overlaps the caller's."""
        self.get().start()

    def close(self) -> None:
        """Stop the worker, if one was started (a later use starts a new one)."""
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.close()

    def _forget(self) -> None:
        self._worker, self._lock = None, threading.Lock()


_SHARED: list[SharedWorker] = []


def close_shared_workers() -> None:
    """Stop every shared worker this process started (the CLI, before its quick exit)."""
    for shared in _SHARED:
        shared.close()


os.register_at_fork(after_in_child=lambda: [shared._forget() for shared in _SHARED])


def read_judgement(reply: dict, request_id: int) -> Judgement:
    """Check a reply field by field: only known verdicts and plain strings are accepted."""
    verdicts = {verdict.value: verdict for verdict in Verdict}
    example = reply.get("counterexample")
    if (
        reply.get("id") != request_id
        or reply.get("verdict") not in verdicts
        or not isinstance(reply.get("reason"), str)
        or not isinstance(reply.get("note", ""), str)
        or not (example is None or (isinstance(example, dict) and all(isinstance(v, str) for v in example.values())))
    ):
        raise WorkerFailed(_("its reply is malformed"))
    return Judgement(verdicts[reply["verdict"]], reply["reason"][:1000], example, reply.get("note", "")[:1000])


def _stop_worker(proc: subprocess.Popen, owner: int, errors) -> None:
    if os.getpid() != owner:
        return  # a forked copy of the grader must not stop its parent's worker
    try:
        proc.kill()
    except ProcessLookupError:
        pass
    proc.wait()
    for stream in (proc.stdin, proc.stdout, errors):
        stream.close()
