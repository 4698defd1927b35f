"""Where an answer key has no value inside the domain its question declares.

The judge skips the points where the key has no value (any answer may do anything there),
so a key that is undefined on part of its declared domain silently narrows the question:
`grader validate` warns with the first such point. Isolated points of the real variables
(sin(x)/x at 0) are not reported: answers are compared all around them. Every integer a
domain allows is reported, since integers have no neighbours to compare at instead. It warns
too where the key is too large to compute at more sample points than the judge lets go
uncompared (grader.judge.decide.COMPARED_SHARE): no answer is then called equal by sampling.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence

import sympy

from grader.judge.decide import COMPARED_SHARE
from grader.judge.evaluate import Evaluator, TooLarge, Undefined
from grader.judge.judgement import Domain
from grader.judge.sampling import draw_points, neighbours, satisfier

_PROBES = 6


def key_gap(key: sympy.Basic, domains: Mapping[str, Domain], constraints: Sequence[sympy.Basic] = (), *,
            time_limit: float = 10.0) -> str | None:
    """'x=3/2 (log of ...)' for the first sample point, not an isolated one, where `key` has no value."""
    used = {symbol.name for symbol in key.free_symbols}.union(*(
        {symbol.name for symbol in relation.free_symbols} for relation in constraints))
    variables = {name: domain for name, domain in domains.items() if name in used}
    satisfies = satisfier(constraints)
    evaluate, rng = Evaluator(key), random.Random(0)
    try:
        sample = draw_points(variables, satisfies, [key], deadline=time.monotonic() + time_limit)
    except TimeoutError:
        return None
    too_large = []
    for point in sample.points:
        try:
            evaluate(point)
        except TooLarge:
            too_large.append(point)
            continue
        except Undefined as error:
            if not _isolated(evaluate, point, variables, satisfies, rng):
                where = ", ".join(f"{name}={value}" for name, value in point.items())
                return f"{where} ({error})" if where else str(error)
    if len(too_large) > (1 - COMPARED_SHARE) * len(sample.points):  # the judge then calls no answer equal by sampling
        where = ", ".join(f"{name}={value}" for name, value in too_large[0].items())
        return (f"{where} (a value too large to compute, as at {len(too_large)} of {len(sample.points)} sample points; "
                "the judge can then prove answers right only with sympy)")
    return None


def _isolated(evaluate: Evaluator, point: dict, variables: Mapping[str, Domain], satisfies, rng: random.Random) -> bool:
    """Has the key values at points just next to this one (real variables moved slightly)?"""
    around = neighbours(point, variables, satisfies, rng, _PROBES)
    for near in around:
        try:
            evaluate(near)
        except TooLarge:
            continue
        except Undefined:
            return False
    return bool(around)  # integers only: no neighbours, the point counts
