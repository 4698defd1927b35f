"""Public checks for MultiHeadAttention: the output shape and the parameter count."""

import torch

from grader.checks import expect_shape


def test_output_shape(submission, device):
    attention = submission.build("transformer:MultiHeadAttention", 10, 12, 3, 0.0, device=device).eval()
    query, key = torch.randn(2, 4, 10), torch.randn(2, 6, 10)
    expect_shape(attention(query, key, key, torch.tensor([3, 6])), (2, 4, 10),
                 "MultiHeadAttention(10, 12, 3, 0.0) for 4 queries and 6 keys of size 10",
                 hint="one output per query, projected back to input_size by W_o")


def test_parameter_count(submission):
    count = submission.build("transformer:MultiHeadAttention", 10, 12, 3, 0.0).num_parameters()
    assert count == 4 * 10 * 12, (
        f"MultiHeadAttention(10, 12, 3, 0.0) has {count} trainable parameters, expected {4 * 10 * 12}. Hint: "
        "W_q, W_k and W_v map input_size to hidden_size, W_o maps hidden_size back, all four without bias; "
        "the heads share them (hidden_size is split across the heads)")
