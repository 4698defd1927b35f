"""Public checks for DecoderBlock: what forward returns, and the parameter count."""

import torch

from grader.checking.checks import expect_shape, say
from grader.checking.evidence import expect_parameters_used

D, FFN, HEADS = 12, 20, 3


def test_output_shape(submission, device):
    block = submission.build("transformer:DecoderBlock", D, FFN, HEADS, 0.0, 0, device=device).train()
    state = [torch.randn(2, 6, D), torch.tensor([4, 6]), [None]]
    result = block(torch.randn(2, 5, D), state)
    assert isinstance(result, tuple) and len(result) == 2, say({
        "en": f"DecoderBlock.forward(X, state) should return a pair (Y, state), got a {type(result).__name__}",
        "zh": f"DecoderBlock.forward(X, state) 应返回一对 (Y, state)，实际得到的是 {type(result).__name__}"})
    expect_shape(result[0], (2, 5, D),
                 {"en": f"Y for a target X of shape (2, 5, {D}) and encoder outputs of shape (2, 6, {D})",
                  "zh": f"目标 X 形状为 (2, 5, {D})、编码器输出形状为 (2, 6, {D}) 时的 Y"},
                 hint={"en": "the queries come from the decoder, so Y has the decoder's length",
                       "zh": "查询来自解码器，所以 Y 的长度与解码器的相同"})
    assert isinstance(result[1], (list, tuple)) and len(result[1]) == 3, say({
        "en": "the returned state should still be [encoder outputs, encoder valid lengths, caches]",
        "zh": "返回的 state 仍应为 [编码器输出, 编码器有效长度, 缓存]"})


def test_parameter_count(submission):
    block = submission.build("transformer:DecoderBlock", D, FFN, HEADS, 0.0, 0)
    count = block.num_parameters()
    attention, ffn, norms = 2 * 4 * D * D, D * FFN + FFN + FFN * D + D, 3 * 2 * D
    assert count == attention + ffn + norms, say({
        "en": f"DecoderBlock({D}, {FFN}, {HEADS}, 0.0, 0) has {count} trainable parameters, expected "
              f"{attention + ffn + norms}: {attention} in two attentions (four bias-free {D}x{D} projections each), "
              f"{ffn} in the FFN and {norms} in three LayerNorms",
        "zh": f"DecoderBlock({D}, {FFN}, {HEADS}, 0.0, 0) 有 {count} 个可训练参数，期望 {attention + ffn + norms} 个："
              f"两个注意力中共 {attention} 个（各有四个不带偏置的 {D}x{D} 投影），前馈网络中 {ffn} 个，"
              f"三个 LayerNorm 中 {norms} 个"})
    state = [torch.randn(2, 6, D), torch.tensor([6, 6]), [None]]
    expect_parameters_used(block, torch.randn(2, 5, D), state, what=f"DecoderBlock({D}, {FFN}, {HEADS}, 0.0, 0)",
                           output=lambda out: out[0],
                           hint={"en": "every projection, FFN layer and LayerNorm takes part in Y",
                                 "zh": "每个投影、前馈网络的每一层和每个 LayerNorm 都要参与计算 Y"})
