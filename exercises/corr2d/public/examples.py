"""Public checks for conv.py: the examples worked through in the course."""

import torch

from grader.checking.checks import expect_close

EXAMPLE_X = torch.arange(9.0).view(3, 3)


def test_corr2d_example(submission):
    corr2d = submission.function("conv:corr2d")
    K = torch.arange(4.0).view(2, 2)
    expect_close(corr2d(EXAMPLE_X, K), torch.tensor([[19.0, 25.0], [37.0, 43.0]]), "corr2d(X, K)",
                 hint={"en": "each output element is the sum of a 2x2 window of X times K, without flipping K",
                       "zh": "每个输出元素是 X 的一个 2x2 窗口与 K 逐元素相乘后的和，K 不翻转"})


def test_pool_max(submission):
    pool2d = submission.function("conv:pool2d")
    expect_close(pool2d(EXAMPLE_X, (2, 2)), torch.tensor([[4.0, 5.0], [7.0, 8.0]]), "pool2d(X, (2, 2))",
                 hint={"en": "max mode is the default; the window moves one step at a time",
                       "zh": "默认是 max 模式；窗口每次移动一步"})
