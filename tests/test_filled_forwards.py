"""`load_parameters_from` finds the filling in a few round trips: the likeliest alone, then (the
shapes being the reference's in another order) the arrangement by behaviour (align.by_behaviour).
The winner is the filling one-by-one tries find, and it ends loaded; a forward that raises under a
filling tried before the winner fails the check. Where no order fits, one forward under the
groups' mean proves it: the fillings one-by-one tries would go on to (and raise under) are never
run.

A student's three same-shaped layers, applied in an order of its own, give several fillings to
try; the student's forward raises under every filling that puts the reference's marked weight
in its layer `a`. The check compares the outcome with one-by-one tries made by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from grader.bank.loading import load_exercise
from grader.checking.codegrade import CodeGrader
from grader.checking.remote import FILLING_BATCHES, _batches
from grader.reports.results import Status

SPEC = """id: layered
title: Three layers in some order
kind: code
topic: sandbox-tests
file: layered.py
symbols: [Layered]
devices: [cpu]
checks:
  - {id: batched-like-one-by-one, points: 1}
"""

REFERENCE = """import torch
from torch import nn


class Layered(nn.Module):
    def __init__(self):
        super().__init__()
        self.first, self.second, self.third = (nn.Linear(4, 4, bias=False) for _ in range(3))

    def forward(self, X):
        return self.third(torch.tanh(self.second(torch.tanh(self.first(X)))))
"""

STUDENT = """import torch
from torch import nn


class Layered(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = (nn.Linear(4, 4, bias=False) for _ in range(3))

    def forward(self, X):
        if float(self.a.weight[0, 0]) == 7.0:
            raise ValueError("the marked weight is in a")
        return ORDER
"""

CHECK = """import torch

from grader.checking import align
from grader.checking.session import StudentError


def outcome(attempt):
    try:
        return attempt()
    except StudentError as error:
        return ("raised", error.type)


def one_by_one(net, ref, X):
    expected = ref(X)
    for filling in align.assignments([p.detach() for p in ref.parameters()], net.parameter_shapes(),
                                     current=net.parameters()):
        net.load_parameters(filling)
        if torch.allclose(net(X), expected, atol=1e-4):
            return True
    return False


def test_batched_like_one_by_one(submission, reference):
    ref = reference.Layered()
    with torch.no_grad():
        ref.MARKED.weight[0, 0] = 7.0
    X = torch.randn(5, 4)
    batched, by_hand = submission.build("layered:Layered"), submission.build("layered:Layered")
    got = outcome(lambda: batched.load_parameters_from(ref, probe=X, atol=1e-4))
    want = outcome(lambda: one_by_one(by_hand, ref, X))
    assert (got, want) == (EXPECTED, BY_HAND), (got, want)
    if got is True:
        with torch.no_grad():
            assert torch.allclose(batched(X), ref(X), atol=1e-4)  # the winner is loaded, not the batch's last
"""


def graded(tmp_path: Path, order: str, marked: str, expected: str, by_hand: str):
    bank = tmp_path / "bank" / "layered"
    (bank / "checks").mkdir(parents=True)
    (bank / "spec.yaml").write_text(SPEC)
    (bank / "checks" / "batched.py").write_text(
        CHECK.replace("MARKED", marked).replace("EXPECTED", expected).replace("BY_HAND", by_hand))
    solutions = tmp_path / "solutions" / "layered"
    solutions.mkdir(parents=True)
    (solutions / "layered.py").write_text(REFERENCE)
    student = tmp_path / "student"
    student.mkdir()
    (student / "layered.py").write_text(STUDENT.replace("ORDER", order))
    with CodeGrader(solutions=tmp_path / "solutions") as grader:
        return grader.grade(load_exercise(bank), student).items[0]


@pytest.mark.parametrize("order, marked, expected, by_hand", [
    # the winner (a=first, c=second, b=third) is found by behaviour after the likeliest; no filling
    # with the marked `second` in a is ever run
    ("self.b(torch.tanh(self.c(torch.tanh(self.a(X)))))", "second", "True", "True"),
    # a applied last: the likeliest filling, tried first, has the marked `first` in a and raises
    ("self.a(torch.tanh(self.b(torch.tanh(self.c(X)))))", "first", "('raised', 'ValueError')",
     "('raised', 'ValueError')"),
    # no filling fits (no tanh between the layers is the reference's): the forward under the groups' mean
    # shows it, before any filling with the marked weight in a, which one-by-one tries meet and raise under
    ("self.a(self.b(self.c(X)))", "second", "False", "('raised', 'ValueError')"),
    # a applied first: the winner is the likeliest filling, tried alone; nothing raises
    ("self.c(torch.tanh(self.b(torch.tanh(self.a(X)))))", "third", "True", "True"),
])
def test_batched_tries_end_as_one_by_one_tries(tmp_path, order, marked, expected, by_hand):
    item = graded(tmp_path, order, marked, expected, by_hand)
    assert item.status == Status.PASSED, item.message


def test_fillings_come_in_growing_batches_held_under_a_byte_cap():
    small = [[torch.zeros(2)] for _ in range(40)]
    assert [len(b) for b in _batches(iter(small))] == [1, 7, 24, 8]
    assert FILLING_BATCHES[0] == 1
    big = [[torch.zeros(3 << 20)] for _ in range(8)]  # 12 MB each: at most three fit in 32 MB
    assert [len(b) for b in _batches(iter(big))] == [1, 3, 3, 1]
    assert list(_batches(iter([]))) == []
