"""Public checks for EncoderBlock: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape, say
from grader.checking.evidence import expect_parameters_used

D, FFN, HEADS = 12, 20, 3


def test_output_shape(submission, device):
    block = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.0, device=device).eval()
    expect_shape(block(torch.randn(2, 5, D), torch.tensor([3, 5])), (2, 5, D),
                 {"en": f"EncoderBlock({D}, {FFN}, {HEADS}, 0.0) on X of shape (2, 5, {D})",
                  "zh": f"EncoderBlock({D}, {FFN}, {HEADS}, 0.0) 作用于形状为 (2, 5, {D}) 的 X"},
                 hint={"en": "both sublayers keep the shape, so the residual connections can add",
                       "zh": "两个子层都保持形状不变，残差连接才能相加"})


def test_parameter_count(submission):
    block = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.0)
    count = block.num_parameters()
    attention, ffn, norms = 4 * D * D, D * FFN + FFN + FFN * D + D, 2 * 2 * D
    assert count == attention + ffn + norms, say({
        "en": f"EncoderBlock({D}, {FFN}, {HEADS}, 0.0) has {count} trainable parameters, expected "
              f"{attention + ffn + norms}: {attention} in the attention (four bias-free {D}x{D} projections), {ffn} in "
              f"the FFN and {norms} in two LayerNorms",
        "zh": f"EncoderBlock({D}, {FFN}, {HEADS}, 0.0) 有 {count} 个可训练参数，期望 {attention + ffn + norms} 个："
              f"注意力中 {attention} 个（四个不带偏置的 {D}x{D} 投影），前馈网络中 {ffn} 个，"
              f"两个 LayerNorm 中 {norms} 个"})
    expect_parameters_used(block, torch.randn(2, 5, D), torch.tensor([5, 5]), what=f"EncoderBlock({D}, {FFN}, {HEADS}, 0.0)",
                           hint={"en": "every projection, FFN layer and LayerNorm takes part in the output",
                                 "zh": "每个投影、前馈网络的每一层和每个 LayerNorm 都要参与计算输出"})
