"""Size rules on the sympy objects the safe parser builds.

Every refusal here is a cap, and says which one (`CapExceeded.cap`) and why. Three rules keep
parsing and judging cheap whatever a student types, while the textbook's formulas pass
(exp(-x^2/2), 10000^(2*i/d), (x - a)^100, exp(x)/(1 + exp(x))):

* Numbers stay small. Every number-valued subexpression is checked as soon as it is
  built, so sympy never gets to compute something like ``floor(exp(10**30))`` (which it
  would try to do exactly, and hang). A numeric power is estimated before sympy computes it.
  A number that is not real (sqrt(-2), a negative base to the power 7/4) is no cap's business:
  it is kept, and judged wrong with the reason (grader.judge.evaluate.not_real).
* Numeric exponents are at most ``max_exponent``; the numbers inside an exponent that holds a
  variable at most ``max_in_exponent`` (2^(k + 10^30) would make sympy's expand compute
  2^(10^30); exp(-20000*j/d) is harmless).
* Power towers are at most ``TOWER_LEVELS`` variable exponents deep: exp(x^2) and
  exp(1/(1 + exp(-x))) (a sigmoid in an exponent) pass, exp(exp(exp(x))) and 2^2^2^k do not.
  Values that still grow too large at a sample point are skipped by the judge (TooLarge).

The exponent rules run on the final expression, after sympy has combined ``(2**k)**64`` into
``2**(64*k)``, because that final form is what the judge evaluates.
"""

from __future__ import annotations

import math

import sympy

from grader.i18n import _


TOWER_LEVELS = 2  # nested variable exponents: exp(x) is one, exp(exp(x)) and 2^2^k are two


class ExpressionError(ValueError):
    """A malformed or refused expression; the message says what is wrong and how to fix it."""


class CapExceeded(ExpressionError):
    """An expression over one of the safety caps; `cap` names it (a `Limits` field or "tower")."""

    def __init__(self, cap: str, message: str):
        super().__init__(message)
        self.cap = cap


def check_number(value: sympy.Basic, max_digits: int) -> None:
    """Refuse a number-valued expression with more than `max_digits` digits (real or not)."""
    if not isinstance(value, sympy.Expr):
        return
    if value.has(sympy.zoo, sympy.nan, sympy.oo, sympy.S.NegativeInfinity):
        raise ExpressionError(_("the expression divides by zero or is undefined (e.g. 1/0 or log(0))"))
    if value.free_symbols:
        return
    if value.is_Rational:
        size = max(abs(value.p), value.q)
        if size.bit_length() > max_digits * 3.33:
            raise _too_many_digits(max_digits)
        return
    approx = value.evalf(15)  # cheap: every part of `value` already passed this check
    if not approx.is_number:
        raise ExpressionError(_("could not compute the number {number!r}; simplify it").format(number=str(value)[:40]))
    if approx != 0 and abs(approx) >= sympy.Float(10) ** max_digits:
        raise _too_many_digits(max_digits)


def _too_many_digits(max_digits: int) -> CapExceeded:
    return CapExceeded("max_value_digits", _("a number in the expression has more than {digits} digits (the cap on the "
                                             "size of numbers is {digits} digits)").format(digits=max_digits))


def check_numeric_power(base: sympy.Expr, exponent: sympy.Expr, max_exponent: int, max_digits: int) -> None:
    """Refuse a number**number that is too large to compute, before sympy computes it."""
    if exponent.free_symbols:
        return
    check_exponent_number(exponent, max_exponent)
    if base.free_symbols:
        return
    # Estimated digits of the result: |exponent| * log10(|base|), with 1/base for negatives.
    size = abs(base.evalf(15)) if not base.is_Rational else max(abs(base.p), base.q)
    if size > 1 and float(abs(exponent.evalf(15))) * math.log10(float(size)) > max_digits:
        raise CapExceeded("max_value_digits", _("the power is too large: more than {digits} digits, over the cap on the size "
                                                "of numbers; use a smaller exponent").format(digits=max_digits))


def check_exponent_number(exponent: sympy.Expr, max_exponent: int) -> None:
    if exponent.is_Rational:
        too_big = abs(exponent.p) > max_exponent or exponent.q > max_exponent
    else:
        too_big = abs(exponent.evalf(15)) > max_exponent
    if too_big:
        raise CapExceeded("max_exponent", _("the exponent {exponent} is too large: exponents may be at most {cap} (the "
                                            "exponent cap)").format(exponent=_short(exponent), cap=max_exponent))


def check_powers(expr: sympy.Basic, max_exponent: int, max_in_exponent: int) -> None:
    """Apply the exponent rules (module docstring) to a whole built expression."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Pow) and not node.exp.free_symbols:
            check_exponent_number(node.exp, max_exponent)
        elif _variable_exponent(node) is not None:
            _check_variable_exponent(_variable_exponent(node), max_in_exponent)
    levels = _tower(expr)
    if levels > TOWER_LEVELS:
        raise CapExceeded("tower", _("the power tower is {levels} variable exponents deep, over the tower cap of {cap} "
                                     "(exp(exp(x)) and 2^2^k are as deep as it goes); simplify the exponent").format(
            levels=levels, cap=TOWER_LEVELS))


def _short(number: sympy.Basic) -> str:
    text = str(number)
    return text if len(text) <= 20 else _("{start}... ({count} characters)").format(start=text[:8], count=len(text))


def _variable_exponent(node: sympy.Basic) -> sympy.Expr | None:
    """The exponent of a power with a variable exponent (exp(x) counts), else None."""
    if isinstance(node, sympy.Pow) and node.exp.free_symbols:
        return node.exp
    if isinstance(node, sympy.exp) and node.args[0].free_symbols:
        return node.args[0]
    return None


def _tower(expr: sympy.Basic) -> int:
    """How deep variable exponents nest in `expr` (iterative: the tree may be deep)."""
    deepest, stack = 0, [(expr, 0)]
    while stack:
        node, level = stack.pop()
        exponent = _variable_exponent(node)
        if exponent is not None:
            level += 1
            deepest = max(deepest, level)
            children = [exponent] + ([node.base] if isinstance(node, sympy.Pow) else [])
            stack.extend((child, level if child is exponent else level - 1) for child in children)
        else:
            stack.extend((child, level) for child in node.args)
    return deepest


def _check_variable_exponent(exponent: sympy.Expr, max_in_exponent: int) -> None:
    """The numbers an exponent with a variable holds (log(10000) counts as its value, 9.2) are small."""
    stack = [exponent]
    while stack:
        node = stack.pop()
        if node.is_number:
            if abs(node.evalf(15)) > max_in_exponent:
                raise CapExceeded("max_in_exponent", _("the number {number} in an exponent is too large: numbers in "
                                                       "exponents may be at most {cap} (the exponent cap)").format(
                    number=_short(node), cap=max_in_exponent))
        else:
            stack.extend(node.args)
