"""Matching a reference's parameters to a student's by structure, not by name."""

from __future__ import annotations

import torch
from torch import nn

from grader.checking import align


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


def _first_that_matches(reference: nn.Module, student: nn.Module, x, ranked: bool = False) -> int | None:
    expected = reference(x)
    source = [p.detach() for p in reference.parameters()]
    shapes = [tuple(p.shape) for p in student.parameters()]
    current = [p.detach().clone() for p in student.parameters()] if ranked else None
    for n, filling in enumerate(align.assignments(source, shapes, current)):
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


def test_equal_tensors_are_offered_once():
    ones, zeros, other = torch.ones(4), torch.zeros(4), torch.arange(4.0)
    source = [ones, zeros, other, ones, zeros]  # two fresh LayerNorms and a bias, as an encoder block has them
    fillings = list(align.assignments(source, [(4,)] * 5))
    values = [tuple(tuple(t.tolist()) for t in f) for f in fillings]
    assert len(values) == len(set(values)) == 5 * 6  # where `other` goes, times C(4, 2) places for the ones


def test_block_in_another_module_order_is_found_among_few_fillings():
    class Block(nn.Module):  # attention, norm, ffn, norm, norm: the course's order
        def __init__(self, d=4, f=6, order=("att", "n1", "ffn", "n2", "n3")):
            super().__init__()
            parts = {"att": nn.Linear(d, d, bias=False), "n1": nn.LayerNorm(d), "n2": nn.LayerNorm(d),
                     "ffn": nn.Sequential(nn.Linear(d, f), nn.ReLU(), nn.Linear(f, d)), "n3": nn.LayerNorm(d)}
            for name in order:
                setattr(self, name, parts[name])

        def forward(self, x):
            y = self.n1(x + self.att(x))
            return self.n3(self.n2(y + self.ffn(y)) + x)

    # seven (4,)-tensors: the student's fresh values send the ones and zeros to the norms first
    reference, student = Block(), Block(order=("att", "ffn", "n1", "n2", "n3"))
    assert _first_that_matches(reference, student, torch.randn(3, 4), ranked=True) == 0
