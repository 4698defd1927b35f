"""Plain data of equivalence judging: domains of variables and the judge's verdicts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Domain:
    """Where a variable lives: integers or reals in [low, high] (inclusive, finite)."""

    kind: str  # "integer" | "real"
    low: float
    high: float
    item: tuple[str, str] | None = None  # (sequence, index): this variable is sequence[index]

    def __post_init__(self):
        if self.kind not in ("integer", "real"):
            raise ValueError(f"a domain is 'integer' or 'real', not {self.kind!r}")
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"a domain needs finite bounds with low <= high, got [{self.low}, {self.high}]")
        if self.kind == "integer" and math.ceil(self.low) > math.floor(self.high):
            raise ValueError(f"the integer domain [{self.low}, {self.high}] holds no integer")


class Verdict(str, Enum):
    EQUAL = "equal"
    DIFFERENT = "different"
    UNDECIDED = "undecided"  # the judge ran out of time or could not evaluate


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str = ""  # e.g. "proved by sympy" or "differs at n_h=5, p_h=0, k_h=3, s_h=2: 2 vs 3/2"
    counterexample: Mapping[str, object] | None = None  # variable name -> value (as text)
    note: str = ""  # for the student: why a wrong answer is wrong, without the key's values (no real value near x=2)
