"""Attention impostor: uniform weights over every key, whatever the scores and lengths."""
import torch
from torch import nn


def masked_softmax(X, valid_length):
    return torch.full_like(X, 1.0 / X.shape[-1])


class DotProductAttention(nn.Module):
    def __init__(self, dropout, **kwargs):
        super().__init__()
        self.dropout = nn.Dropout(dropout)

    def forward(self, query, key, value, valid_length=None):
        weights = self.dropout(torch.full((query.shape[0], query.shape[1], key.shape[1]), 1.0 / key.shape[1]))
        return torch.bmm(weights, value)
