"""Exact values of expressions at sample points.

An expression is compiled once into a tree of closures over `fractions.Fraction`
(microseconds a point, exact for integers and rationals). Where a value is irrational
(sqrt(2), exp(1/2)) the closure gives up and sympy evaluates the whole expression instead:
exactly if the result is rational, else as a 60-digit float, compared with a tiny relative
tolerance (`same`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction

import sympy
from sympy.core.relational import Relational

Point = Mapping[str, Fraction]
Value = Fraction | sympy.Float | bool

_MAX_BITS = 1 << 22  # a power beyond ~1.2 million digits is too costly to compare
_DIGITS = 60
_RELATIVE = sympy.Float("1e-25", _DIGITS)
_ABSOLUTE = sympy.Float("1e-40", _DIGITS)


class Undefined(Exception):
    """The expression has no real value at this point (the message says why)."""


class TooLarge(Exception):
    """A value at this point is too large to compute in reasonable time."""


class _Inexact(Exception):
    """The value is not rational: leave it to sympy."""


class Evaluator:
    """Evaluates one expression (or relation) at points given as {name: Fraction}."""

    def __init__(self, expr: sympy.Basic):
        self.expr = expr
        self._symbols = {symbol.name: symbol for symbol in expr.free_symbols}
        self._fast = _compile(expr)

    def __call__(self, point: Point) -> Value:
        try:
            return self._fast(point)
        except _Inexact:
            return _with_sympy(self.expr, {s: _rational(point[name]) for name, s in self._symbols.items()})
        except ZeroDivisionError:
            raise Undefined("division by zero") from None


def same(a: Value, b: Value) -> bool:
    """Are two values equal: exactly for rationals, up to a tiny relative error otherwise."""
    if isinstance(a, (Fraction, bool)) and isinstance(b, (Fraction, bool)):
        return a == b
    x, y = (sympy.Float(_rational(v), _DIGITS) if isinstance(v, Fraction) else v for v in (a, b))
    return bool(abs(x - y) <= _RELATIVE * max(abs(x), abs(y)) + _ABSOLUTE)


def show(value: Value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Fraction):
        return str(value)
    return str(sympy.Float(value, 12))


def _rational(value: Fraction) -> sympy.Rational:
    return sympy.Rational(value.numerator, value.denominator)


def _with_sympy(expr: sympy.Basic, values: Mapping[sympy.Symbol, sympy.Rational]) -> Value:
    value = expr.xreplace(values)
    if value is sympy.true or value is sympy.false:
        return bool(value)
    if value.has(sympy.zoo, sympy.nan, sympy.oo, sympy.S.NegativeInfinity):
        raise Undefined("division by zero or an undefined value")
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, sympy.Expr) and value.is_number:
        approx = value.evalf(_DIGITS)
        real, imaginary = approx.as_real_imag()
        if real.is_Float or real.is_zero:
            if imaginary.is_zero or abs(imaginary) <= _ABSOLUTE:
                return sympy.Float(real, _DIGITS)
            raise Undefined("not a real number (a root or log of a negative number?)")
    raise Undefined(f"cannot evaluate {str(value)[:40]}")


def _compile(expr: sympy.Basic) -> Callable[[Point], Value]:
    """A closure computing `expr` with Fractions; raises _Inexact where that is impossible."""
    if isinstance(expr, sympy.Symbol):
        name = expr.name
        return lambda p: p[name]
    if isinstance(expr, sympy.Rational):
        constant = Fraction(int(expr.p), int(expr.q))
        return lambda p: constant
    if expr is sympy.true or expr is sympy.false:
        truth = bool(expr)
        return lambda p: truth
    args = [_compile(arg) for arg in expr.args]
    if isinstance(expr, sympy.Pow):
        return _power(*args)
    if isinstance(expr, Relational):
        compare = _COMPARISONS.get(expr.rel_op)
        if compare is not None:
            left, right = args
            return lambda p: compare(left(p), right(p))
    combine = _COMBINE.get(type(expr))
    if combine is not None:
        return lambda p: combine([f(p) for f in args])
    # Anything else (e.g. floor(sqrt(2)*n)): sympy evaluates the subtree; fine if rational.
    symbols = {symbol.name: symbol for symbol in expr.free_symbols}

    def by_sympy(p: Point) -> Value:
        value = _with_sympy(expr, {s: _rational(p[name]) for name, s in symbols.items()})
        if isinstance(value, sympy.Float):
            raise _Inexact
        return value

    return by_sympy


def _power(base: Callable, exponent: Callable) -> Callable[[Point], Fraction]:
    def power(p: Point) -> Fraction:
        b, e = base(p), exponent(p)
        if b == 0 and e < 0:
            raise Undefined("division by zero")
        if e.denominator == 1:
            size = max(b.numerator.bit_length(), b.denominator.bit_length())
            if size * abs(e.numerator) > _MAX_BITS:
                raise TooLarge
            return b ** e.numerator
        if b < 0:
            raise _Inexact  # sympy decides (a complex root gives Undefined there)
        roots = [math.isqrt(part) if e.denominator == 2 else sympy.integer_nthroot(part, e.denominator)[0]
                 for part in (b.numerator, b.denominator)]
        if Fraction(roots[0], roots[1]) ** e.denominator != b:
            raise _Inexact
        return Fraction(roots[0], roots[1]) ** e.numerator

    return power


def _exp(values: list[Fraction]) -> Fraction:
    if values[0] != 0:
        raise _Inexact
    return Fraction(1)


def _log(values: list[Fraction]) -> Fraction:
    if values[0] <= 0:
        raise Undefined("log of zero or a negative number")
    if values[0] != 1:
        raise _Inexact
    return Fraction(0)


def _mod(values: list[Fraction]) -> Fraction:
    if values[1] == 0:
        raise Undefined("division by zero (% 0)")
    return values[0] % values[1]  # Python's % has sympy's Mod sign convention


def _product(values: list[Fraction]) -> Fraction:
    return math.prod(values, start=Fraction(1))


_COMBINE: dict[type, Callable[[list], Value]] = {
    sympy.Add: lambda v: sum(v, Fraction(0)),
    sympy.Mul: _product,
    sympy.floor: lambda v: Fraction(math.floor(v[0])),
    sympy.ceiling: lambda v: Fraction(math.ceil(v[0])),
    sympy.Abs: lambda v: abs(v[0]),
    sympy.Max: max,
    sympy.Min: min,
    sympy.KroneckerDelta: lambda v: Fraction(int(v[0] == v[1])),
    sympy.Mod: _mod,
    sympy.exp: _exp,
    sympy.log: _log,
    sympy.And: all,
    sympy.Or: any,
    sympy.Not: lambda v: not v[0],
}
_COMPARISONS: dict[str, Callable[[Fraction, Fraction], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}
