"""Size rules on the sympy objects the safe parser builds.

Two rules keep parsing and judging cheap whatever a student types:

* Numbers stay small. Every number-valued subexpression is checked as soon as it is
  built, so sympy never gets to compute something like ``floor(exp(10**30))`` (which it
  would try to do exactly, and hang). A numeric power is estimated before sympy computes it.
* No power towers. A numeric exponent is at most ``max_exponent`` in size. An exponent that
  contains a variable (``2**k``, ``(1 - p)**n``, ``10000**(2*j/d)``) may not itself hold a
  power with a variable exponent, an ``exp``, or a power above 1 (``2**(k**2)``), and its
  numbers are at most ``max_exponent`` too. The same holds for the argument of ``exp``.
  This is checked on the final expression, after sympy has combined ``(2**k)**64`` into
  ``2**(64*k)``, because that final form is what the judge evaluates.
"""

from __future__ import annotations

import math

import sympy


class ExpressionError(ValueError):
    """A malformed or refused expression; the message says what is wrong and how to fix it."""


Refusal = ExpressionError  # short local name for the raises below


def check_number(value: sympy.Basic, max_digits: int) -> None:
    """Refuse a number-valued expression with more than `max_digits` digits, or a non-real one."""
    if not isinstance(value, sympy.Expr):
        return
    if value.has(sympy.zoo, sympy.nan, sympy.oo, sympy.S.NegativeInfinity):
        raise Refusal("the expression divides by zero or is undefined (e.g. 1/0 or log(0))")
    if value.free_symbols:
        return
    if value.is_Rational:
        size = max(abs(value.p), value.q)
        if size.bit_length() > max_digits * 3.33:
            raise Refusal(f"a number in the expression has more than {max_digits} digits")
        return
    approx = value.evalf(15)  # cheap: every part of `value` already passed this check
    if not approx.is_number or approx.has(sympy.I) or not approx.is_real:
        raise Refusal("the expression is not a real number (square root or log of a negative number?)")
    if approx != 0 and abs(approx) >= sympy.Float(10) ** max_digits:
        raise Refusal(f"a number in the expression has more than {max_digits} digits")


def check_numeric_power(base: sympy.Expr, exponent: sympy.Expr, max_exponent: int, max_digits: int) -> None:
    """Refuse a number**number that is too large to compute, before sympy computes it."""
    if exponent.free_symbols:
        return
    if not exponent.is_real:
        raise Refusal("the exponent is not a real number")
    check_exponent_number(exponent, max_exponent)
    if base.free_symbols:
        return
    # Estimated digits of the result: |exponent| * log10(|base|), with 1/base for negatives.
    size = abs(base.evalf(15)) if not base.is_Rational else max(abs(base.p), base.q)
    if size > 1 and float(abs(exponent.evalf(15))) * math.log10(float(size)) > max_digits:
        raise Refusal(f"the power is too large (more than {max_digits} digits); use a smaller exponent")


def check_exponent_number(exponent: sympy.Expr, max_exponent: int) -> None:
    if exponent.is_Rational:
        too_big = abs(exponent.p) > max_exponent or exponent.q > max_exponent
    else:
        too_big = abs(exponent.evalf(15)) > max_exponent
    if too_big:
        raise Refusal(f"the exponent {exponent} is too large; exponents may be at most {max_exponent}")


def check_powers(expr: sympy.Basic, max_exponent: int) -> None:
    """Apply the exponent rules (module docstring) to a whole built expression."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Pow):
            if node.exp.free_symbols:
                _check_variable_exponent(node.exp, max_exponent)
            else:
                check_exponent_number(node.exp, max_exponent)
        elif isinstance(node, sympy.exp) and node.args[0].free_symbols:
            _check_variable_exponent(node.args[0], max_exponent)


def _check_variable_exponent(exponent: sympy.Expr, max_exponent: int) -> None:
    tower = Refusal(
        "powers of powers with variable exponents (like 2**2**k or exp(exp(x))) are not allowed; "
        "write the exponent as a product or sum of variables, e.g. 2**(k+1)"
    )
    for node in sympy.preorder_traversal(exponent):
        if isinstance(node, sympy.exp) or (isinstance(node, sympy.Pow) and node.exp.free_symbols):
            raise tower
        if isinstance(node, sympy.Pow) and abs(node.exp) > 1:
            raise tower
        if isinstance(node, sympy.Rational) and (abs(node.p) > max_exponent or node.q > max_exponent):
            raise Refusal(f"the number {node} in an exponent is too large; at most {max_exponent}")
