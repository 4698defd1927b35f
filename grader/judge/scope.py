"""The names an expression of a question may use, as sympy symbols.

It takes a spec's params and variables as plain mappings, so the judge needs no spec model.

Parameters (drawn per student) and a symbolic question's variables become symbols with
the assumptions of their values, so that sympy reasons about integers as integers.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import sympy

from grader.judge.equivalence import Domain


def param_symbols(params: Mapping[str, object]) -> dict[str, sympy.Symbol]:
    """Symbols for the numeric parameters; text parameters only fill prompts.

    `params` maps a name to its values: a list, or an integer range (anything that is not a
    list or tuple, such as the spec's `IntRange`).
    """
    symbols = {}
    for name, values in params.items():
        if not isinstance(values, (list, tuple)) or all(type(v) is int for v in values):
            symbols[name] = sympy.Symbol(name, integer=True)
        elif all(type(v) in (int, float) for v in values):
            symbols[name] = sympy.Symbol(name, real=True)
    return symbols


def variable_symbols(variables: Mapping[str, object]) -> dict[str, sympy.Symbol]:
    """Symbols for a symbolic question's variables (each with a `kind`: integer or real)."""
    return {
        name: sympy.Symbol(name, integer=True) if domain.kind == "integer" else sympy.Symbol(name, real=True)
        for name, domain in variables.items()
    }


def question_symbols(params: Mapping[str, object], variables: Mapping[str, object]) -> dict[str, sympy.Symbol]:
    """Everything an answer key or feedback rule of a question may name: its exercise's params and its variables."""
    return {**param_symbols(params), **variable_symbols(variables)}


def answer_symbols(params: Mapping[str, object], variables: Mapping[str, object],
                   values: Mapping[str, object]) -> dict[str, sympy.Basic]:
    """The names a student's answer may use, the params standing for the variant's values: the
    parser then checks every number they make as it builds it (`10**(99999*steps)` with steps = 20
    is refused by the exponent cap), where putting the values in afterwards had sympy compute
    a two-million-digit number first."""
    plugged = {name: exact(values[name]) for name in param_symbols(params) if name in values}
    return {**question_symbols(params, variables), **{name: value for name, value in plugged.items()
                                                       if name not in variables}}


def domains(variables: Mapping[str, object]) -> dict[sympy.Symbol, Domain]:
    """Where each variable ranges (each with `kind`, `bounds` and `item_of`), for the judge."""
    symbols = variable_symbols(variables)
    return {symbols[name]: Domain(d.kind, *d.bounds, item=d.item_of) for name, d in variables.items()}


def substitute(expression: sympy.Basic, params: Mapping[str, object], values: dict[str, object]) -> sympy.Basic:
    """Put a variant's parameter values into an expression."""
    symbols = param_symbols(params)
    return put_numbers(expression, {symbols[name]: exact(value) for name, value in values.items() if name in symbols})


# Where a symbol can be bound inside the expression, only subs knows to leave it (or to make a Subs)
_BINDING = (sympy.Derivative, sympy.Integral, sympy.Sum, sympy.Product, sympy.Subs, sympy.Lambda)


def put_numbers(expression: sympy.Basic, numbers: Mapping[sympy.Symbol, sympy.Number]) -> sympy.Basic:
    """`expression` with each symbol of `numbers` replaced by its number, evaluated as `subs` would.

    Replacing symbols by numbers needs none of subs' pattern matching: the tree is rebuilt with its
    constructors, which evaluate as subs does (a quiz's keys and constraints: ~35x faster, the same
    values on every bundled key over 20 variants each); where a symbol may be bound, subs as before.
    """
    if expression.has(*_BINDING):
        return expression.subs(numbers)
    return expression.xreplace(numbers)


def exact(value: object) -> sympy.Number:
    """A parameter value as an exact sympy number (floats by their decimal text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{value!r} is not a number")
    if isinstance(value, int):
        return sympy.Integer(value)
    fraction = Fraction(repr(value))  # the decimal the author wrote, exactly; no string reaches sympy
    return sympy.Rational(fraction.numerator, fraction.denominator)
