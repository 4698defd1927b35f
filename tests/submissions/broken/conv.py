"""A conv.py with a bug that raises inside the student's own code (line 9) and no pool2d."""

import torch


def corr2d(X, K):
    h, w = K.shape
    if h != w:
        raise ValueError("only square kernels, sorry")
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y
