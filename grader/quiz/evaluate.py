"""Values of expressions at sample points, by the real-number convention.

An expression is compiled once into a tree of closures. A node computes exactly with
`fractions.Fraction` while its value is rational (microseconds a point) and continues in
mpmath at `DIGITS` significant digits once it is not (sqrt(2), exp(1/2), sin(1)); sympy
evaluating every irrational point took a millisecond or more each, which made a sigmoid
key cost most of a second.

The convention (docs/specs.md, "Domain conventions"): every intermediate value must be a
real number. log of a number <= 0, a negative number to a non-integer power (even 1/3),
asin(2), division by zero: the expression is Undefined at that point, and the message says
which part. A value too large to compute in reasonable time (an exponent of more than
`MAX_DECIMAL_EXPONENT` decimal digits' worth, a huge exact power) raises TooLarge.

Steps with jumps (floor, ceiling, %, delta, comparisons) are exact on rationals; on an
inexact value within rounding of a jump (floor(2*sin(pi/6)) is 1, and 60 digits may say
0.99...) that node alone is recomputed exactly by sympy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction

import mpmath
import sympy
from mpmath import mp, mpf
from sympy.core.relational import Relational

Point = Mapping[str, Fraction]
Value = Fraction | mpf | bool

DIGITS = 60  # working precision of inexact values
PRECISE_DIGITS = 200  # a second look before two inexact values are called different
MAX_DECIMAL_EXPONENT = 100_000  # |value| < 10**this, else TooLarge
_MAX_BITS = 1 << 22  # an exact power beyond ~1.2 million digits is too costly to compare
_LOG_LIMIT = MAX_DECIMAL_EXPONENT * math.log(10)
_TRIG_LIMIT = 1e30  # sin of a larger argument needs that many digits just to reduce it
_RELATIVE = mpf("1e-25")
_ABSOLUTE = mpf("1e-40")


class Undefined(Exception):
    """The expression has no real value at this point (the message says why)."""


class TooLarge(Exception):
    """A value at this point is too large to compute in reasonable time."""


class _Jump(Exception):
    """An inexact value lies within rounding of a jump: this node must be computed exactly."""


class Evaluator:
    """Evaluates one expression (or relation) at points given as {name: Fraction}."""

    def __init__(self, expr: sympy.Basic):
        self.expr = expr
        self._fast = _compile(expr)

    def __call__(self, point: Point, digits: int = DIGITS) -> Value:
        with mp.workdps(digits):
            try:
                return self._fast(point)
            except ZeroDivisionError:
                raise Undefined("division by zero") from None
            except (OverflowError, mpmath.libmp.NoConvergence):
                raise TooLarge from None


def inexact(value: Value) -> bool:
    return isinstance(value, mpf)


def same(a: Value, b: Value) -> bool:
    """Are two values equal: exactly for rationals, up to a tiny relative error otherwise."""
    if isinstance(a, (Fraction, bool)) and isinstance(b, (Fraction, bool)):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    with mp.workdps(DIGITS):
        x, y = _real(a), _real(b)
        return bool(abs(x - y) <= _RELATIVE * max(abs(x), abs(y)) + _ABSOLUTE)


def show(value: Value, digits: int = 12) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Fraction):
        return str(value)
    return mpmath.nstr(value, digits)


def show_pair(got: Value, expected: Value) -> tuple[str, str]:
    """Both values as text, with enough digits that two different values do not print alike."""
    for digits in (12, 30, DIGITS):
        texts = show(got, digits), show(expected, digits)
        if texts[0] != texts[1]:
            break
    return texts


def not_real(value: sympy.Expr) -> str:
    """Why a number a student gave is not real ('' when it is real, or has variables)."""
    if not isinstance(value, sympy.Expr) or value.free_symbols:
        return ""
    try:
        Evaluator(value)({})
    except Undefined as error:
        reason = str(error)
        return f"it is {reason}" if reason.startswith("not a real number") else f"it is not a real number ({reason})"
    except TooLarge:
        return ""
    return ""


def _real(value: Fraction | mpf) -> mpf:
    if isinstance(value, Fraction):
        return mpf(value.numerator) / value.denominator
    return value


def _text(expr: sympy.Basic) -> str:
    text = str(expr)
    return text if len(text) <= 40 else text[:37] + "..."


def _compile(expr: sympy.Basic) -> Callable[[Point], Value]:
    """A closure computing `expr` at a point (see the module docstring)."""
    if isinstance(expr, sympy.Symbol):
        name = expr.name
        return lambda p: p[name]
    if isinstance(expr, sympy.Rational):
        constant = Fraction(int(expr.p), int(expr.q))
        return lambda p: constant
    if expr is sympy.pi:
        return lambda p: +mp.pi  # unary + rounds the constant to the working precision
    if expr is sympy.E:
        return lambda p: +mp.e
    if expr is sympy.true or expr is sympy.false:
        truth = bool(expr)
        return lambda p: truth
    args = [_compile(arg) for arg in expr.args]
    if isinstance(expr, sympy.Pow):
        return _power(*args, _text(expr.args[0]))
    if isinstance(expr, Relational) and expr.rel_op in _COMPARISONS:
        compare = _COMPARISONS[expr.rel_op]
        left, right = args
        return _exact_at_jumps(expr, lambda p: _compared(compare, left(p), right(p)))
    if type(expr) in _FUNCTIONS:
        function, what = _FUNCTIONS[type(expr)], _text(expr.args[0]) if expr.args else ""
        (argument,) = args
        fast = lambda p: function(argument(p), what)  # noqa: E731
    elif type(expr) in _COMBINE:
        combine = _COMBINE[type(expr)]
        fast = lambda p: combine([f(p) for f in args])  # noqa: E731
    else:
        return _by_sympy(expr)  # a class the judge does not know: sympy evaluates the subtree
    return _exact_at_jumps(expr, fast) if type(expr) in _JUMPS else fast


def _exact_at_jumps(expr: sympy.Basic, fast: Callable[[Point], Value]) -> Callable[[Point], Value]:
    exact = _by_sympy(expr)

    def node(p: Point) -> Value:
        try:
            return fast(p)
        except _Jump:
            return exact(p)

    return node


def _by_sympy(expr: sympy.Basic) -> Callable[[Point], Value]:
    symbols = {symbol.name: symbol for symbol in expr.free_symbols}

    def evaluated(p: Point) -> Value:
        value = expr.xreplace({s: sympy.Rational(p[name].numerator, p[name].denominator) for name, s in symbols.items()})
        if value is sympy.true or value is sympy.false:
            return bool(value)
        if value.has(sympy.zoo, sympy.nan, sympy.oo, sympy.S.NegativeInfinity):
            raise Undefined("division by zero or an undefined value")
        if value.is_Rational:
            return Fraction(int(value.p), int(value.q))
        if isinstance(value, sympy.Expr) and value.is_number:
            real, imaginary = value.evalf(mp.dps).as_real_imag()
            if not (imaginary.is_zero or abs(imaginary) <= _ABSOLUTE):
                raise Undefined(f"not a real number: {_text(value)}")
            if real.is_zero:
                return Fraction(0)
            if real.is_Float:
                return mp.make_mpf(real._mpf_)
        raise Undefined(f"cannot evaluate {_text(value)}")

    return evaluated


def _power(base: Callable, exponent: Callable, what: str) -> Callable[[Point], Value]:
    def power(p: Point) -> Value:
        b, e = base(p), exponent(p)
        if b == 0:
            if e < 0:
                raise Undefined("division by zero")
            return Fraction(1) if e == 0 else Fraction(0)
        if isinstance(e, Fraction) and e.denominator == 1 and isinstance(b, Fraction):
            size = max(b.numerator.bit_length(), b.denominator.bit_length())
            if size * abs(e.numerator) > _MAX_BITS:
                raise TooLarge
            return b ** e.numerator
        if b < 0:
            if isinstance(e, Fraction) and e.denominator == 1:
                return _checked_power(b, e)
            if isinstance(e, mpf) and abs(e - mp.nint(e)) < mpf(10) ** (10 - mp.dps):
                raise _Jump  # an integer exponent computed inexactly: only an exact value can tell
            raise Undefined(f"a negative number to a fractional power: {what} < 0, to the power {show(e)}")
        if isinstance(b, Fraction) and isinstance(e, Fraction):
            root = _exact_root(b, e.denominator)
            if root is not None:
                return _checked_power(root, Fraction(e.numerator))
        return _checked_power(b, e)

    return power


def _exact_root(b: Fraction, degree: int) -> Fraction | None:
    if max(b.numerator.bit_length(), b.denominator.bit_length()) > _MAX_BITS:
        return None
    roots = [sympy.integer_nthroot(part, degree) for part in (b.numerator, b.denominator)]
    return Fraction(roots[0][0], roots[1][0]) if roots[0][1] and roots[1][1] else None


def _checked_power(b: Fraction | mpf, e: Fraction | mpf) -> Value:
    if isinstance(b, Fraction) and isinstance(e, Fraction) and e.denominator == 1:
        size = max(b.numerator.bit_length(), b.denominator.bit_length())
        if size * abs(e.numerator) > _MAX_BITS:
            raise TooLarge
        return b ** e.numerator
    base = _real(b)
    exponent = int(e) if isinstance(e, Fraction) and e.denominator == 1 else _real(e)  # an int keeps (-x)^3 real
    if abs(exponent * mp.log(abs(base))) > _LOG_LIMIT:
        raise TooLarge
    return mp.power(base, exponent)


def _compared(compare: Callable, a: Value, b: Value) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return compare(a, b)
    x, y = _real(a), _real(b)
    if abs(x - y) <= _RELATIVE * max(abs(x), abs(y)) + _ABSOLUTE:
        raise _Jump
    return compare(x, y)


def _integer_part(value: Value, up: bool) -> Value:
    if isinstance(value, Fraction):
        return Fraction(math.ceil(value) if up else math.floor(value))
    if abs(value) >= mpf(10) ** (mp.dps - 10):
        return value  # beyond the digits kept, the value is its own integer part
    nearest = mp.nint(value)
    if abs(value - nearest) <= _RELATIVE * max(1, abs(value)):
        raise _Jump
    return mp.ceil(value) if up else mp.floor(value)


def _exp(x: Value, what: str) -> Value:
    if x == 0:
        return Fraction(1)
    if abs(x) > _LOG_LIMIT:
        raise TooLarge
    return mp.exp(_real(x))


def _log(x: Value, what: str) -> Value:
    if x <= 0:
        raise Undefined(f"log of zero or a negative number: {what} <= 0")
    return Fraction(0) if x == 1 else mp.log(_real(x))


def _periodic(function: Callable, at_zero: int | None) -> Callable[[Value, str], Value]:
    def periodic(x: Value, what: str) -> Value:
        if x == 0 and at_zero is not None:
            return Fraction(at_zero)
        if abs(x) > _TRIG_LIMIT:
            raise TooLarge
        return function(_real(x))

    return periodic


def _tan(x: Value, what: str) -> Value:
    if x == 0:
        return Fraction(0)
    if abs(x) > _TRIG_LIMIT:
        raise TooLarge
    if abs(mp.cos(_real(x))) < mpf(10) ** (10 - mp.dps):
        raise Undefined(f"tan at an odd multiple of pi/2: {what}")
    return mp.tan(_real(x))


def _growing(function: Callable, at_zero: int) -> Callable[[Value, str], Value]:
    """sinh and cosh grow like exp: the same size limit."""
    def growing(x: Value, what: str) -> Value:
        if x == 0:
            return Fraction(at_zero)
        if abs(x) > _LOG_LIMIT:
            raise TooLarge
        return function(_real(x))

    return growing


def _within(function: Callable, low: int | None, high: int | None, name: str, at_zero: int | None = 0,
            open_ends: bool = False) -> Callable[[Value, str], Value]:
    """An inverse function defined on [low, high] (or (low, high)); None is no bound."""
    def inverse(x: Value, what: str) -> Value:
        outside = (low is not None and (x < low or (open_ends and x == low))) or (
            high is not None and (x > high or (open_ends and x == high)))
        if outside:
            ends = f"({low}, {high})" if open_ends else f"[{low if low is not None else '-oo'}, {high if high is not None else 'oo'}]"
            raise Undefined(f"{name} of a number outside {ends}: {what}")
        if x == 0 and at_zero is not None:
            return Fraction(at_zero)
        if x == 1 and name == "acosh":
            return Fraction(0)
        return function(_real(x))

    return inverse


def _bounded(function: Callable, at_zero: int) -> Callable[[Value, str], Value]:
    def bounded(x: Value, what: str) -> Value:
        return Fraction(at_zero) if x == 0 else function(_real(x))

    return bounded


def _product(values: list[Value]) -> Value:
    if any(isinstance(v, Fraction) and v == 0 for v in values):
        return Fraction(0)
    if all(isinstance(v, Fraction) for v in values):
        return math.prod(values, start=Fraction(1))
    return mpmath.fprod([_real(v) for v in values])


def _sum(values: list[Value]) -> Value:
    exact = sum((v for v in values if isinstance(v, Fraction)), Fraction(0))
    rest = [v for v in values if not isinstance(v, Fraction)]
    return exact if not rest else mpmath.fsum([_real(exact), *rest])


def _mod(values: list[Value]) -> Value:
    a, b = values
    if b == 0:
        raise Undefined("division by zero (% 0)")
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a % b  # Python's % has sympy's Mod sign convention
    raise _Jump  # an inexact remainder: exactly, by sympy


def _delta(values: list[Value]) -> Value:
    a, b = values
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return Fraction(int(a == b))
    raise _Jump


def _extreme(pick: Callable) -> Callable[[list[Value]], Value]:
    return lambda values: pick(values, key=_real)


_FUNCTIONS: dict[type, Callable[[Value, str], Value]] = {
    sympy.exp: _exp,
    sympy.log: _log,
    sympy.sin: _periodic(mp.sin, 0),
    sympy.cos: _periodic(mp.cos, 1),
    sympy.tan: _tan,
    sympy.asin: _within(mp.asin, -1, 1, "asin"),
    sympy.acos: _within(mp.acos, -1, 1, "acos", at_zero=None),
    sympy.atan: _bounded(mp.atan, 0),
    sympy.sinh: _growing(mp.sinh, 0),
    sympy.cosh: _growing(mp.cosh, 1),
    sympy.tanh: _bounded(mp.tanh, 0),
    sympy.asinh: _bounded(mp.asinh, 0),
    sympy.acosh: _within(mp.acosh, 1, None, "acosh", at_zero=None),
    sympy.atanh: _within(mp.atanh, -1, 1, "atanh", open_ends=True),
    sympy.floor: lambda x, what: _integer_part(x, up=False),
    sympy.ceiling: lambda x, what: _integer_part(x, up=True),
    sympy.Abs: lambda x, what: abs(x),
}
_COMBINE: dict[type, Callable[[list], Value]] = {
    sympy.Add: _sum,
    sympy.Mul: _product,
    sympy.Max: _extreme(max),
    sympy.Min: _extreme(min),
    sympy.KroneckerDelta: _delta,
    sympy.Mod: _mod,
    sympy.And: all,
    sympy.Or: any,
    sympy.Not: lambda v: not v[0],
}
_JUMPS = {sympy.floor, sympy.ceiling, sympy.KroneckerDelta, sympy.Mod}  # may raise _Jump: computed exactly then
_COMPARISONS: dict[str, Callable[[object, object], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}
