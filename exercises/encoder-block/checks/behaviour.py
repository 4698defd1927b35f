"""Hidden checks for EncoderBlock: the course's block under aligned weights, padding, dropout.

The submission's weights are filled with a reference block's by structure; where the
outputs differ, variants of the course's block with one known mistake, on the same
weights, name what went wrong.
"""

import copy

import pytest
import torch
from torch import nn

from grader.bank.course_code import course_module
from grader.checking import align
from grader.checking.checks import expect_close

_variants = course_module(__file__, "attention_variants")  # the bank's: solutions/_course/
HEAD_MAJOR = _variants.HEAD_MAJOR
PADDING_HINT = _variants.PADDING_HINT
multi_head_attention = _variants.multi_head_attention

D, FFN, HEADS = 12, 20, 3
LENGTHS = [2, 6, 4]  # unequal within the batch: a head-major repeat of them shows


class Variant(nn.Module):
    """The course's encoder block on a reference's sublayers, with one known mistake."""

    def __init__(self, ref, tiled=False, masked=True, ffn_on_x=False, norm_first=False):
        super().__init__()
        self.attention, self.addnorm_1, self.ffn, self.addnorm_2 = ref.attention, ref.addnorm_1, ref.ffn, ref.addnorm_2
        self.tiled, self.masked, self.ffn_on_x, self.norm_first = tiled, masked, ffn_on_x, norm_first

    def _add_norm(self, add_norm, X, Y):
        return X + add_norm.norm(Y) if self.norm_first else add_norm.norm(X + Y)

    def forward(self, X, valid_length):
        A = multi_head_attention(self.attention, X, X, X, valid_length if self.masked else None, tiled=self.tiled)
        Y = self._add_norm(self.addnorm_1, X, A)
        return self._add_norm(self.addnorm_2, Y, self.ffn(X if self.ffn_on_x else Y))


MISTAKES = {
    HEAD_MAJOR: dict(tiled=True),
    "valid_length is not passed on to the attention": dict(masked=False),
    "the FFN reads the block's input X instead of the first Add & Norm's output": dict(ffn_on_x=True),
    "Add & Norm normalises the sublayer's output before the residual add (X + LayerNorm(Y))": dict(norm_first=True),
}


def test_matches_reference(submission, reference, device):
    block = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.0, device=device).eval()
    ref = copy.deepcopy(reference.EncoderBlock(D, FFN, HEADS, 0.0)).eval()
    shapes = block.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(f"your parameters have shapes {shapes}, which cannot hold the course's "
                    f"{[tuple(p.shape) for p in ref.parameters()]}")
    X, valid_length = torch.randn(3, 6, D), torch.tensor(LENGTHS)
    if not block.load_parameters_from(ref, probe=(X, valid_length), atol=1e-4):
        for mistake, knobs in MISTAKES.items():
            if block.load_parameters_from(Variant(ref, **knobs).eval(), probe=(X, valid_length), atol=1e-4):
                pytest.fail(f"with the course's weights loaded, your EncoderBlock computes what you get when {mistake}")
        pytest.fail("with the course's weights loaded into your EncoderBlock, its outputs differ. Hint: "
                    "Y = AddNorm(X, attention(X, X, X, valid_length)); return AddNorm(Y, ffn(Y))")
    X = torch.randn(3, 6, D)
    with torch.no_grad():
        expected = ref(X, valid_length)
    expect_close(block(X, valid_length), expected, "the output under the course's weights", atol=1e-4)


def test_padding_ignored(submission, device):
    block = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.0, device=device, seed=2).eval()
    X, valid_length = torch.randn(3, 6, D), torch.tensor(LENGTHS)
    before = block(X, valid_length)
    for b, n in enumerate(LENGTHS):
        X[b, n:] = torch.randn_like(X[b, n:]) * 5
    after = block(X, valid_length)
    assert isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor) and before.shape == after.shape == X.shape, (
        "EncoderBlock should return a tensor of the shape of X")
    leaked = [b for b, n in enumerate(LENGTHS) if not torch.allclose(before[b, :n], after[b, :n], atol=1e-5)]
    assert not leaked, (
        f"with valid_length {LENGTHS}, changing the padding positions changed the outputs at valid positions of "
        f"example(s) {leaked}. Hint: pass valid_length to the self-attention; {PADDING_HINT}")


def test_dropout_train_only(submission):
    X, valid_length = torch.randn(2, 5, D), torch.tensor([3, 5])
    plain = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.0, seed=3).eval()(X, valid_length)
    block = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.5, seed=3)
    expect_close(block.eval()(X, valid_length), plain,
                 "EncoderBlock(..., dropout=0.5) in eval mode, compared with dropout=0.0 and the same seed", atol=1e-5,
                 hint="dropout is off in eval mode (nn.Dropout does that)")
    trained = block.train()(X, valid_length)
    assert isinstance(trained, torch.Tensor) and not torch.allclose(trained, plain, atol=1e-5), (
        "EncoderBlock(..., dropout=0.5) in training mode gives the eval-mode output: the dropout is missing")
