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

Each precision has its own mpmath context (`_Compiler`): switching mpmath's global precision
at every point cost more than the arithmetic, and would disturb other users of mpmath.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction

import mpmath
import sympy
from mpmath.ctx_mp_python import _mpf
from sympy.core.relational import Relational

from grader.i18n import _

Point = Mapping[str, Fraction]
Value = Fraction | _mpf | bool  # _mpf: an mpmath number (of a private context, see _Compiler)

DIGITS = 60  # working precision of inexact values
PRECISE_DIGITS = 200  # a second look before two inexact values are called different
MAX_DECIMAL_EXPONENT = 100_000  # |value| < 10**this, else TooLarge
_MAX_BITS = 1 << 22  # an exact value (a power, a sum, a product) beyond ~1.2 million digits is too costly
_LOG_LIMIT = MAX_DECIMAL_EXPONENT * math.log(10)
_SHOWN_BITS = 200  # a rational of up to ~60 digits is shown exactly
_TRIG_LIMIT = 1e30  # sin of a larger argument needs that many digits just to reduce it
_RELATIVE = mpmath.mpf("1e-25")
_ABSOLUTE = mpmath.mpf("1e-40")


class Undefined(Exception):
    """The expression has no real value at this point (the message says why)."""

    def __init__(self, message: str, *, complex_value: bool = False):
        super().__init__(message)
        self.complex_value = complex_value  # the value exists, but is not real


class TooLarge(Exception):
    """A value at this point is too large to compute in reasonable time."""


class _Jump(Exception):
    """An inexact value lies within rounding of a jump: this node must be computed exactly."""


class Evaluator:
    """Evaluates one expression (or relation) at points given as {name: Fraction}."""

    def __init__(self, expr: sympy.Basic):
        self.expr = expr
        self._compiled: dict[int, Callable[[Point], Value]] = {}

    def __call__(self, point: Point, digits: int = DIGITS) -> Value:
        compiled = self._compiled.get(digits)
        if compiled is None:
            compiled = self._compiled[digits] = _Compiler.at(digits).compile(self.expr)
        try:
            return compiled(point)
        except ZeroDivisionError:
            raise Undefined(_("division by zero")) from None
        except (OverflowError, mpmath.libmp.NoConvergence):
            raise TooLarge from None


def inexact(value: Value) -> bool:
    return isinstance(value, _mpf)


def same(a: Value, b: Value) -> bool:
    """Are two values equal: exactly for rationals, up to a tiny relative error otherwise."""
    if isinstance(a, (Fraction, bool)) and isinstance(b, (Fraction, bool)):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    return _Compiler.at(DIGITS).close(a, b)


def show(value: Value, digits: int = 12) -> str:
    """A value as text: a rational exactly while short, else in scientific notation (the exact
    digits of a 10^30000 are no help to a student, and Python refuses to print them)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Fraction):
        if _size(value) <= _SHOWN_BITS:
            return str(value)
        value = _Compiler.at(DIGITS).real(value)
    return mpmath.nstr(value, digits)


def _size(value: Fraction) -> int:
    return max(value.numerator.bit_length(), value.denominator.bit_length())


def _exact_bits(values: list[Value]) -> int:
    """The bits of the exact values, whose sum or product has at most as many."""
    return sum(value.numerator.bit_length() + value.denominator.bit_length()
               for value in values if type(value) is Fraction)


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
        return (_("it is {reason}") if error.complex_value else _("it is not a real number ({reason})")).format(reason=error)
    except Exception:  # noqa: BLE001 - a reason is a courtesy: never let it break the marking
        return ""
    return ""


def _text(expr: sympy.Basic) -> str:
    text = str(expr)
    return text if len(text) <= 40 else text[:37] + "..."


class _Compiler:
    """Builds the closures for one working precision, in a private mpmath context."""

    _by_digits: dict[int, _Compiler] = {}

    @classmethod
    def at(cls, digits: int) -> _Compiler:
        if digits not in cls._by_digits:
            cls._by_digits[digits] = cls(digits)
        return cls._by_digits[digits]

    def __init__(self, digits: int):
        self.ctx = ctx = mpmath.MPContext()
        ctx.dps = digits
        self.rounding = ctx.mpf(10) ** (10 - digits)  # this close to a jump, only an exact value can tell
        self.pi, self.e = +ctx.pi, +ctx.e
        self.functions: dict[type, Callable[[Value, str], Value]] = {
            sympy.exp: self._exp,
            sympy.log: self._log,
            sympy.sin: self._limited(ctx.sin, 0, _TRIG_LIMIT),
            sympy.cos: self._limited(ctx.cos, 1, _TRIG_LIMIT),
            sympy.tan: self._tan,
            sympy.asin: self._within(ctx.asin, -1, 1, "asin"),
            sympy.acos: self._within(ctx.acos, -1, 1, "acos", at_zero=None),
            sympy.atan: self._bounded(ctx.atan),
            sympy.sinh: self._limited(ctx.sinh, 0, _LOG_LIMIT),
            sympy.cosh: self._limited(ctx.cosh, 1, _LOG_LIMIT),
            sympy.tanh: self._bounded(ctx.tanh),
            sympy.asinh: self._bounded(ctx.asinh),
            sympy.acosh: self._within(ctx.acosh, 1, None, "acosh", at_zero=None),
            sympy.atanh: self._within(ctx.atanh, -1, 1, "atanh", open_ends=True),
            sympy.floor: self._floor,
            sympy.ceiling: self._ceiling,
            sympy.Abs: lambda x, what: abs(x),
        }
        self.combine: dict[type, Callable[[list], Value]] = {
            sympy.Add: self._sum,
            sympy.Mul: self._product,
            sympy.Max: lambda values: max(values, key=self.real),
            sympy.Min: lambda values: min(values, key=self.real),
            sympy.KroneckerDelta: _delta,
            sympy.Mod: _mod,
            sympy.And: all,
            sympy.Or: any,
            sympy.Not: lambda v: not v[0],
        }

    def real(self, value: Fraction | _mpf) -> _mpf:
        if isinstance(value, Fraction):
            return self.ctx.mpf(value.numerator) / value.denominator
        return value

    def close(self, a: Value, b: Value) -> bool:
        x, y = self.real(a), self.real(b)
        return bool(abs(x - y) <= _RELATIVE * max(abs(x), abs(y)) + _ABSOLUTE)

    def compile(self, expr: sympy.Basic) -> Callable[[Point], Value]:
        """A closure computing `expr` at a point (see the module docstring)."""
        if isinstance(expr, sympy.Symbol):
            name = expr.name
            return lambda p: p[name]
        if isinstance(expr, sympy.Rational):
            constant = Fraction(int(expr.p), int(expr.q))
            return lambda p: constant
        if expr is sympy.pi or expr is sympy.E:
            number = self.pi if expr is sympy.pi else self.e
            return lambda p: number
        if expr is sympy.true or expr is sympy.false:
            truth = bool(expr)
            return lambda p: truth
        args = [self.compile(arg) for arg in expr.args]
        if isinstance(expr, sympy.Pow):
            return self._power(*args, _text(expr.args[0]))
        if isinstance(expr, Relational) and expr.rel_op in _COMPARISONS:
            return self._relation(expr, _COMPARISONS[expr.rel_op], *args)
        if type(expr) in self.functions:
            function, what = self.functions[type(expr)], _text(expr.args[0]) if expr.args else ""
            (argument,) = args
            fast = lambda p: function(argument(p), what)  # noqa: E731
        elif type(expr) in self.combine:
            combine = self.combine[type(expr)]
            fast = lambda p: combine([f(p) for f in args])  # noqa: E731
        else:
            return self._by_sympy(expr)  # a class the judge does not know: sympy evaluates the subtree
        return self._exact_at_jumps(expr, fast) if type(expr) in _JUMPS else fast

    def _exact_at_jumps(self, expr: sympy.Basic, fast: Callable[[Point], Value]) -> Callable[[Point], Value]:
        exact: list[Callable[[Point], Value]] = []  # built at the first jump: most nodes never meet one

        def node(p: Point) -> Value:
            try:
                return fast(p)
            except _Jump:
                if not exact:
                    exact.append(self._by_sympy(expr))
                return exact[0](p)

        return node

    def _relation(self, expr: sympy.Basic, compare: Callable, left: Callable, right: Callable
                  ) -> Callable[[Point], bool]:
        """A comparison: exact on rationals (constraints are checked at every point drawn), else at
        the working precision, and exactly by sympy where the two sides are within rounding."""
        exact: list[Callable[[Point], Value]] = []

        def relation(p: Point) -> bool:
            a, b = left(p), right(p)
            if type(a) is Fraction and type(b) is Fraction:
                return compare(a, b)
            if not self.close(a, b):
                return compare(self.real(a), self.real(b))
            if not exact:
                exact.append(self._by_sympy(expr))
            return exact[0](p)

        return relation

    def _by_sympy(self, expr: sympy.Basic) -> Callable[[Point], Value]:
        symbols = {symbol.name: symbol for symbol in expr.free_symbols}
        ctx = self.ctx

        def evaluated(p: Point) -> Value:
            value = expr.xreplace({s: sympy.Rational(p[name].numerator, p[name].denominator)
                                   for name, s in symbols.items()})
            if value is sympy.true or value is sympy.false:
                return bool(value)
            if value.has(sympy.zoo, sympy.nan, sympy.oo, sympy.S.NegativeInfinity):
                raise Undefined(_("division by zero or an undefined value"))
            if value.is_Rational:
                return Fraction(int(value.p), int(value.q))
            if isinstance(value, sympy.Expr) and value.is_number:
                real, imaginary = value.evalf(ctx.dps).as_real_imag()
                if not (imaginary.is_zero or abs(imaginary) <= _ABSOLUTE):
                    raise Undefined(_("not a real number: {value}").format(value=_text(value)), complex_value=True)
                if real.is_zero:
                    return Fraction(0)
                if real.is_Float:
                    return ctx.make_mpf(real._mpf_)
            raise Undefined(_("cannot evaluate {value}").format(value=_text(value)))

        return evaluated

    def _power(self, base: Callable, exponent: Callable, what: str) -> Callable[[Point], Value]:
        def power(p: Point) -> Value:
            b, e = base(p), exponent(p)
            if type(b) is Fraction and type(e) is Fraction and e.denominator == 1:  # the common case, exact
                if _size(b) * abs(e.numerator) > _MAX_BITS:
                    raise TooLarge
                return b ** e.numerator  # 0 ** -1: ZeroDivisionError, "division by zero"
            if b == 0:
                if e < 0:
                    raise Undefined(_("division by zero"))
                return Fraction(1) if e == 0 else Fraction(0)
            if b < 0:
                if isinstance(e, Fraction) and e.denominator == 1:
                    return self._checked_power(b, e)
                if isinstance(e, _mpf) and abs(e - self.ctx.nint(e)) < self.rounding:
                    raise _Jump  # an integer exponent computed inexactly: only an exact value can tell
                raise Undefined(_("a negative number to a fractional power: {base} < 0, to the power {exponent}").format(
                    base=what, exponent=show(e)))
            if isinstance(b, Fraction) and isinstance(e, Fraction) and e.denominator != 1:
                root = _exact_root(b, e.denominator)
                if root is not None:
                    return self._checked_power(root, Fraction(e.numerator))
            return self._checked_power(b, e)

        return power

    def _checked_power(self, b: Fraction | _mpf, e: Fraction | _mpf) -> Value:
        integer = isinstance(e, Fraction) and e.denominator == 1
        if integer and isinstance(b, Fraction):
            if _size(b) * abs(e.numerator) > _MAX_BITS:
                raise TooLarge
            return b ** e.numerator
        base = self.real(b)
        exponent = int(e) if integer else self.real(e)  # an int keeps (-x)^3 real
        if abs(exponent * self.ctx.log(abs(base))) > _LOG_LIMIT:
            raise TooLarge
        return self.ctx.power(base, exponent)

    def _floor(self, value: Value, what: str) -> Value:
        return Fraction(math.floor(value)) if type(value) is Fraction else self._integer_part(value, up=False)

    def _ceiling(self, value: Value, what: str) -> Value:
        return Fraction(math.ceil(value)) if type(value) is Fraction else self._integer_part(value, up=True)

    def _integer_part(self, value: _mpf, up: bool) -> Value:
        if abs(value) * self.rounding >= 1:
            return value  # beyond the digits kept, the value is its own integer part
        if abs(value - self.ctx.nint(value)) <= _RELATIVE * max(1, abs(value)):
            raise _Jump
        return self.ctx.ceil(value) if up else self.ctx.floor(value)

    def _exp(self, x: Value, what: str) -> Value:
        if x == 0:
            return Fraction(1)
        if abs(x) > _LOG_LIMIT:
            raise TooLarge
        return self.ctx.exp(self.real(x))

    def _log(self, x: Value, what: str) -> Value:
        if x <= 0:
            raise Undefined(_("log of zero or a negative number: {value} <= 0").format(value=what))
        return Fraction(0) if x == 1 else self.ctx.log(self.real(x))

    def _limited(self, function: Callable, at_zero: int, limit: float) -> Callable[[Value, str], Value]:
        """`function` exact at 0, refused past `limit`: sin and cos at _TRIG_LIMIT (reducing a larger
        argument needs that many digits), sinh and cosh at _LOG_LIMIT (they grow like exp)."""
        def limited(x: Value, what: str) -> Value:
            if x == 0:
                return Fraction(at_zero)
            if abs(x) > limit:
                raise TooLarge
            return function(self.real(x))

        return limited

    def _tan(self, x: Value, what: str) -> Value:
        if x == 0:
            return Fraction(0)
        if abs(x) > _TRIG_LIMIT:
            raise TooLarge
        if abs(self.ctx.cos(self.real(x))) < self.rounding:
            raise Undefined(_("tan at an odd multiple of pi/2: {value}").format(value=what))
        return self.ctx.tan(self.real(x))

    def _within(self, function: Callable, low: int | None, high: int | None, name: str, at_zero: int | None = 0,
                open_ends: bool = False) -> Callable[[Value, str], Value]:
        """An inverse function defined on [low, high] (or (low, high)); None is no bound."""
        ends = f"({low}, {high})" if open_ends else f"[{low}, {high if high is not None else 'oo'}]"

        def inverse(x: Value, what: str) -> Value:
            if (low is not None and (x < low or (open_ends and x == low))) or (
                    high is not None and (x > high or (open_ends and x == high))):
                raise Undefined(_("{function} of a number outside {ends}: {value}").format(function=name, ends=ends, value=what))
            if x == 0 and at_zero is not None:
                return Fraction(at_zero)
            if x == 1 and name == "acosh":
                return Fraction(0)
            return function(self.real(x))

        return inverse

    def _bounded(self, function: Callable) -> Callable[[Value, str], Value]:
        """atan, tanh, asinh: defined everywhere, 0 at 0."""
        return lambda x, what: Fraction(0) if x == 0 else function(self.real(x))

    def _product(self, values: list[Value]) -> Value:
        if _exact_bits(values) > _MAX_BITS:  # each factor is bounded, their product must be too
            raise TooLarge
        try:
            return math.prod(values, start=Fraction(1))  # all exact: the common case
        except TypeError:
            pass
        if any(isinstance(v, Fraction) and v == 0 for v in values):
            return Fraction(0)
        return self.ctx.fprod([self.real(v) for v in values])

    def _sum(self, values: list[Value]) -> Value:
        if _exact_bits(values) > _MAX_BITS:  # a sum of fractions has the product of their denominators
            raise TooLarge
        try:
            return sum(values, Fraction(0))  # all exact: the common case
        except TypeError:
            return self.ctx.fsum([self.real(v) for v in values])


def _exact_root(b: Fraction, degree: int) -> Fraction | None:
    if _size(b) > _MAX_BITS:
        return None
    roots = [sympy.integer_nthroot(part, degree) for part in (b.numerator, b.denominator)]
    return Fraction(roots[0][0], roots[1][0]) if roots[0][1] and roots[1][1] else None


def _mod(values: list[Value]) -> Value:
    a, b = values
    if b == 0:
        raise Undefined(_("division by zero (% 0)"))
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a % b  # Python's % has sympy's Mod sign convention
    raise _Jump  # an inexact remainder: exactly, by sympy


def _delta(values: list[Value]) -> Value:
    a, b = values
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return Fraction(int(a == b))
    raise _Jump


_JUMPS = {sympy.floor, sympy.ceiling, sympy.KroneckerDelta, sympy.Mod}  # may raise _Jump: computed exactly then
_COMPARISONS: dict[str, Callable[[object, object], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}
