"""Public checks for EncoderBlock: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape
from grader.checking.evidence import expect_parameters_used

D, FFN, HEADS = 12, 20, 3


def test_output_shape(submission, device):
    block = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.0, device=device).eval()
    expect_shape(block(torch.randn(2, 5, D), torch.tensor([3, 5])), (2, 5, D),
                 f"EncoderBlock({D}, {FFN}, {HEADS}, 0.0) on X of shape (2, 5, {D})",
                 hint="both sublayers keep the shape, so the residual connections can add")


def test_parameter_count(submission):
    block = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.0)
    count = block.num_parameters()
    attention, ffn, norms = 4 * D * D, D * FFN + FFN + FFN * D + D, 2 * 2 * D
    assert count == attention + ffn + norms, (
        f"EncoderBlock({D}, {FFN}, {HEADS}, 0.0) has {count} trainable parameters, expected "
        f"{attention + ffn + norms}: {attention} in the attention (four bias-free {D}x{D} projections), {ffn} in "
        f"the FFN and {norms} in two LayerNorms")
    expect_parameters_used(block, torch.randn(2, 5, D), torch.tensor([5, 5]), what=f"EncoderBlock({D}, {FFN}, {HEADS}, 0.0)",
                           hint="every projection, FFN layer and LayerNorm takes part in the output")
