"""Forward calls with structured arguments and returns: several inputs, a nested state, kwargs.

A decoder block's forward(X, state) takes a list holding tensors, None and a list of
caches and returns (Y, state); checks pass such values in, get them back as plain data,
and align weights with a probe of several inputs whose state the reference mutates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.bank.loading import load_exercise
from grader.checking.codegrade import CodeGrader
from grader.reports.results import Status

SPEC = """id: stateful
title: A module with a cache in its state
kind: code
topic: sandbox-tests
file: stateful.py
symbols: [Cache]
devices: [cpu, cuda]
checks:
  - {id: state-round-trip, points: 1}
  - {id: aligned-with-probe-tuple, points: 1}
"""

MODULE = """import torch
from torch import nn


class Cache(nn.Module):
    def __init__(self, d, i):
        super().__init__()
        self.i = i
        self.first = nn.Linear(d, d, bias=False)
        self.second = nn.Linear(d, d, bias=False)

    def forward(self, X, state, scale=1.0):
        past = state[1][self.i]
        keys = X if past is None else torch.cat((past, X), dim=1)
        state[1][self.i] = keys
        return self.second(self.first(X)) * scale + keys.mean(dim=1, keepdim=True) + state[0], state
"""

CHECKS = """import copy

import torch


def test_state_round_trip(submission, device):
    cache = submission.build("stateful:Cache", 3, 1, device=device)
    X = torch.randn(2, 2, 3)
    state = [torch.ones(1), [None, None]]
    y, state = cache(X[:, :1], state, scale=2.0)
    assert isinstance(state, list) and state[1][0] is None and state[1][1].shape == (2, 1, 3)
    assert isinstance(y, torch.Tensor) and y.shape == (2, 1, 3)
    y, state = cache(X[:, 1:], state, scale=2.0)
    assert state[1][1].shape == (2, 2, 3) and torch.equal(state[1][1], X)


def test_aligned_with_probe_tuple(submission, reference):
    cache = submission.build("stateful:Cache", 3, 0)
    ref = copy.deepcopy(reference.Cache(3, 0))
    X = torch.randn(2, 4, 3)
    # the reference fills state[1][0]; were the probe not copied, the student would see that cache
    assert cache.load_parameters_from(ref, probe=(X, [torch.zeros(1), [None]]), output=lambda out: out[0])
    with torch.no_grad():
        expected = ref(X, [torch.zeros(1), [None]])[0]
    assert torch.allclose(cache(X, [torch.zeros(1), [None]])[0], expected, atol=1e-6)
"""

SWAPPED = MODULE.replace("self.second(self.first(X))", "self.first(self.second(X))")


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("structured")
    folder = root / "bank" / "stateful"
    (folder / "checks").mkdir(parents=True)
    (folder / "spec.yaml").write_text(SPEC)
    (folder / "checks" / "state.py").write_text(CHECKS)
    (root / "solutions" / "stateful").mkdir(parents=True)
    (root / "solutions" / "stateful" / "stateful.py").write_text(MODULE)
    (root / "student").mkdir()
    (root / "student" / "stateful.py").write_text(SWAPPED)  # its layers in the other order
    return root


def test_nested_state_and_tuple_probe_cross_the_boundary(bank):
    with CodeGrader(solutions=bank / "solutions") as grader:
        result = grader.grade(load_exercise(bank / "bank" / "stateful"), bank / "student")
    items = {i.item_id: i for i in result.items}
    assert items["state-round-trip"].status == Status.PASSED, items["state-round-trip"].message
    assert items["aligned-with-probe-tuple"].status == Status.PASSED, items["aligned-with-probe-tuple"].message
