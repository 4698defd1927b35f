"""corr2d impostor: every function has the right output shape and computes zeros."""
import torch
from torch import nn


def corr2d(X, K):
    return torch.zeros(X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.zeros(x.shape[0] - self.weight.shape[0] + 1, x.shape[1] - self.weight.shape[1] + 1) + self.bias


def corr2d_multi_in(X, K):
    return torch.zeros(X.shape[1] - K.shape[1] + 1, X.shape[2] - K.shape[2] + 1)


def corr2d_multi_in_out(X, K):
    return torch.zeros(K.shape[0], X.shape[1] - K.shape[2] + 1, X.shape[2] - K.shape[3] + 1)


def pool2d(X, pool_size, mode="max"):
    return torch.zeros(X.shape[0] - pool_size[0] + 1, X.shape[1] - pool_size[1] + 1)
