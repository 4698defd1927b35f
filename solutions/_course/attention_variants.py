"""The course's multi-head attention on a reference's projections, with known mistakes as knobs.

The Transformer checks (multi-head-attention, encoder-block, decoder-block) import this bank
module (grader.bank.course_code) and load these variants into a student's module by structure: when the student's outputs equal one of them
under the same weights, the check names that mistake instead of saying "outputs differ".
"""

from __future__ import annotations

import math

import torch
from torch import nn

# Said to students, in each language the bank speaks (a check says one with grader.checking.checks.say)
HEAD_MAJOR = {
    "en": "valid_length is repeated head-major (np.tile / valid_length.repeat(num_heads), as the course's notebook "
          "does) while transpose_qkv lays the heads out batch-major (row b * num_heads + h), so the heads of one "
          "example get other examples' lengths; it shows only when the lengths in one batch differ. Hint: "
          "torch.repeat_interleave(valid_length, num_heads, dim=0)",
    "zh": "valid_length 按头优先重复（np.tile / valid_length.repeat(num_heads)，如课程笔记本中那样），而 transpose_qkv "
          "按批量优先排列各个头（第 b * num_heads + h 行），因此一个样本的各个头拿到了别的样本的有效长度；"
          "只有同一批量中长度不同时才会显现。提示：torch.repeat_interleave(valid_length, num_heads, dim=0)"}
PADDING_HINT = {
    "en": "mask with a large negative number (not 0) and give every head of example b the length of example b: the "
          "heads are laid out batch-major, so repeat the lengths with repeat_interleave; a head-major repeat "
          "(np.tile / .repeat(num_heads), as in the course's notebook) hands them other examples' lengths",
    "zh": "用一个很大的负数（而不是 0）做掩码，并让样本 b 的每个头都使用样本 b 的有效长度：各个头按批量优先排列，"
          "所以要用 repeat_interleave 重复长度；按头优先重复（np.tile / .repeat(num_heads)，如课程笔记本中那样）"
          "会把别的样本的长度交给它们"}


def multi_head_attention(mha: nn.Module, query, key, value, valid_length, *, heads: int | None = None,
                         scale: bool = True, tiled: bool = False, split: bool = True, fill: float = -1e6):
    """`mha`'s W_q, W_k, W_v, W_o applied the course's way, one knob at a time turned wrong.

    heads: how many heads (1: not split); scale=False: scores not divided by sqrt(d);
    tiled: valid_length repeated head-major; split=False: heads cut by a reshape without the
    transpose; fill: the value masked scores get (0 lets padding through)."""
    B, h = query.shape[0], heads or mha.num_heads

    def cut(X):
        if not split:  # reshaped straight to (B * h, T, -1): positions and heads mixed up
            return X.reshape(B * h, X.shape[1], -1)
        return X.reshape(B, X.shape[1], h, -1).transpose(1, 2).reshape(B * h, X.shape[1], -1)

    q, k, v = cut(mha.W_q(query)), cut(mha.W_k(key)), cut(mha.W_v(value))
    scores = q @ k.transpose(1, 2) / (math.sqrt(q.shape[-1]) if scale else 1.0)
    if valid_length is not None:
        if tiled:
            lengths = valid_length.repeat(h) if valid_length.dim() == 1 else valid_length.repeat(h, 1)
        else:
            lengths = valid_length.repeat_interleave(h, dim=0)
        rows = lengths.repeat_interleave(q.shape[1]) if lengths.dim() == 1 else lengths.reshape(-1)
        keep = torch.arange(k.shape[1], device=rows.device)[None, :] < rows[:, None]
        scores = scores.reshape(-1, k.shape[1]).masked_fill(~keep, fill).reshape(scores.shape)
    out = torch.softmax(scores, dim=-1) @ v
    if split:
        out = out.reshape(B, h, q.shape[1], -1).transpose(1, 2)
    return mha.W_o(out.reshape(B, q.shape[1], -1))


class MultiHeadVariant(nn.Module):
    """A reference MultiHeadAttention's weights (same parameters, same order) computing with `knobs`."""

    def __init__(self, mha: nn.Module, **knobs):
        super().__init__()
        self.mha, self.knobs = mha, knobs

    def forward(self, query, key, value, valid_length):
        return multi_head_attention(self.mha, query, key, value, valid_length, **self.knobs)
