"""Safe parsing of math expressions typed by students and authors.

INTERFACE (implemented by the quiz-engine work): never eval/sympify/parse_expr; parse with
`ast` in eval mode, accept only whitelisted nodes, build sympy objects from the tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy


class ExpressionError(ValueError):
    """A malformed or refused expression; the message says what is wrong and how to fix it."""


@dataclass(frozen=True)
class Limits:
    max_length: int
    max_depth: int
    max_nodes: int
    max_int_digits: int
    max_exponent: int


STUDENT_LIMITS = Limits(max_length=500, max_depth=40, max_nodes=300, max_int_digits=30, max_exponent=64)
AUTHOR_LIMITS = Limits(max_length=2000, max_depth=60, max_nodes=1000, max_int_digits=60, max_exponent=256)


def parse_expression(text: str, symbols: Mapping[str, sympy.Symbol], limits: Limits = STUDENT_LIMITS) -> sympy.Expr:
    """Parse `text` into a sympy expression over `symbols`; raise ExpressionError otherwise."""
    raise NotImplementedError


def parse_relation(text: str, symbols: Mapping[str, sympy.Symbol], limits: Limits = AUTHOR_LIMITS) -> sympy.Basic:
    """Parse a constraint such as "n_h + p_h >= k_h" (comparisons, `and`) into a sympy relational."""
    raise NotImplementedError
