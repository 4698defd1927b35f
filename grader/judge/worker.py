"""The judge worker process: JSON lines in on stdin, JSON lines out on stdout.

Started by `grader.judge.process.Judge` as ``python -m grader.judge.worker`` (a
fresh interpreter, never a fork of the grader, which may hold torch's thread pools).
Requests carry expressions in the `grader.judge.wire` format; replies carry only the verdict,
the reason and the counterexample as strings. The worker bounds its own work with an alarm;
the client kills it if even that does not come back in time.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from grader.i18n import _
from grader.judge.decide import decide
from grader.judge.judgement import Domain, Judgement, Verdict
from grader.judge.wire import WireError, decode

T = TypeVar("T")
_MEMORY_LIMIT = 2 << 30  # bytes of address space: a runaway computation fails instead of swapping


def handle(request: dict) -> dict:
    """One request -> one reply (plain data)."""
    try:
        candidate, key = decode(request["candidate"]), decode(request["key"])
        domains = {name: Domain(kind, float(low), float(high), _item(item)) for name, kind, low, high, item in request["domains"]}
        constraints = [decode(item) for item in request["constraints"]]
        time_limit = float(request["time_limit"])
    except (WireError, KeyError, TypeError, ValueError) as error:
        judgement = Judgement(Verdict.UNDECIDED, _("bad request to the judge: {reason}").format(reason=error))
    else:
        judgement = decide(candidate, key, domains, constraints, time_limit=time_limit, bounded=_alarm_bounded)
    stall_unstoppably(request.get("test_stall_s", 0))
    return {
        "id": request.get("id"),
        "verdict": judgement.verdict.value,
        "reason": judgement.reason,
        "note": judgement.note,
        "counterexample": None if judgement.counterexample is None else {
            str(name): str(value) for name, value in judgement.counterexample.items()},
    }


def _item(item) -> tuple[str, str] | None:
    if item is None:
        return None
    sequence, index = item
    return str(sequence), str(index)


class _Expired(TimeoutError):
    pass


def _raise_expired(signum, frame):
    raise _Expired


def _alarm_bounded(function: Callable[[], T], seconds: float) -> T:
    """Run `function`, interrupting it with SIGALRM after `seconds` (sympy is pure Python)."""
    if seconds <= 0:
        raise _Expired
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def stall_unstoppably(seconds: float) -> None:
    """Test hook: a wait that the alarm cannot cut short, like a long computation in C."""
    if seconds:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(float(seconds))
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})


def _exit_with_parent() -> None:
    """Leave as soon as the grader is gone, even mid-computation (stdin EOF covers the rest)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


Send = Callable[[dict], None]


def serve(respond: Callable[[dict, Send], None]) -> None:
    """The worker's life: its limits, a ready line, then `respond(request, send)` for each
    request line, which sends one reply or more. A request that fails still gets a reply."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, _MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform, or a lower limit is already set
    signal.signal(signal.SIGALRM, _raise_expired)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when the worker stops
    _exit_with_parent()
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr  # a stray print must not corrupt the replies

    def send(reply: dict) -> None:
        replies.write(json.dumps(reply) + "\n")
        replies.flush()

    send({"ready": True})
    for line in sys.stdin:
        request: object = None
        try:
            request = json.loads(line)
            respond(request, send)
        except Exception as error:  # noqa: BLE001 - answer every line, whatever happened
            send({"id": request.get("id") if isinstance(request, dict) else None, "verdict": "undecided",
                  "reason": _("the judge failed: {kind}").format(kind=type(error).__name__), "counterexample": None})


def main() -> None:
    serve(lambda request, send: send(handle(request)))


if __name__ == "__main__":
    main()
