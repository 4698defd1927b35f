"""Evaluating an author's `verify:` expression: trusted instructor code, never a student's.

Only `grader validate` (and `grader selftest`) call this. The namespace gives the expression
torch, sympy and the proof helpers of grader.proofs.helpers, plus the variant's values and the
answer `key`. Trusted is not bug-free: an expression that runs past VERIFY_SECONDS is
stopped by SIGALRM in the main thread (the expressions are Python, sympy and short torch
ops, which the interpreter interrupts; it cannot interrupt one long C call such as a huge
integer power) and raises VerifyTimeout for validate to report.
"""

from __future__ import annotations

import math
import signal
import threading
from contextlib import contextmanager
from functools import lru_cache

from grader.i18n import _

VERIFY_SECONDS = 30.0  # one evaluation; the slowest in the bundled bank (an AlexNet build) takes ~1 s


class VerifyTimeout(BaseException):
    """An author's expression ran past its time limit (a BaseException: helpers that catch
    Exception inside the expression cannot swallow it)."""


@lru_cache(maxsize=1)
def _namespace() -> dict:
    import sympy
    import torch
    import torch.nn.functional as F
    from torch import nn

    from grader.proofs import helpers as proofs

    helpers = {name: getattr(proofs, name) for name in getattr(proofs, "__all__", ())}
    return {"torch": torch, "nn": nn, "F": F, "sympy": sympy, "sp": sympy, "math": math, **helpers}


@lru_cache(maxsize=1024)
def _compiled(text: str):
    return compile(text, "<verify>", "eval")


def _names_used(code) -> set[str]:
    """Every global name the code (and the comprehensions inside it) reads."""
    used = set(code.co_names)
    for constant in code.co_consts:
        if hasattr(constant, "co_names"):
            used |= _names_used(constant)
    return used


_results: dict[tuple, object] = {}


def evaluate(text: str, names: dict):
    """The value of the author's expression `text` with `names` bound.

    Variants often differ only in params an expression does not read, and building a
    network to count its parameters takes a while: results are memoised on the values
    of the names the expression actually uses.
    """
    code = _compiled(text)
    relevant = sorted(_names_used(code) & names.keys())
    memo = (text, tuple((name, repr(names[name])) for name in relevant))
    if memo not in _results:
        # one globals dict, so that comprehensions in the expression see the names too
        scope = {"__builtins__": __builtins__, **_namespace(), **names}
        with _time_limit(VERIFY_SECONDS):
            _results[memo] = eval(code, scope)  # noqa: S307 - trusted author code, see the module docstring
    return _results[memo]


@contextmanager
def _time_limit(seconds: float):
    """SIGALRM after `seconds`, where there is one and we are the main thread (else no limit)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise VerifyTimeout(_("ran past the {seconds:g} s limit and was stopped").format(seconds=seconds))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
