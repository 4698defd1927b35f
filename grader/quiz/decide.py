"""The judging procedure on sympy objects, run by the judge worker (or in-process).

1. A free variable of the candidate that the question does not have: DIFFERENT.
2. A quick proof (`expand(candidate - key) == 0`), bounded in time: EQUAL.
3. Exact evaluation at sample points (grader.quiz.sampling): the first point where the
   values differ, or where only the key has a value, gives DIFFERENT with that point; points
   where the key has no value are skipped. Agreement at MIN_POINTS points, or at every point
   of a small integer domain, gives EQUAL.
4. Too few usable points: a full `simplify` proof in the time left, else UNDECIDED.

Sampling comes before `simplify` on purpose: it settles almost every answer in
milliseconds, while `simplify` on floor/ceiling expressions takes a good part of a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import sympy

from grader.quiz.evaluate import Evaluator, TooLarge, Undefined, same, show
from grader.quiz.judgement import Domain, Judgement, Verdict
from grader.quiz.sampling import MIN_POINTS, draw_points, satisfier

T = TypeVar("T")
# Runs a function, raising TimeoutError once the seconds are spent (the worker uses an alarm).
Bounded = Callable[[Callable[[], T], float], T]
_QUICK_PROOF_SECONDS = 0.5


def unbounded(function: Callable[[], T], seconds: float) -> T:
    """The in-process `Bounded`: cannot interrupt, only refuses to start without time left."""
    if seconds <= 0:
        raise TimeoutError
    return function()


def named_domains(domains: Mapping[sympy.Symbol | str, Domain]) -> dict[str, Domain]:
    """Domains keyed by variable name (the judge matches variables by name)."""
    return {key if isinstance(key, str) else key.name: domain for key, domain in domains.items()}


def decide(
    candidate: sympy.Basic,
    key: sympy.Basic,
    domains: Mapping[str, Domain],
    constraints: Sequence[sympy.Basic] = (),
    *,
    time_limit: float,
    bounded: Bounded = unbounded,
) -> Judgement:
    """Is `candidate` equal to `key` wherever the domains and constraints hold?"""
    deadline = time.monotonic() + time_limit
    try:
        return _decide(candidate, key, domains, constraints, deadline, bounded)
    except TimeoutError:
        return Judgement(Verdict.UNDECIDED, f"could not judge within {time_limit:g} s; the answer may be too costly to compare")
    except (MemoryError, RecursionError):
        return Judgement(Verdict.UNDECIDED, "could not judge: the expressions are too large to compare")
    except Exception as error:  # a sympy failure must not crash the grading of a whole sheet
        return Judgement(Verdict.UNDECIDED, f"could not judge: {type(error).__name__}: {str(error)[:200]}")


def _decide(candidate, key, domains, constraints, deadline, bounded) -> Judgement:
    stray = sorted({symbol.name for symbol in candidate.free_symbols} - domains.keys())
    if stray:
        return Judgement(Verdict.DIFFERENT, f"uses {', '.join(stray)}, which this question has no variable for")
    others = set().union(*(expr.free_symbols for expr in (key, *constraints)))
    missing = sorted({symbol.name for symbol in others} - domains.keys())
    if missing:
        return Judgement(Verdict.UNDECIDED, f"the answer key or a constraint uses {', '.join(missing)}, which has no domain")
    used = {symbol.name for symbol in candidate.free_symbols | others}
    variables = {name: domain for name, domain in domains.items() if name in used}
    try:
        proved = bounded(lambda: sympy.expand(candidate - key) == 0, min(_QUICK_PROOF_SECONDS, deadline - time.monotonic()))
    except TimeoutError:
        proved = False  # no quick proof: sample
    if proved and (not constraints or _satisfiable(variables, constraints, deadline)):
        return Judgement(Verdict.EQUAL, "proved by sympy")
    verdict, usable = bounded(lambda: _compare(candidate, key, variables, constraints, deadline), deadline - time.monotonic())
    if verdict is not None:
        return verdict
    if usable == 0:
        return Judgement(Verdict.UNDECIDED, "no sample point satisfies the constraints (or the key has no value at any); check the constraints and domains")
    try:
        if bounded(lambda: sympy.simplify(candidate - key) == 0, deadline - time.monotonic()):
            return Judgement(Verdict.EQUAL, "proved by sympy")
    except TimeoutError:
        pass
    return Judgement(Verdict.UNDECIDED, f"only {usable} sample points could be checked, too few to be sure")


def _satisfiable(variables: Mapping[str, Domain], constraints, deadline: float) -> bool:
    return bool(draw_points(variables, satisfier(constraints), [], deadline=deadline, want=1).points)


def _compare(candidate, key, variables: Mapping[str, Domain], constraints, deadline: float) -> tuple[Judgement | None, int]:
    """(a verdict, or None when too few points were usable; the number of usable points)."""
    sample = draw_points(variables, satisfier(constraints), [candidate, key], deadline=deadline)
    evaluate_candidate, evaluate_key = Evaluator(candidate), Evaluator(key)
    usable = 0
    for index, point in enumerate(sample.points):
        if index % 32 == 0 and time.monotonic() > deadline:
            raise TimeoutError
        try:
            expected = evaluate_key(point)
        except (Undefined, TooLarge):
            continue  # outside the key's domain: any answer may do anything there
        try:
            got = evaluate_candidate(point)
        except Undefined as error:
            return _differs(point, f"undefined ({error})", show(expected)), usable
        except TooLarge:
            continue
        if not same(got, expected):
            return _differs(point, show(got), show(expected)), usable
        usable += 1
    if usable >= MIN_POINTS or (sample.exhaustive and usable > 0):
        every = "all " if sample.exhaustive else ""
        return Judgement(Verdict.EQUAL, f"agrees at {every}{usable} sample points"), usable
    return None, usable


def _differs(point: Mapping, got: str, expected: str) -> Judgement:
    where = " at " + ", ".join(f"{name}={value}" for name, value in point.items()) if point else ""
    return Judgement(
        Verdict.DIFFERENT, f"differs{where}: {got} vs {expected}", {name: str(value) for name, value in point.items()})
