"""The attention scores are not divided by sqrt(d).

Large dot products push the softmax towards one-hot weights with vanishing gradients.

caught-by: scaled-scores
"""

import math

import torch
from torch import nn
import torch.nn.functional as F


def sequence_mask(X, valid_length, value=-1e6):
    """Fill the entries of each row of the 2-D `X` at or beyond its valid length with `value`."""
    positions = torch.arange(X.shape[-1], device=X.device)
    keep = positions[None, :] < valid_length.to(X.device)[:, None]
    return X.masked_fill(~keep, value)


def masked_softmax(X, valid_length):
    """Softmax over the last axis of the 3-D `X`, keys at or beyond the valid length left out.

    valid_length is None, (batch,) for one length per example, or (batch, queries) for one
    length per query.
    """
    if valid_length is None:
        return F.softmax(X, dim=-1)
    shape = X.shape
    if valid_length.dim() == 1:
        valid_length = torch.repeat_interleave(valid_length, shape[1])
    else:
        valid_length = valid_length.reshape(-1)
    X = sequence_mask(X.reshape(-1, shape[-1]), valid_length)
    return F.softmax(X, dim=-1).reshape(shape)


class DotProductAttention(nn.Module):
    def __init__(self, dropout, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)

    def forward(self, query, key, value, valid_length=None):
        """query (B, Q, d), key (B, K, d), value (B, K, v) -> (B, Q, v)."""
        d = query.shape[-1]
        scores = torch.bmm(query, key.transpose(1, 2))
        weights = self.dropout(masked_softmax(scores, valid_length))
        return torch.bmm(weights, value)
