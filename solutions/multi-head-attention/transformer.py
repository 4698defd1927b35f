"""Reference transformer.py: the course's Transformer building blocks.

One file serves the exercises multi-head-attention, position-wise-ffn, add-norm,
positional-encoding, encoder-block and decoder-block (their solution folders link here).
It holds its own copy of the attention code, so that it loads alone as the grader's reference;
a student's transformer.py may import it from attention.py instead.
"""

import math

import torch
from torch import nn
import torch.nn.functional as F


# -- attention (as in attention.py) -----------------------------------------------------
def sequence_mask(X, valid_length, value=-1e6):
    positions = torch.arange(X.shape[-1], device=X.device)
    keep = positions[None, :] < valid_length.to(X.device)[:, None]
    return X.masked_fill(~keep, value)


def masked_softmax(X, valid_length):
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
        d = query.shape[-1]
        scores = torch.bmm(query, key.transpose(1, 2)) / math.sqrt(d)
        return torch.bmm(self.dropout(masked_softmax(scores, valid_length)), value)


# -- multi-head attention ----------------------------------------------------------------
def transpose_qkv(X, num_heads):
    """(B, T, hidden) -> (B * num_heads, T, hidden / num_heads), batch-major: row b * num_heads + h."""
    X = X.reshape(X.shape[0], X.shape[1], num_heads, -1)
    X = X.transpose(1, 2)
    return X.reshape(-1, X.shape[2], X.shape[3])


def transpose_output(X, num_heads):
    """The inverse of transpose_qkv: (B * num_heads, T, h) -> (B, T, num_heads * h)."""
    X = X.reshape(-1, num_heads, X.shape[1], X.shape[2])
    X = X.transpose(1, 2)
    return X.reshape(X.shape[0], X.shape[1], -1)


class MultiHeadAttention(nn.Module):
    def __init__(self, input_size, hidden_size, num_heads, dropout, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Linear(input_size, hidden_size, bias=False)
        self.W_k = nn.Linear(input_size, hidden_size, bias=False)
        self.W_v = nn.Linear(input_size, hidden_size, bias=False)
        # the course's convention: the joined heads stay hidden_size wide (W_o back to input_size is
        # also correct; the checks build that variant themselves)
        self.W_o = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, query, key, value, valid_length):
        query = transpose_qkv(self.W_q(query), self.num_heads)
        key = transpose_qkv(self.W_k(key), self.num_heads)
        value = transpose_qkv(self.W_v(value), self.num_heads)
        if valid_length is not None:
            # the rows are batch-major (b * num_heads + h): each length once per head, in place
            valid_length = torch.repeat_interleave(valid_length, self.num_heads, dim=0)
        output = self.attention(query, key, value, valid_length)
        return self.W_o(transpose_output(output, self.num_heads))


# -- the other sublayers -----------------------------------------------------------------
class PositionWiseFFN(nn.Module):
    def __init__(self, input_size, ffn_hidden_size, hidden_size_out, **kwargs):
        super().__init__(**kwargs)
        self.ffn_1 = nn.Linear(input_size, ffn_hidden_size)
        self.ffn_2 = nn.Linear(ffn_hidden_size, hidden_size_out)

    def forward(self, X):
        return self.ffn_2(F.relu(self.ffn_1(X)))


class AddNorm(nn.Module):
    def __init__(self, hidden_size, dropout, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(hidden_size)

    def forward(self, X, Y):
        return self.norm(self.dropout(Y) + X)


class PositionalEncoding(nn.Module):
    def __init__(self, embedding_size, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        positions = torch.arange(max_len, dtype=torch.float64)[:, None]
        angles = positions / torch.pow(10000.0, torch.arange(0, embedding_size, 2, dtype=torch.float64) / embedding_size)
        P = torch.zeros(1, max_len, embedding_size, dtype=torch.float64)
        P[:, :, 0::2] = torch.sin(angles)
        P[:, :, 1::2] = torch.cos(angles)
        self.register_buffer("P", P.float(), persistent=False)

    def forward(self, X):
        return self.dropout(X + self.P[:, : X.shape[1], :])


# -- blocks ------------------------------------------------------------------------------
class EncoderBlock(nn.Module):
    def __init__(self, embedding_size, ffn_hidden_size, num_heads, dropout, **kwargs):
        super().__init__(**kwargs)
        self.attention = MultiHeadAttention(embedding_size, embedding_size, num_heads, dropout)
        self.addnorm_1 = AddNorm(embedding_size, dropout)
        self.ffn = PositionWiseFFN(embedding_size, ffn_hidden_size, embedding_size)
        self.addnorm_2 = AddNorm(embedding_size, dropout)

    def forward(self, X, valid_length):
        Y = self.addnorm_1(X, self.attention(X, X, X, valid_length))
        return self.addnorm_2(Y, self.ffn(Y))


class DecoderBlock(nn.Module):
    def __init__(self, embedding_size, ffn_hidden_size, num_heads, dropout, i, **kwargs):
        super().__init__(**kwargs)
        self.i = i
        self.attention_1 = MultiHeadAttention(embedding_size, embedding_size, num_heads, dropout)
        self.addnorm_1 = AddNorm(embedding_size, dropout)
        self.attention_2 = MultiHeadAttention(embedding_size, embedding_size, num_heads, dropout)
        self.addnorm_2 = AddNorm(embedding_size, dropout)
        self.ffn = PositionWiseFFN(embedding_size, ffn_hidden_size, embedding_size)
        self.addnorm_3 = AddNorm(embedding_size, dropout)

    def forward(self, X, state):
        """state = [encoder outputs, encoder valid lengths, one cache per decoder block]."""
        enc_outputs, enc_valid_length = state[0], state[1]
        # the cache of block i holds every input this block has seen while predicting
        if state[2][self.i] is None:
            key_values = X
        else:
            key_values = torch.cat((state[2][self.i], X), dim=1)
        state[2][self.i] = key_values
        if self.training:
            # the whole target at once: position t may look at positions 0..t only
            batch_size, seq_len, _ = X.shape
            valid_length = torch.arange(1, seq_len + 1, device=X.device).repeat(batch_size, 1)
        else:
            valid_length = None  # one token at a time: the cache holds only the past
        Y = self.addnorm_1(X, self.attention_1(X, key_values, key_values, valid_length))
        Z = self.addnorm_2(Y, self.attention_2(Y, enc_outputs, enc_outputs, enc_valid_length))
        return self.addnorm_3(Z, self.ffn(Z)), state
