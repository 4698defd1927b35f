"""Hidden checks for AddNorm: LayerNorm(dropout(Y) + X) under aligned weights, per example, dropout on Y."""

import copy

import pytest
import torch
from torch import nn

from grader.checking import align
from grader.checking.checks import expect_close

D = 8


class Variant(nn.Module):
    """A wrong arrangement of add and norm, on a reference's LayerNorm."""

    def __init__(self, ref, arrange):
        super().__init__()
        self.norm, self.arrange = ref.norm, arrange

    def forward(self, X, Y):
        return self.arrange(self.norm, X, Y)


MISTAKES = {
    "Y is normalised before the residual add (X + LayerNorm(Y)); the norm belongs after the add":
        lambda norm, X, Y: X + norm(Y),
    "X is normalised before the residual add (LayerNorm(X) + Y); the norm belongs after the add":
        lambda norm, X, Y: norm(X) + Y,
    "the residual X is not added (LayerNorm(Y))": lambda norm, X, Y: norm(Y),
    "Y is left out (LayerNorm(X))": lambda norm, X, Y: norm(X),
}


def reference_with_weights(reference):
    ref = copy.deepcopy(reference.AddNorm(D, 0.0)).eval()
    with torch.no_grad():  # a trained LayerNorm: its scale and shift are not 1 and 0 any more
        for p in ref.parameters():
            p.copy_(torch.randn_like(p))
    return ref


def test_matches_reference(submission, reference, device):
    add_norm = submission.build("transformer:AddNorm", D, 0.0, device=device).eval()
    ref = reference_with_weights(reference)
    shapes = add_norm.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(f"your parameters have shapes {shapes}, which cannot hold the course's "
                    f"nn.LayerNorm({D}) (a weight and a bias of shape ({D},))")
    probe = (torch.randn(3, 4, D), torch.randn(3, 4, D))
    if not add_norm.load_parameters_from(ref, probe=probe, atol=1e-4):
        for mistake, arrange in MISTAKES.items():
            if add_norm.load_parameters_from(Variant(ref, arrange), probe=probe, atol=1e-4):
                pytest.fail(f"your AddNorm computes what you get when {mistake}")
        pytest.fail("with the course's LayerNorm weights loaded into your AddNorm, its outputs differ. "
                    "Hint: return self.norm(self.dropout(Y) + X) with self.norm = nn.LayerNorm(hidden_size)")
    X, Y = torch.randn(2, 5, D) * 3, torch.randn(2, 5, D)
    with torch.no_grad():
        expected = ref(X, Y)
    expect_close(add_norm(X, Y), expected, "AddNorm(X, Y) under the course's weights", atol=1e-4)


def test_batch_independent(submission):
    add_norm = submission.build("transformer:AddNorm", D, 0.0).train()  # a batch norm shows in training mode
    X, Y = torch.randn(4, 3, D), torch.randn(4, 3, D)
    whole = add_norm(X, Y)
    alone = add_norm(X[:1], Y[:1])
    assert isinstance(whole, torch.Tensor) and isinstance(alone, torch.Tensor) and whole.shape == X.shape, (
        f"AddNorm({D}, 0.0)(X, Y) should return a tensor of the shape of X")
    expect_close(alone, whole[:1], "the output for one example alone, compared with the same example in a batch of 4",
                 atol=1e-4, hint="normalise each position over its features (nn.LayerNorm), not over the batch "
                 "(nn.BatchNorm1d)")


def test_dropout_on_sublayer(submission):
    add_norm = submission.build("transformer:AddNorm", D, 0.5, seed=1)
    X, Y = torch.randn(2, 6, D), torch.randn(2, 6, D)
    plain = add_norm.eval()(X, torch.zeros_like(Y))
    kept = add_norm.train()(X, torch.zeros_like(Y))
    expect_close(kept, plain, "AddNorm(8, 0.5)(X, 0) in training mode, compared with eval mode", atol=1e-5,
                 hint="dropout belongs on Y only (norm(dropout(Y) + X)): the residual X passes untouched")
    trained, evaluated = add_norm.train()(X, Y), add_norm.eval()(X, Y)
    assert isinstance(trained, torch.Tensor) and not torch.allclose(trained, evaluated, atol=1e-5), (
        "AddNorm(8, 0.5)(X, Y) in training mode gives the eval-mode output: the dropout on Y is missing")
