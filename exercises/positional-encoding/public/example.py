"""Public check for PositionalEncoding: three positions of an encoding of size 6."""

import math

import torch

from grader.checking.checks import expect_close


def test_small_example(submission):
    encoding = submission.build("transformer:PositionalEncoding", 6, 0.0).eval()
    expected = torch.tensor([[[math.sin(i / 10000 ** (2 * j / 6)) if c % 2 == 0 else math.cos(i / 10000 ** (2 * j / 6))
                               for c in range(6) for j in [c // 2]] for i in range(3)]])
    expect_close(encoding(torch.zeros(1, 3, 6)), expected,
                 {"en": "PositionalEncoding(6, 0.0) on zeros of shape (1, 3, 6)",
                  "zh": "PositionalEncoding(6, 0.0) 作用于形状为 (1, 3, 6) 的全零输入"},
                 hint={"en": "row i (from 0), column 2j: sin(i / 10000^(2j/6)); column 2j+1: cos of the same angle",
                       "zh": "第 i 行（从 0 数起）第 2j 列：sin(i / 10000^(2j/6))；第 2j+1 列：同一角度的 cos"})
