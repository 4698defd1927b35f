"""Public checks for MultiHeadAttention: the output shape and the parameter count.

input_size 10 and hidden_size 12 differ, so the course's W_o (hidden_size -> hidden_size) and
a W_o back to input_size give different sizes; both are correct.
"""

import torch

from grader.checking.checks import say
from grader.checking.evidence import expect_parameters_used

INPUT, HIDDEN, HEADS = 10, 12, 3
BUILT = f"MultiHeadAttention({INPUT}, {HIDDEN}, {HEADS}, 0.0)"


def test_output_shape(submission, device):
    attention = submission.build("transformer:MultiHeadAttention", INPUT, HIDDEN, HEADS, 0.0, device=device).eval()
    query, key = torch.randn(2, 4, INPUT), torch.randn(2, 6, INPUT)
    out = attention(query, key, key, torch.tensor([3, 6]))
    got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
    assert got in [(2, 4, HIDDEN), (2, 4, INPUT)], say({
        "en": f"{BUILT} for 4 queries and 6 keys of size {INPUT} gave {got}, expected a tensor of shape (2, 4, {HIDDEN}). "
              f"Hint: one output per query; the course's W_o maps the joined heads (hidden_size) to hidden_size "
              f"((2, 4, {INPUT}), with W_o back to input_size, is also accepted)",
        "zh": f"对 4 个查询和 6 个长度为 {INPUT} 的键，{BUILT} 给出了 {got}，期望形状为 (2, 4, {HIDDEN}) 的张量。"
              f"提示：每个查询一个输出；课程中的 W_o 把连结后的各头（hidden_size）映射到 hidden_size"
              f"（W_o 映射回 input_size、得到 (2, 4, {INPUT}) 也可以接受）"})


def test_parameter_count(submission):
    attention = submission.build("transformer:MultiHeadAttention", INPUT, HIDDEN, HEADS, 0.0)
    count = attention.num_parameters()
    course, back = 3 * INPUT * HIDDEN + HIDDEN * HIDDEN, 4 * INPUT * HIDDEN
    assert count in (course, back), say({
        "en": f"{BUILT} has {count} trainable parameters, expected {course}: W_q, W_k and W_v map input_size to "
              f"hidden_size ({INPUT}x{HIDDEN} each) and W_o maps hidden_size to hidden_size ({HIDDEN}x{HIDDEN}), all four "
              f"without bias ({back} with W_o back to input_size is also accepted). Hint: the heads share the projections "
              "(hidden_size is split across the heads)",
        "zh": f"{BUILT} 有 {count} 个可训练参数，期望 {course} 个：W_q、W_k 和 W_v 把 input_size 映射到 "
              f"hidden_size（各 {INPUT}x{HIDDEN}），W_o 把 hidden_size 映射到 hidden_size（{HIDDEN}x{HIDDEN}），四者都"
              f"不带偏置（W_o 映射回 input_size 时的 {back} 个也可以接受）。提示：各头共用这些投影"
              "（hidden_size 被分给各个头）"})
    query, key = torch.randn(2, 4, INPUT), torch.randn(2, 6, INPUT)
    expect_parameters_used(attention, query, key, key, torch.tensor([6, 6]), what=BUILT,
                           hint={"en": "W_q, W_k, W_v and W_o all take part in the output",
                                 "zh": "W_q、W_k、W_v 和 W_o 都要参与计算输出"})
