"""Matching a reference's parameters to a student's by structure, not by name."""

from __future__ import annotations

import torch
from torch import nn

from grader import align


def _load(module: nn.Module, tensors) -> None:
    with torch.no_grad():
        for p, t in zip(module.parameters(), tensors, strict=True):
            p.copy_(t)


class Separate(nn.Module):
    def __init__(self, d=4):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x):
        return self.o(self.q(x) * self.k(x) + self.v(x))


class Fused(nn.Module):
    def __init__(self, d=4):
        super().__init__()
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        return self.out(q * k + v)


def _first_that_matches(reference: nn.Module, student: nn.Module, x) -> int | None:
    expected = reference(x)
    source = [p.detach() for p in reference.parameters()]
    shapes = [tuple(p.shape) for p in student.parameters()]
    for n, filling in enumerate(align.assignments(source, shapes)):
        _load(student, filling)
        if torch.allclose(student(x), expected, atol=1e-6):
            return n
    return None


def test_same_structure_is_matched_in_order_first():
    a, b = nn.Sequential(nn.Linear(3, 5), nn.Linear(5, 2)), nn.Sequential(nn.Linear(3, 5), nn.Linear(5, 2))
    assert _first_that_matches(a, b, torch.randn(4, 3)) == 0


def test_fused_student_matches_separate_reference():
    assert _first_that_matches(Separate(), Fused(), torch.randn(5, 4)) is not None


def test_separate_student_matches_fused_reference():
    assert _first_that_matches(Fused(), Separate(), torch.randn(5, 4)) is not None


def test_same_shapes_in_another_order_are_found():
    class Swapped(nn.Module):  # registers the second layer first
        def __init__(self):
            super().__init__()
            self.second, self.first = nn.Linear(4, 4), nn.Linear(4, 4)

        def forward(self, x):
            return self.second(torch.tanh(self.first(x)))

    reference = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 4))
    assert _first_that_matches(reference, Swapped(), torch.randn(3, 4)) is not None


def test_incompatible_sizes_give_no_assignment():
    source = [p.detach() for p in nn.Linear(4, 3).parameters()]
    assert list(align.assignments(source, [(3, 5), (3,)])) == []
