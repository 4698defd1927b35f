"""Transformer impostors: one dense layer (or nothing) where each block belongs."""
import torch
from torch import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, input_size, hidden_size, num_heads, dropout, **kwargs):
        super().__init__()
        self.dense = nn.Linear(input_size, hidden_size, bias=False)

    def forward(self, query, key, value, valid_length):
        return self.dense(query)


class PositionWiseFFN(nn.Module):
    def __init__(self, input_size, ffn_hidden_size, hidden_size_out, **kwargs):
        super().__init__()
        self.dense = nn.Linear(input_size, hidden_size_out)

    def forward(self, X):
        return self.dense(X)


class AddNorm(nn.Module):
    def __init__(self, hidden_size, dropout, **kwargs):
        super().__init__()
        self.dense = nn.Linear(hidden_size, hidden_size)

    def forward(self, X, Y):
        return self.dense(Y)


class PositionalEncoding(nn.Module):
    def __init__(self, embedding_size, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)

    def forward(self, X):
        return self.dropout(X)


class EncoderBlock(nn.Module):
    def __init__(self, embedding_size, ffn_hidden_size, num_heads, dropout, **kwargs):
        super().__init__()
        self.dense = nn.Linear(embedding_size, embedding_size)

    def forward(self, X, valid_length):
        return self.dense(X)


class DecoderBlock(nn.Module):
    def __init__(self, embedding_size, ffn_hidden_size, num_heads, dropout, i, **kwargs):
        super().__init__()
        self.i = i
        self.dense = nn.Linear(embedding_size, embedding_size)

    def forward(self, X, state):
        return self.dense(X), state
