"""Max pooling computes the mean.

caught-by: pool-max, pool-avg
"""

import torch
from torch import nn


def corr2d(X, K):
    """Slide K over X; each output element is the sum of the window times K."""
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def corr2d_multi_in(X, K):
    """One kernel slice per input channel; the results are added up."""
    result = corr2d(X[0, :, :], K[0, :, :])
    for i in range(1, X.shape[0]):
        result += corr2d(X[i, :, :], K[i, :, :])
    return result


def corr2d_multi_in_out(X, K):
    """One multi-input kernel per output channel, stacked along dim 0."""
    return torch.stack([corr2d_multi_in(X, k) for k in K])


def pool2d(X, pool_size, mode="max"):
    """Max or average over each pool_size window, stride 1, no padding."""
    p_h, p_w = pool_size
    Y = torch.zeros(X.shape[0] - p_h + 1, X.shape[1] - p_w + 1)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i : i + p_h, j : j + p_w]
            Y[i, j] = window.mean()
    return Y
