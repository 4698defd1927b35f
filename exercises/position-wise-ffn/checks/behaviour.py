"""Hidden checks for PositionWiseFFN: the course's function under aligned weights; positions apart."""

import copy

import pytest
import torch
from torch import nn

from grader.checking import align
from grader.checking.checks import expect_close


class Variant(nn.Module):
    """The course's FFN on a reference's two layers, with another activation."""

    def __init__(self, ref, hidden=torch.relu, out=lambda x: x):
        super().__init__()
        self.ffn_1, self.ffn_2, self.hidden, self.out = ref.ffn_1, ref.ffn_2, hidden, out

    def forward(self, X):
        return self.out(self.ffn_2(self.hidden(self.ffn_1(X))))


MISTAKES = {
    "there is no ReLU between the two dense layers": dict(hidden=lambda x: x),
    "a ReLU follows the second dense layer too": dict(out=torch.relu),
    "the activation is a sigmoid, not a ReLU": dict(hidden=torch.sigmoid),
}


def test_matches_reference(submission, reference, device):
    ffn = submission.build("transformer:PositionWiseFFN", 8, 32, 6, device=device).eval()
    ref = copy.deepcopy(reference.PositionWiseFFN(8, 32, 6)).eval()
    shapes = ffn.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(f"your parameters have shapes {shapes}, which cannot hold the course's two dense layers "
                    f"{[tuple(p.shape) for p in ref.parameters()]}")
    probe = torch.randn(3, 5, 8)
    if not ffn.load_parameters_from(ref, probe=probe, atol=1e-5):
        for mistake, knobs in MISTAKES.items():
            if ffn.load_parameters_from(Variant(ref, **knobs), probe=probe, atol=1e-5):
                pytest.fail(f"with the course's weights loaded, your PositionWiseFFN computes what you get when {mistake}")
        pytest.fail("with the course's weights loaded into your PositionWiseFFN, its outputs differ. "
                    "Hint: dense, ReLU, dense")
    X = torch.randn(2, 7, 8)
    with torch.no_grad():
        expected = ref(X)
    expect_close(ffn(X), expected, "the output under the course's weights")


def test_position_wise(submission):
    ffn = submission.build("transformer:PositionWiseFFN", 8, 32, 6).eval()
    X = torch.randn(2, 5, 8)
    before = ffn(X)
    X[:, 2] = torch.randn(2, 8)
    after = ffn(X)
    assert isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor) and before.shape == after.shape == (2, 5, 6), (
        "PositionWiseFFN(8, 32, 6) should return a (2, 5, 6) tensor for a (2, 5, 8) input")
    others = [t for t in range(5) if t != 2 and not torch.allclose(before[:, t], after[:, t], atol=1e-6)]
    assert not others, (f"changing position 2 of the input changed the output at positions {others}: each "
                        "position must be transformed on its own (dense layers on the last axis only)")
    assert not torch.allclose(before[:, 2], after[:, 2]), "changing position 2 of the input left its output as it was"
