"""The judging procedure on sympy objects, run by the judge worker (or in-process).

1. A free variable of the candidate that the question does not have: DIFFERENT.
2. A quick proof (`expand(candidate - key) == 0`), bounded in time: EQUAL.
3. Evaluation at sample points (grader.judge.sampling, grader.judge.evaluate): the first point
   where the values differ gives DIFFERENT with that point. Points where the key has no value
   are skipped; where only the candidate has none, it is DIFFERENT unless that is an isolated
   point of the real variables (a removable singularity, `_Comparison`). Agreement at MIN_POINTS
   points, or at every point of a small integer domain, gives EQUAL. When the key has a value
   at too few of the points drawn (it is defined on a narrow part of the declared domain),
   more are drawn near those where it has one.
   A point where a value is too large to compute is never agreement: EQUAL needs every point
   where the key has a value compared (the candidate too large at one of them is not EQUAL),
   and at least COMPARED_SHARE of the points drawn (the key too large at the rest).
4. The candidate too large to compute where the key has a value (and no difference found):
   DIFFERENT, saying where; the student's blow-up is not the instructor's to review. Too few
   points compared otherwise: a `simplify` proof in the time left, else UNDECIDED.
   A judgement that runs out of time while evaluating the candidate took most of it is
   DIFFERENT too ("too costly to evaluate"); one that runs out elsewhere is UNDECIDED.

Sampling comes before `simplify` on purpose: it settles almost every answer in
milliseconds, while `simplify` on floor/ceiling expressions takes a good part of a second.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import sympy

from grader.i18n import _, listed
from grader.judge.evaluate import (DIGITS, MAX_DECIMAL_EXPONENT, PRECISE_DIGITS, Evaluator, TooLarge, Undefined, Value,
                                   inexact, same, show, show_pair)
from grader.judge.judgement import Domain, Judgement, Verdict
from grader.judge.sampling import MIN_POINTS, WANT_POINTS, draw_points, holds, nearby, neighbours, satisfier, scan

T = TypeVar("T")
# Runs a function, raising TimeoutError once the seconds are spent (the worker uses an alarm).
Bounded = Callable[[Callable[[], T], float], T]
_QUICK_PROOF_SECONDS = 0.5
COMPARED_SHARE = 0.9  # of the points drawn where the key has a value, or is too large, this many must be compared


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
    costs = _Costs()
    try:
        return _decide(candidate, key, domains, constraints, deadline, bounded, costs)
    except TimeoutError:
        if costs.candidate_to_blame(time_limit):
            return Judgement(Verdict.DIFFERENT, _("too costly to evaluate within {seconds:g} s").format(seconds=time_limit),
                             note=_("your answer takes too long to evaluate (over {seconds:g} s at the sample points, where "
                                    "a correct answer takes a fraction of that); simplify it").format(seconds=time_limit))
        return Judgement(Verdict.UNDECIDED, _("could not judge within {seconds:g} s; the answer may be too costly to "
                                              "compare").format(seconds=time_limit))
    except (MemoryError, RecursionError):
        return Judgement(Verdict.UNDECIDED, _("could not judge: the expressions are too large to compare"))
    except Exception as error:  # a sympy failure must not crash the grading of a whole sheet
        # the error's class only: its text can be pages long (Python's message on printing a 5000-digit int)
        return Judgement(Verdict.UNDECIDED, _("could not judge: {kind}").format(kind=type(error).__name__))


class _Costs:
    """Seconds spent evaluating the candidate and the key, to tell whose cost ran out the clock."""

    def __init__(self):
        self.candidate = self.key = 0.0

    def candidate_to_blame(self, time_limit: float) -> bool:
        return self.candidate > time_limit / 2 and self.candidate > 4 * self.key


def _decide(candidate, key, domains, constraints, deadline, bounded, costs: _Costs) -> Judgement:
    stray = sorted({symbol.name for symbol in candidate.free_symbols} - domains.keys())
    if stray:
        return Judgement(Verdict.DIFFERENT, _("uses {names}, which this question has no variable for").format(names=listed(stray)))
    others = set().union(*(expr.free_symbols for expr in (key, *constraints)))
    missing = sorted({symbol.name for symbol in others} - domains.keys())
    if missing:
        return Judgement(Verdict.UNDECIDED, _("the answer key or a constraint uses {names}, which has no domain").format(
            names=listed(missing)))
    used = {symbol.name for symbol in candidate.free_symbols | others}
    variables = {name: domain for name, domain in domains.items() if name in used}
    try:
        proved = bounded(lambda: sympy.expand(candidate - key) == 0, min(_QUICK_PROOF_SECONDS, deadline - time.monotonic()))
    except TimeoutError:
        proved = False  # no quick proof: sample
    if proved and (not constraints or _satisfiable(variables, constraints, deadline)):
        return Judgement(Verdict.EQUAL, _("proved by sympy"))
    comparison = _Comparison(candidate, key, variables, satisfier(constraints), deadline, costs)
    verdict = bounded(lambda: _compare(comparison), deadline - time.monotonic())
    if verdict is not None:
        return verdict
    # No simplify where the candidate was too large: on what it builds sympy works in single C
    # calls (a primality test of a 30,000-digit number) that no alarm interrupts.
    if comparison.blown is not None:
        return _too_large(*comparison.blown)
    usable = comparison.usable
    if usable == 0 and not comparison.key_too_large:
        return Judgement(Verdict.UNDECIDED, _("no sample point satisfies the constraints (or the key has no value at any); "
                                              "check the constraints and domains"))
    try:
        if bounded(lambda: sympy.simplify(candidate - key) == 0, deadline - time.monotonic()):
            return Judgement(Verdict.EQUAL, _("proved by sympy"))
    except TimeoutError:
        pass
    if comparison.key_too_large:
        return Judgement(Verdict.UNDECIDED, _("the key's value is too large to compute at {count} sample points, and "
                                              "{usable} could be checked: too few to be sure").format(
            count=comparison.key_too_large, usable=usable))
    return Judgement(Verdict.UNDECIDED, _("only {count} sample points could be checked, too few to be sure").format(count=usable))


def _satisfiable(variables: Mapping[str, Domain], constraints, deadline: float) -> bool:
    return bool(draw_points(variables, satisfier(constraints), [], deadline=deadline, want=1).points)


_PROBES = 6  # neighbours that tell an isolated singularity from an interval where an answer has no value
_EXPLORE_TRIES = 20 * WANT_POINTS
_SCAN_POINTS = 4096  # finds a key living on 1/4096 of a real variable's range
_SEEDS = 10  # points where the key has a value, enough to explore from


class _Comparison:
    """Candidate and key at sample points: the first real difference, and how many points agreed.

    Where the key has no value the point is skipped (outside the question). Where only the
    candidate has none, its neighbours decide (the point moved slightly along the real
    variables): where the key has values and the candidate has none, the candidate is undefined
    on an interval and is wrong; where the candidate's values agree, or the key has none either,
    the point was isolated (|x-2|/(x-2)*(x-2) at x = 2) and is skipped. With integer variables
    alone there is nothing to move: every integer the domain allows counts.
    """

    def __init__(self, candidate, key, variables: Mapping[str, Domain], satisfies, deadline: float, costs: _Costs):
        self._candidate, self._key = Evaluator(candidate), Evaluator(key)
        self.expressions = [candidate, key]  # where the sampler looks for divisions to aim at
        self.constant = not candidate.free_symbols  # a number: "not a real number", not "no value at x=1"
        self.variables, self.satisfies, self.deadline, self.costs = variables, satisfies, deadline, costs
        self.rng = random.Random(0)  # deterministic: the same answer gets the same judgement
        self.usable = 0
        self.key_too_large = 0  # points where the key's value is too large to compute: not compared
        self.blown: tuple[dict, Value] | None = None  # the first point where only the candidate's value is
        self.defined: list[dict] = []  # points where the key has a value: seeds for exploring its domain
        self.seen: set[tuple] = set()

    def candidate(self, point: dict, digits: int = DIGITS) -> Value:
        started = time.perf_counter()
        try:
            return self._candidate(point, digits)
        finally:
            self.costs.candidate += time.perf_counter() - started

    def key(self, point: dict, digits: int = DIGITS) -> Value:
        started = time.perf_counter()
        try:
            return self._key(point, digits)
        finally:
            self.costs.key += time.perf_counter() - started

    def check(self, point: dict) -> Judgement | None:
        """DIFFERENT at this point (or near it), else None."""
        self.seen.add(tuple(point.values()))
        try:
            expected = self.key(point)
        except Undefined:
            return None  # outside the key's domain: any answer may do anything there
        except TooLarge:
            self.key_too_large += 1
            return None
        self.defined.append(point)
        try:
            got = self.candidate(point)
        except TooLarge:
            self.blew(point, expected)
            return None  # a difference elsewhere, if any, says more
        except Undefined as error:
            return self._undefined_at(point, expected, error)
        if not self._agree(point, got, expected):
            return _differs(point, *show_pair(got, expected))
        self.usable += 1
        return None

    def blew(self, point: dict, expected: Value) -> None:
        """The candidate is too large to compute where the key has a value: not agreement."""
        if self.blown is None:
            self.blown = point, expected

    def agreement(self, exhaustive: bool) -> Judgement | None:
        """EQUAL when enough points were compared, and every one where the key has a value."""
        usable = self.usable
        if self.blown is not None or usable < COMPARED_SHARE * (usable + self.key_too_large):
            return None
        if usable >= MIN_POINTS or (exhaustive and usable > 0):
            agrees = (_("agrees at all {count} sample points") if exhaustive and not self.key_too_large
                      else _("agrees at {count} sample points"))
            return Judgement(Verdict.EQUAL, agrees.format(count=usable))
        return None

    def _agree(self, point: dict, got, expected) -> bool:
        if same(got, expected):
            return True
        if not (inexact(got) or inexact(expected)):
            return False
        try:  # 60 digits can lose to cancellation (exp(40) + 1 - exp(40)): look again with more
            return same(self.candidate(point, PRECISE_DIGITS), self.key(point, PRECISE_DIGITS))
        except (Undefined, TooLarge):
            return False

    def _undefined_at(self, point: dict, expected, error: Undefined) -> Judgement | None:
        around = neighbours(point, self.variables, self.satisfies, self.rng, _PROBES)
        for near in around:
            try:
                expected_near = self.key(near)
            except (Undefined, TooLarge):
                continue  # the key has no value there either
            try:
                got_near = self.candidate(near)
            except TooLarge:
                self.blew(near, expected_near)
                continue
            except Undefined:
                return _undefined(point, error, show(expected), interval=True, constant=self.constant)
            if not self._agree(near, got_near, expected_near):
                return _differs(near, *show_pair(got_near, expected_near))
        if not around:  # integers only: nothing to move, this value of the domain counts
            return _undefined(point, error, show(expected), interval=False, constant=self.constant)
        # The answer has values that agree all around (a removable singularity), or the key has
        # none there either (the point is isolated in the key's own domain, as (x-2)^(3*k) at
        # x < 2, k = 1/3): either way a set of measure zero, skipped like a point outside the key's domain.
        return None

    def explore(self) -> Judgement | None:
        """More points near those where the key has a value, for a key defined on a narrow part
        of the declared domain (log((x+1)/(1-x)) on [-10, 10]); first an even scan of the domain
        when the key had a value at hardly any point drawn."""
        for index, point in enumerate(scan(self.variables, self.rng, _SCAN_POINTS)):
            if len(self.defined) >= _SEEDS:
                break
            if index % 32 == 0 and time.monotonic() > self.deadline:
                raise TimeoutError
            if tuple(point.values()) not in self.seen and holds(self.satisfies, point):
                verdict = self.check(point)
                if verdict is not None:
                    return verdict
        for tries in range(_EXPLORE_TRIES):
            if self.usable >= MIN_POINTS or not self.defined:
                return None
            if tries % 32 == 0 and time.monotonic() > self.deadline:
                raise TimeoutError
            near = nearby(self.rng.choice(self.defined), self.variables, self.rng, spread=(0, 3), integers=True)
            if tuple(near.values()) in self.seen or not holds(self.satisfies, near):
                continue
            verdict = self.check(near)
            if verdict is not None:
                return verdict
        return None


def _compare(comparison: _Comparison) -> Judgement | None:
    """DIFFERENT at a point, EQUAL, or None when the points compared cannot tell (see `comparison`)."""
    sample = draw_points(comparison.variables, comparison.satisfies, comparison.expressions,
                         deadline=comparison.deadline)
    for index, point in enumerate(sample.points):
        if index % 32 == 0 and time.monotonic() > comparison.deadline:
            raise TimeoutError
        verdict = comparison.check(point)
        if verdict is not None:
            return verdict
    if not sample.exhaustive and comparison.usable < MIN_POINTS:
        verdict = comparison.explore()
        if verdict is not None:
            return verdict
    return comparison.agreement(sample.exhaustive)


def _too_large(point: Mapping, expected: Value) -> Judgement:
    judgement = _differs(point, _("too large to compute"), show(expected))
    said = {"point": ", ".join(f"{name}={value}" for name, value in point.items()), "limit": MAX_DECIMAL_EXPONENT,
            "expected": show(expected)}
    note = (_("your answer is too large to compute at {point} (beyond 10^{limit:,} or as costly), where a correct answer "
              "is {expected}; write it so that its values stay in range") if point else
            _("your answer is too large to compute (beyond 10^{limit:,} or as costly), where a correct answer is "
              "{expected}; write it so that its values stay in range")).format(**said)
    return Judgement(judgement.verdict, judgement.reason, judgement.counterexample, note)


def _undefined(point: Mapping, error: Undefined, expected: str, *, interval: bool, constant: bool) -> Judgement:
    judgement = _differs(point, _("undefined ({reason})").format(reason=error), expected)
    where = ", ".join(f"{name}={value}" for name, value in point.items())
    if constant:
        note = _("your answer is not a real number ({reason})")
    elif not where:
        note = _("your answer has no real value ({reason}), where a correct answer has one")
    elif interval:
        note = _("your answer has no real value at {point} and near it ({reason}), where a correct answer has one")
    else:
        note = _("your answer has no real value at {point} ({reason}), where a correct answer has one")
    note = note.format(reason=error, point=where)
    return Judgement(judgement.verdict, judgement.reason, judgement.counterexample, note)


def _differs(point: Mapping, got: str, expected: str) -> Judgement:
    where = ", ".join(f"{name}={value}" for name, value in point.items())
    reason = (_("differs at {point}: {got} vs {expected}") if point else _("differs: {got} vs {expected}")).format(
        point=where, got=got, expected=expected)
    return Judgement(Verdict.DIFFERENT, reason, {name: str(value) for name, value in point.items()})
