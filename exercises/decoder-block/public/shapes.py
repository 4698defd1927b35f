"""Public checks for DecoderBlock: what forward returns, and the parameter count."""

import torch

from grader.checking.checks import expect_shape
from grader.checking.evidence import expect_parameters_used

D, FFN, HEADS = 12, 20, 3


def test_output_shape(submission, device):
    block = submission.build("transformer:DecoderBlock", D, FFN, HEADS, 0.0, 0, device=device).train()
    state = [torch.randn(2, 6, D), torch.tensor([4, 6]), [None]]
    result = block(torch.randn(2, 5, D), state)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"DecoderBlock.forward(X, state) should return a pair (Y, state), got a {type(result).__name__}")
    expect_shape(result[0], (2, 5, D), f"Y for a target X of shape (2, 5, {D}) and encoder outputs of shape (2, 6, {D})",
                 hint="the queries come from the decoder, so Y has the decoder's length")
    assert isinstance(result[1], (list, tuple)) and len(result[1]) == 3, (
        "the returned state should still be [encoder outputs, encoder valid lengths, caches]")


def test_parameter_count(submission):
    block = submission.build("transformer:DecoderBlock", D, FFN, HEADS, 0.0, 0)
    count = block.num_parameters()
    attention, ffn, norms = 2 * 4 * D * D, D * FFN + FFN + FFN * D + D, 3 * 2 * D
    assert count == attention + ffn + norms, (
        f"DecoderBlock({D}, {FFN}, {HEADS}, 0.0, 0) has {count} trainable parameters, expected "
        f"{attention + ffn + norms}: {attention} in two attentions (four bias-free {D}x{D} projections each), "
        f"{ffn} in the FFN and {norms} in three LayerNorms")
    state = [torch.randn(2, 6, D), torch.tensor([6, 6]), [None]]
    expect_parameters_used(block, torch.randn(2, 5, D), state, what=f"DecoderBlock({D}, {FFN}, {HEADS}, 0.0, 0)",
                           output=lambda out: out[0], hint="every projection, FFN layer and LayerNorm takes part in Y")
