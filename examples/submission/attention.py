# Exercise: masked softmax and dot-product attention (a student's version, masks built with broadcasting)
import math

import torch
import torch.nn as nn


def masked_softmax(X, valid_length):
    # X: (batch, n_queries, n_keys); valid_length: None, (batch,) or (batch, n_queries)
    if valid_length is None:
        return torch.softmax(X, dim=-1)
    if valid_length.dim() == 1:
        valid_length = valid_length[:, None].expand(X.shape[0], X.shape[1])  # same length for every query
    key_ids = torch.arange(X.shape[-1], device=X.device)
    mask = key_ids[None, None, :] < valid_length[:, :, None].to(X.device)
    return torch.softmax(X.masked_fill(~mask, -1e9), dim=-1)


class DotProductAttention(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.drop = nn.Dropout(dropout)

    def forward(self, query, key, value, valid_length=None):
        scores = query @ key.transpose(-1, -2) / math.sqrt(query.size(-1))
        self.attention_weights = masked_softmax(scores, valid_length)
        return self.drop(self.attention_weights) @ value
