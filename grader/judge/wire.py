"""Sympy expressions as plain JSON data, for the trip into the judge worker.

Nothing is pickled and no text is evaluated: `encode` writes a nested list of class names
and numbers, `decode` rebuilds it from a whitelist of sympy classes only. Anything outside
the whitelist (a Float, an unknown function) raises `WireError`.
"""

from __future__ import annotations

import math
import re

import sympy

_CLASSES = {
    cls.__name__: cls
    for cls in (
        sympy.Add, sympy.Mul, sympy.Pow, sympy.Mod, sympy.floor, sympy.ceiling, sympy.Abs,
        sympy.Max, sympy.Min, sympy.exp, sympy.log, sympy.KroneckerDelta,
        sympy.sin, sympy.cos, sympy.tan, sympy.asin, sympy.acos, sympy.atan,
        sympy.sinh, sympy.cosh, sympy.tanh, sympy.asinh, sympy.acosh, sympy.atanh,
        sympy.Eq, sympy.Ne, sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge, sympy.And, sympy.Or, sympy.Not,
    )
}
_CONSTANTS = {
    "pi": sympy.pi, "E": sympy.E, "I": sympy.I, "zoo": sympy.zoo, "nan": sympy.nan,
    "oo": sympy.oo, "-oo": sympy.S.NegativeInfinity, "true": sympy.true, "false": sympy.false,
}
_MAX_DEPTH = 200
_MAX_DIGITS = 4000  # below Python's int-from-text limit
_MAX_BITS = int(_MAX_DIGITS * math.log2(10))  # a number of this many bits has at most _MAX_DIGITS digits


class WireError(ValueError):
    """An expression that cannot travel to the worker (or malformed data from it)."""


def encode(expr: sympy.Basic) -> object:
    """A JSON-able tree for `expr`."""
    for name, constant in _CONSTANTS.items():
        if expr is constant:
            return ["Const", name]
    if isinstance(expr, sympy.Symbol) and type(expr) is sympy.Symbol:
        assumptions = {key: value for key, value in expr.assumptions0.items() if isinstance(value, bool)}
        return ["Symbol", expr.name, assumptions]
    if isinstance(expr, sympy.Rational):
        if max(abs(expr.p), expr.q).bit_length() > _MAX_BITS:  # before str(), which Python refuses past 4,300 digits
            raise WireError(f"cannot judge expressions holding a number of more than {_MAX_DIGITS:,} digits")
        return ["Integer", str(expr.p)] if isinstance(expr, sympy.Integer) else ["Rational", str(expr.p), str(expr.q)]
    name = type(expr).__name__
    if _CLASSES.get(name) is not type(expr):
        raise WireError(f"cannot judge expressions containing {name} ({str(expr)[:40]})")
    return [name, *(encode(arg) for arg in expr.args)]


def decode(data: object, depth: int = 0) -> sympy.Basic:
    """Rebuild what `encode` wrote, trusting nothing in it."""
    if depth > _MAX_DEPTH or not isinstance(data, list) or not data or not isinstance(data[0], str):
        raise WireError("malformed expression data")
    tag, rest = data[0], data[1:]
    if tag == "Const" and len(rest) == 1 and rest[0] in _CONSTANTS:
        return _CONSTANTS[rest[0]]
    if tag == "Symbol" and len(rest) == 2 and isinstance(rest[0], str) and isinstance(rest[1], dict):
        if not all(isinstance(key, str) and isinstance(value, bool) for key, value in rest[1].items()):
            raise WireError("malformed symbol assumptions")
        return sympy.Symbol(rest[0], **rest[1])
    if tag == "Integer" and len(rest) == 1:
        return sympy.Integer(_integer(rest[0]))
    if tag == "Rational" and len(rest) == 2:
        return sympy.Rational(_integer(rest[0]), _integer(rest[1]))
    if tag in _CLASSES:
        return _CLASSES[tag](*(decode(arg, depth + 1) for arg in rest))
    raise WireError(f"unknown expression tag {tag!r}")


def _integer(text: object) -> int:
    if not isinstance(text, str) or len(text) > _MAX_DIGITS or not re.fullmatch(r"-?[0-9]+", text):
        raise WireError("malformed integer")
    return int(text)
