"""Deterministic, domain-aware sample points for comparing two expressions.

The judge's points (`draw_points`): an integer grid of at most EXHAUSTIVE_LIMIT points is
enumerated completely. Otherwise points mix the special values of each domain (its ends, 0,
1, small numbers, the middle), random values (small, anywhere, near the top; rationals with
small denominators for reals), and points adjusted so that each division in the expressions
comes out both exact and inexact: for `floor((n+p-k+s)/s)` some points have s dividing
n+p-k+s and some have remainder 1 or s-1.

Authors' points (`sample_points`, `spread_points`: a dozen for `grader validate`, two dozen for
the STACK export) are few, so they are spread on purpose over every variable's whole range:
the combinations of the ends, then strata of the interior. A first few points of a grid in its
own order would leave a variable at one value, and a key that forgets it would pass.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy

from grader.judge.evaluate import Evaluator, Point, TooLarge, Undefined
from grader.judge.judgement import Domain

WANT_POINTS = 200
MIN_POINTS = 100  # fewer usable points than this (unless exhaustive) cannot show equality
EXHAUSTIVE_LIMIT = 2000
_CORNER_SHARE = 0.5  # at most this share of the points comes from special values alone
_MAX_TRIES = 40 * WANT_POINTS
_DENOMINATORS = (1, 2, 3, 4, 5, 7, 8, 10, 16, 97)
_SPREAD_ROUNDS = 40  # rounds of strata an author's points may take to meet the constraints


@dataclass(frozen=True)
class Sample:
    points: list[dict[str, Fraction]]  # simplest first, so a counterexample is a simple one
    exhaustive: bool  # every point of the domain that satisfies the constraints


@dataclass(frozen=True)
class _Division:
    numerator: Evaluator
    denominator: Evaluator
    steps: Mapping[str, int]  # integer variable -> its coefficient in the numerator


def sample_points(
    domains: Mapping[sympy.Symbol | str, Domain],
    constraints: Sequence[sympy.Basic] = (),
    count: int = WANT_POINTS,
    *,
    seed: int = 0,
    time_limit: float = 30.0,
) -> list[dict]:
    """Up to `count` points satisfying `constraints`, keyed like `domains`, values sympy numbers,
    spread over every variable's range (`spread_points`). For authors' checks (`grader validate`,
    the STACK export); the judge uses `draw_points`.
    """
    keys = {key if isinstance(key, str) else key.name: key for key in domains}
    points = spread_points({name: domains[key] for name, key in keys.items()}, satisfier(constraints), count,
                           deadline=time.monotonic() + time_limit, seed=seed)
    return [{keys[name]: sympy.Rational(v.numerator, v.denominator) for name, v in point.items()} for point in points]


def spread_points(domains: Mapping[str, Domain], satisfies: Callable[[Point], bool], count: int, *,
                  deadline: float, seed: int = 0) -> list[dict[str, Fraction]]:
    """Up to `count` points that satisfy the constraints, spread over each variable's whole range:
    the combinations of the ends first (up to half of `count`, all of them where they are few),
    then rounds of strata (`scan`: each variable's range cut into `count` strips, one value from
    each), so that every variable takes many values, its ends among them. An integer grid of at
    most `count` points is enumerated whole. Simplest first; TimeoutError past `deadline`."""
    rng = random.Random(seed)
    names = list(domains)
    bounds = {name: _bounds(domain) for name, domain in domains.items()}
    tie = _item_tier(domains)
    if _grid_size(domains, bounds) <= count:
        return _simplest_first(_unique(_keep(_grid(names, bounds, tie), satisfies, math.inf, deadline)))
    ends = [tie(dict(zip(names, values))) for values in itertools.islice(
        itertools.product(*({low, high} for low, high in bounds.values())), 4096)]
    rng.shuffle(ends)
    points = _unique(_keep(ends, satisfies, max(1, count // 2), deadline))
    _fill(points, (point for _ in range(_SPREAD_ROUNDS) for point in scan(domains, rng, count)), satisfies, count,
          deadline)
    if len(points) < count:  # constraints the strata rarely meet (n = 2*m): the judge's special and aimed points
        _fill(points, draw_points(domains, satisfies, [], deadline=deadline, want=count, seed=seed).points, satisfies,
              count, deadline)
    return _simplest_first(points)


def _fill(points: list[dict], candidates: Iterable[dict], satisfies: Callable[[Point], bool], count: int,
          deadline: float) -> None:
    """Add the new candidates that satisfy the constraints, until there are `count` points."""
    seen = {tuple(point.values()) for point in points}
    for point in candidates:
        if len(points) >= count:
            return
        if time.monotonic() > deadline:
            raise TimeoutError
        if tuple(point.values()) not in seen and holds(satisfies, point):
            seen.add(tuple(point.values()))
            points.append(point)


def _grid_size(domains: Mapping[str, Domain], bounds: Mapping[str, tuple[Fraction, Fraction]]) -> float:
    """How many points an all-integer domain has (infinite with a real variable)."""
    if not all(domain.kind == "integer" for domain in domains.values()):
        return math.inf
    return math.prod(int(high - low + 1) for low, high in bounds.values())


def _grid(names: list[str], bounds: Mapping, tie: Callable[[dict], dict]) -> Iterable[dict]:
    return (tie(dict(zip(names, map(Fraction, values)))) for values in itertools.product(
        *(range(int(low), int(high) + 1) for low, high in bounds.values())))


def satisfier(constraints: Sequence[sympy.Basic]) -> Callable[[Point], bool]:
    """A test of whether a point satisfies every constraint."""
    checks = [Evaluator(constraint) for constraint in constraints]
    return lambda point: all(check(point) is True for check in checks)


def draw_points(
    domains: Mapping[str, Domain],
    satisfies: Callable[[Point], bool],
    expressions: Sequence[sympy.Basic],
    *,
    deadline: float,
    want: int = WANT_POINTS,
    seed: int = 0,
) -> Sample:
    """Up to `want` points in `domains` that satisfy the constraints (every one of a small integer
    grid: `exhaustive`); TimeoutError past `deadline`."""
    rng = random.Random(seed)
    names = list(domains)
    bounds = {name: _bounds(domain) for name, domain in domains.items()}
    tie = _item_tier(domains)
    if _grid_size(domains, bounds) <= EXHAUSTIVE_LIMIT:  # every point, whatever `want`: "all" must mean all
        return Sample(_simplest_first(_unique(_keep(_grid(names, bounds, tie), satisfies, math.inf, deadline))),
                      exhaustive=True)
    specials = {name: _special_values(domains[name].kind, *bounds[name]) for name in names}
    corners = [tie(dict(zip(names, values))) for values in itertools.islice(itertools.product(*specials.values()), 4096)]
    rng.shuffle(corners)
    points = _unique(_keep(corners, satisfies, math.ceil(want * _CORNER_SHARE), deadline))
    divisions = _divisions(expressions, {name for name in names if domains[name].kind == "integer"})
    reals = {name for name in names if domains[name].kind == "real"}
    exponents = _real_exponents(expressions, reals) if reals else []
    seen = {tuple(point.values()) for point in points}
    for tries in range(_MAX_TRIES):
        if len(points) >= want:
            break
        if tries % 64 == 0 and time.monotonic() > deadline:
            raise TimeoutError
        point = {name: _random_value(rng, domains[name].kind, *bounds[name]) for name in names}
        if divisions and rng.random() < 0.5:
            point = _adjust(point, rng.choice(divisions), bounds, rng) or point
        if exponents and rng.random() < 0.5:
            point = _snap(point, exponents, bounds, rng)
        point = tie(point)
        if tuple(point.values()) not in seen and holds(satisfies, point):
            seen.add(tuple(point.values()))
            points.append(point)
    return Sample(_simplest_first(points), exhaustive=False)


def nearby(point: Mapping[str, Fraction], domains: Mapping[str, Domain], rng: random.Random, *,
           spread: tuple[int, int], integers: bool = False) -> dict[str, Fraction]:
    """A point close to `point`: each real variable moved by up to 10**-u of its domain's width,
    u drawn from `spread` (0: anywhere), kept inside the domain; integer variables move by a
    small step only when `integers` (probing a singularity keeps them, exploring moves them).
    """
    moved = dict(point)
    for name, domain in domains.items():
        low, high = _bounds(domain)
        if domain.kind == "real" and high > low:
            width = (high - low) * Fraction(1, 10 ** rng.randint(*spread))
            step = width * Fraction(rng.randint(-10**6, 10**6), 10**6)
            moved[name] = min(max(point[name] + step, low), high)
        elif domain.kind == "integer" and integers and rng.random() < 0.5:
            moved[name] = min(max(point[name] + rng.choice((-2, -1, 1, 2)), low), high)
    return _item_tier(domains)(moved)


def neighbours(point: Mapping[str, Fraction], domains: Mapping[str, Domain], satisfies: Callable[[Point], bool],
               rng: random.Random, count: int) -> list[dict[str, Fraction]]:
    """Up to `count` points just next to `point` (its real variables moved by 10^-3 to 10^-8 of
    their range) that satisfy the constraints: none when no real variable can move. They tell an
    isolated point from an interval (grader.judge.decide, grader.judge.key_domain)."""
    found = []
    for _ in range(3 * count):
        if len(found) >= count:
            break
        near = nearby(point, domains, rng, spread=(3, 8))
        if near != point and holds(satisfies, near):
            found.append(near)
    return found


def scan(domains: Mapping[str, Domain], rng: random.Random, count: int) -> Iterable[dict[str, Fraction]]:
    """`count` points spread evenly (a Latin hypercube: each variable's range cut into `count`
    strips, one point in each), to find a key that lives on a sliver of its declared domain
    (sqrt((x - 2.9)*(3.1 - x)) on [-100, 100]) when random points all missed it, and to spread
    authors' points (`spread_points`)."""
    strips = {}
    for name, domain in domains.items():
        order = list(range(count))
        rng.shuffle(order)
        strips[name] = order
    tie = _item_tier(domains)
    for index in range(count):
        point = {}
        for name, domain in domains.items():
            low, high = _bounds(domain)
            if domain.kind == "integer":  # strip k of count holds the integers from low + k*width/count on
                width = int(high - low) + 1
                first = (strips[name][index] * width) // count
                last = max(first, ((strips[name][index] + 1) * width) // count - 1)
                point[name] = low + rng.randint(first, last)
            else:
                offset = Fraction(strips[name][index]) + Fraction(rng.randint(1, 999), 1000)
                point[name] = low + (high - low) * offset / count
        yield tie(point)


def _item_tier(domains: Mapping[str, Domain]) -> Callable[[dict], dict]:
    """Make items of one sequence agree: y_j takes y_i's value at points where i = j."""
    items = [(name, domain.item) for name, domain in domains.items() if domain.item is not None]
    if not items:
        return lambda point: point

    def tie(point: dict) -> dict:
        point = dict(point)
        for position, (name, (sequence, index)) in enumerate(items):
            for earlier, (other_sequence, other_index) in items[:position]:
                if other_sequence == sequence and point[other_index] == point[index]:
                    point[name] = point[earlier]
                    break
        return point

    return tie


def _unique(points: list[dict]) -> list[dict]:
    """Points in order, each once (tying items can make two points alike)."""
    return list({tuple(point.values()): point for point in points}.values())  # dicts keep the first key's place


def _bounds(domain: Domain) -> tuple[Fraction, Fraction]:
    if domain.kind == "integer":
        return Fraction(math.ceil(domain.low)), Fraction(math.floor(domain.high))
    # repr gives the shortest decimal text of the float: 0.1 stays 1/10, not 0.1000000000000000055...
    return Fraction(repr(float(domain.low))), Fraction(repr(float(domain.high)))


def _special_values(kind: str, low: Fraction, high: Fraction) -> list[Fraction]:
    middle = (low + high) / 2
    if kind == "integer":
        candidates = [low, low + 1, low + 2, high, high - 1, high - 2, 0, 1, 2, 3, -1, Fraction(math.floor(middle))]
    else:
        # +-2 and +-1/2 too: a negative base with an even power and a half (a = -2, b = 2, c = 1/2)
        # is where (a^b)^c and a^(b*c) both have values and differ
        candidates = [low, high, Fraction(0), Fraction(1), Fraction(-1), Fraction(1, 2), Fraction(-1, 2), Fraction(2),
                      Fraction(-2), middle, low + (high - low) / 3]
    return sorted({value for value in candidates if low <= value <= high})


def _random_value(rng: random.Random, kind: str, low: Fraction, high: Fraction) -> Fraction:
    if kind == "integer":
        low_int, high_int = int(low), int(high)
        choice = rng.random()
        if choice < 0.4:  # small values are where off-by-one mistakes show
            return Fraction(rng.randint(low_int, min(high_int, low_int + 10)))
        if choice < 0.8:
            return Fraction(rng.randint(low_int, high_int))
        return Fraction(rng.randint(max(low_int, high_int - 10), high_int))
    value = low + (high - low) * Fraction(rng.randint(0, 10**6), 10**6)
    return min(max(value.limit_denominator(rng.choice(_DENOMINATORS)), low), high)


def _divisions(expressions: Iterable[sympy.Basic], integer_names: set[str]) -> list[_Division]:
    """Divisions whose remainder matters: floor/ceiling arguments, % and fractions with variables."""
    found = []
    for expr in expressions:
        for node in sympy.preorder_traversal(expr):
            if isinstance(node, sympy.Mod):
                pairs = [node.args]
            elif isinstance(node, (sympy.floor, sympy.ceiling)) or (
                isinstance(node, sympy.Mul) and any(isinstance(f, sympy.Pow) and f.exp.is_negative for f in node.args)
            ):
                pairs = [sympy.fraction(sympy.together(node.args[0] if node.is_Function else node))]
            else:
                continue
            for numerator, denominator in pairs:
                steps = {}
                for symbol in numerator.free_symbols - denominator.free_symbols:
                    slope = sympy.diff(numerator, symbol)
                    if symbol.name in integer_names and slope.is_Integer and slope != 0:
                        steps[symbol.name] = int(slope)
                if steps and denominator != 1:
                    found.append(_Division(Evaluator(numerator), Evaluator(denominator), steps))
    return found


def _real_exponents(expressions: Iterable[sympy.Basic], real_names: set[str]) -> list[str]:
    """Real variables in the exponent of a power whose base has a variable: a negative base has a
    real value only at integer exponents, so those points must be drawn on purpose."""
    found: set[str] = set()
    for expr in expressions:
        for node in sympy.preorder_traversal(expr):
            if isinstance(node, sympy.Pow) and node.base.free_symbols:
                found |= {symbol.name for symbol in node.exp.free_symbols} & real_names
    return sorted(found)


def _snap(point: dict, names: list[str], bounds: Mapping, rng: random.Random) -> dict:
    """Put those exponents on small integers and halves: (a^b)^c and a^(b*c) part at a = -1,
    b = 2, c = 1/2, where both have values, and nowhere a random real would land."""
    snapped = dict(point)
    for name in names:
        low, high = bounds[name]
        choices = [Fraction(k, 2) for k in range(-4, 5) if low <= Fraction(k, 2) <= high]
        if choices:
            snapped[name] = rng.choice(choices)
    return snapped


def _adjust(point: dict, division: _Division, bounds: Mapping, rng: random.Random) -> dict | None:
    """Move one variable so the division leaves remainder 0 (most often), 1 or -1."""
    try:
        numerator, denominator = division.numerator(point), division.denominator(point)
    except (Undefined, TooLarge):
        return None
    if not (isinstance(numerator, Fraction) and isinstance(denominator, Fraction)):
        return None
    modulus = abs(denominator)
    if modulus.denominator != 1 or numerator.denominator != 1 or modulus <= 1:
        return None
    modulus = int(modulus)
    target = rng.choice([0, 0, 1, modulus - 1])
    name, slope = rng.choice(sorted(division.steps.items()))
    remainder = int(numerator) % modulus
    shift = next((d for d in range(min(modulus, 4096)) if (remainder + slope * d) % modulus == target), None)
    if shift is None:
        return None
    low, high = bounds[name]
    value = point[name] + shift
    value = low + (value - low) % modulus  # the same remainder, as low as the domain allows
    if value > high:
        return None
    value += modulus * rng.randint(0, int((high - value) // modulus))
    return {**point, name: value}


def _keep(points: Iterable[dict], satisfies: Callable[[Point], bool], limit: float, deadline: float) -> list[dict]:
    kept = []
    for index, point in enumerate(points):
        if len(kept) >= limit:
            break
        if index % 64 == 0 and time.monotonic() > deadline:
            raise TimeoutError
        if holds(satisfies, point):
            kept.append(point)
    return kept


def holds(satisfies: Callable[[Point], bool], point: Point) -> bool:
    """Does the point satisfy the constraints? (Not where a constraint has no value.)"""
    try:
        return satisfies(point)
    except (Undefined, TooLarge):
        return False  # a constraint without a value at this point does not hold there


def _simplest_first(points: list[dict]) -> list[dict]:
    def weight(point: dict) -> tuple:
        return (sum(abs(v.numerator) + v.denominator for v in point.values()), tuple(point.values()))

    return sorted(points, key=weight)
