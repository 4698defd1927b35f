"""Hidden checks for conv.py: several input and output channels, and average pooling."""

import torch
import torch.nn.functional as F

from grader.checking.checks import expect_close


def test_multi_in(submission):
    X, K = torch.randn(3, 5, 6), torch.randn(3, 2, 3)
    expect_close(submission.call("conv:corr2d_multi_in", X, K), F.conv2d(X[None], K[None])[0, 0],
                 "corr2d_multi_in(X, K) with 3 input channels",
                 hint="cross-correlate each channel of X with its own slice of K, then add the results")


def test_multi_in_out(submission):
    X, K = torch.randn(3, 5, 5), torch.randn(4, 3, 2, 2)
    expect_close(submission.call("conv:corr2d_multi_in_out", X, K), F.conv2d(X[None], K)[0],
                 "corr2d_multi_in_out(X, K) with 3 input and 4 output channels",
                 hint="apply corr2d_multi_in once per kernel K[i] and stack the results along dim 0")


def test_pool_avg(submission):
    X = torch.randn(5, 6)
    expected = F.avg_pool2d(X[None, None], (2, 3), stride=1)[0, 0]
    expect_close(submission.call("conv:pool2d", X, (2, 3), "avg"), expected, "pool2d(X, (2, 3), 'avg')",
                 hint="avg mode takes the mean of each window")
    expected = F.max_pool2d(X[None, None], (3, 2), stride=1)[0, 0]
    expect_close(submission.call("conv:pool2d", X, (3, 2), "max"), expected, "pool2d(X, (3, 2), 'max')",
                 hint="max mode takes the largest element of each window")
