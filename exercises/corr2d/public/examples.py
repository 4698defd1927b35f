"""Public checks for conv.py: the examples worked through in the course."""

import torch

from grader.checking.checks import expect_close

EXAMPLE_X = torch.arange(9.0).view(3, 3)


def test_corr2d_example(submission):
    corr2d = submission.function("conv:corr2d")
    K = torch.arange(4.0).view(2, 2)
    expect_close(corr2d(EXAMPLE_X, K), torch.tensor([[19.0, 25.0], [37.0, 43.0]]), "corr2d(X, K)",
                 hint="each output element is the sum of a 2x2 window of X times K, without flipping K")


def test_pool_max(submission):
    pool2d = submission.function("conv:pool2d")
    expect_close(pool2d(EXAMPLE_X, (2, 2)), torch.tensor([[4.0, 5.0], [7.0, 8.0]]), "pool2d(X, (2, 2))",
                 hint="max mode is the default; the window moves one step at a time")
