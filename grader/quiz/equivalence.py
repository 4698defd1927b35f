"""Judging whether two expressions are equal on a domain.

INTERFACE (implemented by the quiz-engine work).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import sympy


@dataclass(frozen=True)
class Domain:
    """Where a variable lives: integers or reals in [low, high] (inclusive)."""

    kind: str  # "integer" | "real"
    low: float
    high: float


class Verdict(str, Enum):
    EQUAL = "equal"
    DIFFERENT = "different"
    UNDECIDED = "undecided"  # the judge ran out of time or could not evaluate


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str = ""  # e.g. "proved by sympy" or "differs at n_h=5, p_h=0, k_h=3, s_h=2: 2 vs 3/2"
    counterexample: Mapping[str, object] | None = None


def judge(
    candidate: sympy.Expr,
    key: sympy.Expr,
    domains: Mapping[sympy.Symbol, Domain],
    constraints: Sequence[sympy.Basic] = (),
    *,
    time_limit: float = 5.0,
) -> Judgement:
    """Is `candidate` equal to `key` wherever the domains and constraints hold?"""
    raise NotImplementedError
