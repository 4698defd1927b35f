"""The course's sinusoidal positional encoding, as a table, for the bank's `verify:` lines.

The names in __all__ are bound in every `verify:` expression of this bank (grader.bank.course_code).
"""

from __future__ import annotations

import torch

__all__ = ["positional_encoding", "positional_encoding_angle"]


def positional_encoding(d: int, max_len: int = 1000) -> torch.Tensor:
    """The course's table P (max_len x d), float64: sin on even columns, cos on odd ones."""
    angles = positional_encoding_angles(d, max_len)
    table = torch.zeros(max_len, d, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles[:, : d // 2])
    return table


def positional_encoding_angles(d: int, max_len: int) -> torch.Tensor:
    position = torch.arange(max_len, dtype=torch.float64).reshape(-1, 1)
    return position / torch.pow(10000, torch.arange(0, d, 2, dtype=torch.float64) / d)


def positional_encoding_angle(i: int, column: int, d: int) -> float:
    """The angle that the course's code feeds to sin/cos at P[i, column]."""
    return positional_encoding_angles(d, i + 1)[i, column // 2].item()
