"""Trusted proof helpers that the `verify:` expressions of quiz specs call.

`grader validate` evaluates each author's `verify:` expression with every name in
`__all__` bound, and the names the bank's own modules export (`solutions/_course/*.py`, where the
course's networks are: grader.bank.course_code). A helper computes its value independently of the answer key: it builds
the network in torch and measures it, differentiates with sympy, or runs a seeded Monte
Carlo experiment. It never restates the key's formula. Symbolic proofs (sympy) live here;
measurements with torch live in `grader.proofs.measure`, re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp

from grader.proofs.measure import (
    clipped_gradient,
    conv_output_size,
    decoder_forward_passes,
    dot_product_mean,
    dot_product_variance,
    ffn_equals_conv1x1,
    head_split_shape,
    influence_count,
    linear_rnn_gradient,
    masked_attention_weights,
    multiply_adds,
    output_shape,
    param_count,
    param_share,
    per_head_attention_params,
    pointwise_conv_equals_linear,
    pool_output_size,
    rnn_cell_params,
    same_padding,
    self_attention_ignores_order,
    softmax_grad,
    softmax_value,
)

__all__ = [
    "clipped_gradient", "conv_output_size", "decoder_forward_passes", "dot_product_mean",
    "dot_product_variance", "ffn_equals_conv1x1", "head_split_shape",
    "influence_count", "letter_where", "letters_where", "linear_rnn_gradient",
    "masked_attention_weights", "multiply_adds", "output_shape", "param_count",
    "param_share", "per_head_attention_params", "pointwise_conv_equals_linear", "pool_output_size",
    "rnn_cell_params", "same_padding",
    "self_attention_ignores_order", "softmax_derivative_holds", "softmax_grad", "softmax_jacobian",
    "softmax_jacobian_is", "softmax_value",
]


def letter_where(facts: Mapping[str, bool]) -> str | None:
    """The one option letter whose fact holds; None when none or several do.

    A choice question's verify can map each option to a proof and compare with the key.
    """
    true = [letter for letter, holds in facts.items() if holds]
    return true[0] if len(true) == 1 else None


def letters_where(facts: Mapping[str, bool]) -> list[str]:
    """The sorted option letters whose facts hold (for multi questions)."""
    return sorted(letter for letter, holds in facts.items() if holds)


def _softmax(n: int) -> tuple[tuple[sp.Symbol, ...], list[sp.Expr]]:
    x = sp.symbols(f"x_0:{n}", real=True)
    total = sum(sp.exp(v) for v in x)
    return x, [sp.exp(v) / total for v in x]


def _is_zero(expr: sp.Expr) -> bool:
    return sp.simplify(sp.together(expr)) == 0


def softmax_jacobian(n: int = 3) -> sp.Matrix:
    """The n x n Jacobian d softmax(x)_a / d x_b, differentiated by sympy (entries in x)."""
    x, y = _softmax(n)
    return sp.Matrix(n, n, lambda a, b: sp.diff(y[a], x[b]))


def softmax_derivative_holds(key: sp.Expr, n: int = 4) -> bool:
    """Does `key` give d y_i / d x_j for every i, j of an n-way softmax?

    `key` may name i, j, y_i and y_j (and use delta(i, j)); y_i and y_j are replaced by the
    softmax outputs, i and j by the indices. A key without j (or y_j) is the diagonal
    case i = j only. Returns False on the first entry that differs or on leftover symbols.
    """
    symbols = {s.name: s for s in key.free_symbols}
    if set(symbols) - {"i", "j", "y_i", "y_j"}:
        return False
    x, y = _softmax(n)
    diagonal = "j" not in symbols and "y_j" not in symbols
    pairs = [(a, a) for a in range(n)] if diagonal else [(a, b) for a in range(n) for b in range(n)]
    for a, b in pairs:
        values = {"i": a + 1, "j": b + 1, "y_i": y[a], "y_j": y[b]}
        claimed = key.subs({symbols[name]: values[name] for name in symbols}, simultaneous=True)
        if not _is_zero(claimed - sp.diff(y[a], x[b])):
            return False
    return True


def softmax_jacobian_is(form: Callable[[sp.Matrix], sp.Matrix], layout: str = "column", n: int = 3) -> bool:
    """Is `form(y)` the softmax Jacobian, with y the outputs as a column (n x 1) or row (1 x n)?

    `form` builds a matrix from y, e.g. `lambda y: sp.diag(*y) - y*y.T`. A form whose
    shapes do not fit (a 1 x 1 "outer product") is simply not the Jacobian.
    """
    x, y = _softmax(n)
    vector = sp.Matrix(y) if layout == "column" else sp.Matrix([y])
    try:
        claimed = form(vector)
    except (sp.ShapeError, ValueError, TypeError):
        return False
    if not isinstance(claimed, sp.MatrixBase) or claimed.shape != (n, n):
        return False
    jacobian = softmax_jacobian(n)
    return all(_is_zero(claimed[a, b] - jacobian[a, b]) for a in range(n) for b in range(n))
