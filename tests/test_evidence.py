"""grader.checking.evidence: claims about parameters and gradients confirmed by the outputs alone."""

from __future__ import annotations

import pytest
import torch

from grader.bank.spec import Limits
from grader.checking import evidence
from grader.checking.remote import Submission
from grader.checking.session import Session
from grader.sandbox.launcher import Sandbox

SOURCE = '''
import torch
from torch import nn


class Used(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 6), nn.Linear(6, 3)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


class Unused(Used):
    def __init__(self):
        super().__init__()
        self.spare = nn.Linear(4, 4)  # counted, never computed with


class Detached(Used):
    def forward(self, x):
        return self.b(torch.relu(self.a(x)).detach())


class Saturated(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        with torch.no_grad():
            self.a.bias.fill_(12.0)  # sigmoid(12 + 0.01) differs from sigmoid(12) by less than 1e-6

    def forward(self, x):
        return torch.sigmoid(self.a(x)) * 1000


class Three(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = (nn.Linear(4, 4) for _ in range(3))

    def forward(self, x):
        return self.c(self.b(self.a(x)))


class Kinked(nn.Module):
    """Right code at a ReLU kink: its units' inputs sit just above zero, so every nudge crosses it."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(4))

    def forward(self, x):
        return torch.relu(x + self.bias)


class KinkedTwice(Kinked):
    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1))  # one output: a wrong claim cannot hide among others

    def forward(self, x):
        return torch.relu(x + 2 * self.bias - self.bias.detach())  # the same output, twice the gradient


class Dropping(Used):
    def forward(self, x):
        return torch.nn.functional.dropout(super().forward(x), 0.5)  # on in eval mode too
'''


@pytest.fixture(scope="module")
def module():
    with Sandbox() as sandbox:
        session = Session(sandbox, "nets.py", SOURCE, Limits(), companions={})
        yield lambda name: Submission(session).build(f"nets:{name}")
        session.close()


@pytest.fixture
def asked(monkeypatch):
    """The operations asked of the child, in order."""
    ops: list[str] = []
    request = Session.request

    def counted(self, op, **args):
        ops.append(op)
        return request(self, op, **args)

    monkeypatch.setattr(Session, "request", counted)
    return ops


def test_a_module_that_uses_every_parameter_passes(module):
    evidence.expect_parameters_used(module("Used"), torch.randn(5, 4), what="Used()")
    evidence.expect_true_gradients(module("Used"), torch.randn(5, 4), what="Used()")


def test_a_parameter_that_is_counted_but_not_used_is_named(module):
    with pytest.raises(AssertionError, match=r"shapes \[\(4, 4\), \(4,\)\] does not change the output"):
        evidence.expect_parameters_used(module("Unused"), torch.randn(5, 4), what="Unused()")


def test_a_saturated_parameter_still_shows_it_is_used(module):
    evidence.expect_parameters_used(module("Saturated"), torch.randn(5, 4), what="Saturated()")


def test_a_detached_layer_has_no_gradient(module):
    with pytest.raises(AssertionError, match=r"\(6, 4\), \(6,\)\] have no gradient"):
        evidence.expect_true_gradients(module("Detached"), torch.randn(5, 4), what="Detached()")


@pytest.mark.parametrize("seed", range(5))
def test_a_gradient_at_a_relu_kink_passes_and_a_wrong_one_there_fails(module, seed):
    torch.manual_seed(seed)
    at_kink = torch.full((2, 4), 1e-6)  # each output crosses its own kink: their misses must not cancel
    evidence.expect_true_gradients(module("Kinked"), at_kink, what="Kinked()")
    with pytest.raises(AssertionError, match=r"shapes \[\(1,\)\] do not match"):
        evidence.expect_true_gradients(module("KinkedTwice"), at_kink[:1, :1], what="KinkedTwice()")


def test_the_probe_leaves_the_module_as_it_was(module):
    net = module("Used")
    x = torch.randn(5, 4)
    before = net(x)
    evidence.probe_parameters(net, x, gradients=True)
    assert torch.allclose(net(x), before, atol=1e-6)


def test_a_forward_that_does_not_repeat_is_refused_before_any_nudge(module, asked):
    reference = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
    with pytest.raises(AssertionError, match="differed between two forward passes in eval mode"):
        evidence.expect_parameters_used(module("Dropping"), torch.randn(5, 4), what="Dropping()", reference=reference)
    assert "nudged_forwards" not in asked


def test_a_missing_gradient_is_named_before_any_nudge(module, asked):
    with pytest.raises(AssertionError, match=r"\(6, 4\), \(6,\)\] have no gradient"):
        evidence.expect_true_gradients(module("Detached"), torch.randn(5, 4), what="Detached()")
    assert "gradients" in asked and "nudged_forwards" not in asked


def test_positions_in_a_large_tensor_are_drawn_without_permuting_it(monkeypatch):
    permute = torch.randperm

    def small_only(n, *args, **kwargs):
        assert n <= 16 * evidence.POSITIONS, f"a permutation of {n} positions"
        return permute(n, *args, **kwargs)

    monkeypatch.setattr(torch, "randperm", small_only)
    for numel in (3, 64, 1000, 26_214_400):
        positions = evidence._positions(numel).tolist()
        assert len(positions) == len(set(positions)) == min(numel, evidence.POSITIONS)
        assert all(0 <= p < numel for p in positions)


def test_arrangements_left_untried_are_told_to_the_author(module):
    net = module("Three")
    reference = torch.nn.Sequential(*(torch.nn.Linear(4, 4) for _ in range(3)), torch.nn.Tanh())  # not what it computes
    x = torch.randn(5, 4)
    assert not evidence.load_claimed_weights(net, reference, (x,), net(x), lambda got, want: torch.allclose(got, want),
                                             tries=2)
    assert "tried in 2 arrangements" in net._session.notes[-1] and "left untried" in net._session.notes[-1]


class _Counted(torch.nn.Module):
    """A reference with its layers declared last-first but applied first-last, counting its forwards."""

    def __init__(self, squash: bool = False):
        super().__init__()
        self.c, self.b, self.a = (torch.nn.Linear(4, 4) for _ in range(3))
        self.squash, self.calls = squash, []  # a list, not a plain setting: counting leaves the settings as they are

    @property
    def forwards(self) -> int:
        return len(self.calls)

    def forward(self, x):
        self.calls.append(x.shape)
        y = self.c(self.b(self.a(x)))
        return torch.tanh(y) if self.squash else y


def test_what_one_check_found_of_claimed_weights_spares_the_next_checks_forwards():
    same = lambda got, want: torch.allclose(got, want, atol=1e-5)  # noqa: E731
    with Sandbox() as sandbox:
        session = Session(sandbox, "nets.py", SOURCE, Limits(), companions={})
        build = lambda seed=0: Submission(session).build("nets:Three", seed=seed)  # noqa: E731
        try:
            reference, net, x = _Counted(), build(), torch.randn(5, 4)
            assert evidence.load_claimed_weights(net, reference, (x,), net(x), same, tries=36)
            searched = reference.forwards
            assert searched > 1  # the likeliest arrangement is not this reference's
            assert torch.allclose(reference(x), net(x), atol=1e-5)  # the one that fitted is loaded
            # a later check, a new build of the same weights, another input: the arrangement found is tried first
            reference, net, y = _Counted(), build(), torch.randn(7, 4)
            assert evidence.load_claimed_weights(net, reference, (y,), net(y), same, tries=36)
            assert reference.forwards == 1
            # a check that allows fewer tries than the one that found it still tries it first (count.py: 4, behaviour.py: 8)
            reference = _Counted()
            assert evidence.load_claimed_weights(build(), reference, (y,), net(y), same, tries=1)
            assert reference.forwards == 1

            # a function no arrangement computes on one input is none on another: no forward is spent on it again
            squashed, net = _Counted(squash=True), build()
            assert not evidence.load_claimed_weights(net, squashed, (x,), net(x), same, tries=36)
            assert squashed.forwards == 36
            assert not evidence.load_claimed_weights(build(), squashed, (y,), net(y), same, tries=36)
            assert squashed.forwards == 36  # none more

            # a check that allows more tries than the one that found none tries only those not tried yet
            other = _Counted(squash=True)
            assert not evidence.load_claimed_weights(build(seed=2), other, (y,), net(y), same, tries=3)
            assert other.forwards == 3
            assert not evidence.load_claimed_weights(build(seed=2), other, (y,), net(y), same, tries=5)
            assert other.forwards == 5

            # other weights are tried afresh
            assert not evidence.load_claimed_weights(build(seed=1), squashed, (y,), net(y), same, tries=36)
            assert squashed.forwards == 72
        finally:
            session.close()
