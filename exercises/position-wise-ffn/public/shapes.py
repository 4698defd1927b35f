"""Public checks for PositionWiseFFN: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape
from grader.checking.evidence import expect_parameters_used


def test_output_shape(submission, device):
    ffn = submission.build("transformer:PositionWiseFFN", 8, 32, 6, device=device).eval()
    expect_shape(ffn(torch.randn(2, 5, 8)), (2, 5, 6), "PositionWiseFFN(8, 32, 6) on a (2, 5, 8) input",
                 hint="the dense layers act on the last axis and keep batch and length")


def test_parameter_count(submission):
    ffn = submission.build("transformer:PositionWiseFFN", 8, 32, 6)
    count = ffn.num_parameters()
    expected = 8 * 32 + 32 + 32 * 6 + 6
    assert count == expected, (f"PositionWiseFFN(8, 32, 6) has {count} trainable parameters, expected {expected}. "
                               "Hint: nn.Linear(input_size, ffn_hidden_size) then nn.Linear(ffn_hidden_size, "
                               "hidden_size_out), both with biases")
    expect_parameters_used(ffn, torch.randn(2, 5, 8), what="PositionWiseFFN(8, 32, 6)",
                           hint="both dense layers, weights and biases, take part in the output")
