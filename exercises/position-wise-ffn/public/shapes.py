"""Public checks for PositionWiseFFN: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape, say
from grader.checking.evidence import expect_parameters_used


def test_output_shape(submission, device):
    ffn = submission.build("transformer:PositionWiseFFN", 8, 32, 6, device=device).eval()
    expect_shape(ffn(torch.randn(2, 5, 8)), (2, 5, 6),
                 {"en": "PositionWiseFFN(8, 32, 6) on a (2, 5, 8) input", "zh": "PositionWiseFFN(8, 32, 6) 作用于 (2, 5, 8) 的输入"},
                 hint={"en": "the dense layers act on the last axis and keep batch and length",
                       "zh": "全连接层作用于最后一维，批量大小和序列长度保持不变"})


def test_parameter_count(submission):
    ffn = submission.build("transformer:PositionWiseFFN", 8, 32, 6)
    count = ffn.num_parameters()
    expected = 8 * 32 + 32 + 32 * 6 + 6
    assert count == expected, say({
        "en": f"PositionWiseFFN(8, 32, 6) has {count} trainable parameters, expected {expected}. "
              "Hint: nn.Linear(input_size, ffn_hidden_size) then nn.Linear(ffn_hidden_size, "
              "hidden_size_out), both with biases",
        "zh": f"PositionWiseFFN(8, 32, 6) 有 {count} 个可训练参数，期望 {expected} 个。"
              "提示：先 nn.Linear(input_size, ffn_hidden_size)，再 nn.Linear(ffn_hidden_size, hidden_size_out)，都带偏置"})
    expect_parameters_used(ffn, torch.randn(2, 5, 8), what="PositionWiseFFN(8, 32, 6)",
                           hint={"en": "both dense layers, weights and biases, take part in the output",
                                 "zh": "两个全连接层的权重和偏置都要参与计算输出"})
