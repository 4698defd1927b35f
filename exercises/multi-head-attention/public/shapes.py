"""Public checks for MultiHeadAttention: the output shape and the parameter count.

input_size 10 and hidden_size 12 differ, so the course's W_o (hidden_size -> hidden_size) and
a W_o back to input_size give different sizes; both are correct.
"""

import torch

from grader.checking.evidence import expect_parameters_used

INPUT, HIDDEN, HEADS = 10, 12, 3
BUILT = f"MultiHeadAttention({INPUT}, {HIDDEN}, {HEADS}, 0.0)"


def test_output_shape(submission, device):
    attention = submission.build("transformer:MultiHeadAttention", INPUT, HIDDEN, HEADS, 0.0, device=device).eval()
    query, key = torch.randn(2, 4, INPUT), torch.randn(2, 6, INPUT)
    out = attention(query, key, key, torch.tensor([3, 6]))
    got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
    assert got in [(2, 4, HIDDEN), (2, 4, INPUT)], (
        f"{BUILT} for 4 queries and 6 keys of size {INPUT} gave {got}, expected a tensor of shape (2, 4, {HIDDEN}). "
        f"Hint: one output per query; the course's W_o maps the joined heads (hidden_size) to hidden_size "
        f"((2, 4, {INPUT}), with W_o back to input_size, is also accepted)")


def test_parameter_count(submission):
    attention = submission.build("transformer:MultiHeadAttention", INPUT, HIDDEN, HEADS, 0.0)
    count = attention.num_parameters()
    course, back = 3 * INPUT * HIDDEN + HIDDEN * HIDDEN, 4 * INPUT * HIDDEN
    assert count in (course, back), (
        f"{BUILT} has {count} trainable parameters, expected {course}: W_q, W_k and W_v map input_size to "
        f"hidden_size ({INPUT}x{HIDDEN} each) and W_o maps hidden_size to hidden_size ({HIDDEN}x{HIDDEN}), all four "
        f"without bias ({back} with W_o back to input_size is also accepted). Hint: the heads share the projections "
        "(hidden_size is split across the heads)")
    query, key = torch.randn(2, 4, INPUT), torch.randn(2, 6, INPUT)
    expect_parameters_used(attention, query, key, key, torch.tensor([6, 6]), what=BUILT,
                           hint="W_q, W_k, W_v and W_o all take part in the output")
