"""Hidden checks for conv.py: several input and output channels, and average pooling."""

import torch
import torch.nn.functional as F

from grader.checking.checks import expect_close


def test_multi_in(submission):
    X, K = torch.randn(3, 5, 6), torch.randn(3, 2, 3)
    expect_close(submission.call("conv:corr2d_multi_in", X, K), F.conv2d(X[None], K[None])[0, 0],
                 {"en": "corr2d_multi_in(X, K) with 3 input channels", "zh": "有 3 个输入通道的 corr2d_multi_in(X, K)"},
                 hint={"en": "cross-correlate each channel of X with its own slice of K, then add the results",
                       "zh": "X 的每个通道与 K 中对应的切片分别做互相关，再把结果相加"})


def test_multi_in_out(submission):
    X, K = torch.randn(3, 5, 5), torch.randn(4, 3, 2, 2)
    expect_close(submission.call("conv:corr2d_multi_in_out", X, K), F.conv2d(X[None], K)[0],
                 {"en": "corr2d_multi_in_out(X, K) with 3 input and 4 output channels",
                  "zh": "有 3 个输入通道、4 个输出通道的 corr2d_multi_in_out(X, K)"},
                 hint={"en": "apply corr2d_multi_in once per kernel K[i] and stack the results along dim 0",
                       "zh": "对每个卷积核 K[i] 调用一次 corr2d_multi_in，再把结果沿第 0 维堆叠起来"})


def test_pool_avg(submission):
    X = torch.randn(5, 6)
    expected = F.avg_pool2d(X[None, None], (2, 3), stride=1)[0, 0]
    expect_close(submission.call("conv:pool2d", X, (2, 3), "avg"), expected, "pool2d(X, (2, 3), 'avg')",
                 hint={"en": "avg mode takes the mean of each window", "zh": "avg 模式取每个窗口的平均值"})
    expected = F.max_pool2d(X[None, None], (3, 2), stride=1)[0, 0]
    expect_close(submission.call("conv:pool2d", X, (3, 2), "max"), expected, "pool2d(X, (3, 2), 'max')",
                 hint={"en": "max mode takes the largest element of each window", "zh": "max 模式取每个窗口中的最大元素"})
