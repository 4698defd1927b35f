"""Reference transformer.py in d2l-zh 2.x's contract: its constructors, forward signatures and state.

MultiHeadAttention(key_size, query_size, value_size, num_hiddens, num_heads, dropout, bias=False),
EncoderBlock and DecoderBlock with their ten parameters, DecoderBlock's state
[enc_outputs, enc_valid_lens, [None] * num_layers]. The computation is the course's; the
sublayers keep the names the checks use for their variants (attention, addnorm_1, W_q, ...).
One file serves every Transformer exercise's d2l-zh-2 edition (their folders link here).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


def sequence_mask(X, valid_len, value=0.0):
    keep = torch.arange(X.shape[1], device=X.device)[None, :] < valid_len[:, None]
    X[~keep] = value
    return X


def masked_softmax(X, valid_lens):
    """Softmax over the last axis, keys at or beyond each row's valid length masked out."""
    if valid_lens is None:
        return F.softmax(X, dim=-1)
    shape = X.shape
    lengths = torch.repeat_interleave(valid_lens, shape[1]) if valid_lens.dim() == 1 else valid_lens.reshape(-1)
    X = sequence_mask(X.reshape(-1, shape[-1]), lengths, value=-1e6)
    return F.softmax(X.reshape(shape), dim=-1)


class DotProductAttention(nn.Module):
    def __init__(self, dropout, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        scores = queries @ keys.transpose(1, 2) / math.sqrt(queries.shape[-1])
        self.attention_weights = masked_softmax(scores, valid_lens)
        return self.dropout(self.attention_weights) @ values


def split_heads(X, num_heads):
    """(batch, steps, num_hiddens) -> (batch * num_heads, steps, num_hiddens / num_heads), batch-major."""
    X = X.reshape(X.shape[0], X.shape[1], num_heads, -1).permute(0, 2, 1, 3)
    return X.reshape(-1, X.shape[2], X.shape[3])


def join_heads(X, num_heads):
    X = X.reshape(-1, num_heads, X.shape[1], X.shape[2]).permute(0, 2, 1, 3)
    return X.reshape(X.shape[0], X.shape[1], -1)


class MultiHeadAttention(nn.Module):
    def __init__(self, key_size, query_size, value_size, num_hiddens, num_heads, dropout, bias=False, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=bias)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=bias)
        self.W_v = nn.Linear(value_size, num_hiddens, bias=bias)
        self.W_o = nn.Linear(num_hiddens, num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens):
        queries = split_heads(self.W_q(queries), self.num_heads)
        keys = split_heads(self.W_k(keys), self.num_heads)
        values = split_heads(self.W_v(values), self.num_heads)
        if valid_lens is not None:
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        return self.W_o(join_heads(self.attention(queries, keys, values, valid_lens), self.num_heads))


class PositionWiseFFN(nn.Module):
    def __init__(self, ffn_num_input, ffn_num_hiddens, ffn_num_outputs, **kwargs):
        super().__init__(**kwargs)
        self.ffn_1 = nn.Linear(ffn_num_input, ffn_num_hiddens)
        self.ffn_2 = nn.Linear(ffn_num_hiddens, ffn_num_outputs)

    def forward(self, X):
        return self.ffn_2(torch.relu(self.ffn_1(X)))


class AddNorm(nn.Module):
    def __init__(self, normalized_shape, dropout, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(normalized_shape)

    def forward(self, X, Y):
        return self.norm(self.dropout(Y) + X)


class PositionalEncoding(nn.Module):
    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        steps = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1)
        X = steps / torch.pow(10000, torch.arange(0, num_hiddens, 2, dtype=torch.float32) / num_hiddens)
        self.P = torch.zeros((1, max_len, num_hiddens))
        self.P[:, :, 0::2] = torch.sin(X)
        self.P[:, :, 1::2] = torch.cos(X)

    def forward(self, X):
        return self.dropout(X + self.P[:, :X.shape[1], :].to(X.device))


class EncoderBlock(nn.Module):
    def __init__(self, key_size, query_size, value_size, num_hiddens, norm_shape, ffn_num_input, ffn_num_hiddens,
                 num_heads, dropout, use_bias=False, **kwargs):
        super().__init__(**kwargs)
        self.attention = MultiHeadAttention(key_size, query_size, value_size, num_hiddens, num_heads, dropout,
                                            use_bias)
        self.addnorm_1 = AddNorm(norm_shape, dropout)
        self.ffn = PositionWiseFFN(ffn_num_input, ffn_num_hiddens, num_hiddens)
        self.addnorm_2 = AddNorm(norm_shape, dropout)

    def forward(self, X, valid_lens):
        Y = self.addnorm_1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm_2(Y, self.ffn(Y))


class DecoderBlock(nn.Module):
    def __init__(self, key_size, query_size, value_size, num_hiddens, norm_shape, ffn_num_input, ffn_num_hiddens,
                 num_heads, dropout, i, **kwargs):
        super().__init__(**kwargs)
        self.i = i
        self.attention_1 = MultiHeadAttention(key_size, query_size, value_size, num_hiddens, num_heads, dropout)
        self.addnorm_1 = AddNorm(norm_shape, dropout)
        self.attention_2 = MultiHeadAttention(key_size, query_size, value_size, num_hiddens, num_heads, dropout)
        self.addnorm_2 = AddNorm(norm_shape, dropout)
        self.ffn = PositionWiseFFN(ffn_num_input, ffn_num_hiddens, num_hiddens)
        self.addnorm_3 = AddNorm(norm_shape, dropout)

    def forward(self, X, state):
        """state = [enc_outputs, enc_valid_lens, [None] * num_layers]: block i keeps its inputs in state[2][i]."""
        enc_outputs, enc_valid_lens = state[0], state[1]
        cached = state[2][self.i]
        key_values = X if cached is None else torch.cat((cached, X), dim=1)
        state[2][self.i] = key_values
        if self.training:
            batch_size, num_steps, _ = X.shape
            dec_valid_lens = torch.arange(1, num_steps + 1, device=X.device).repeat(batch_size, 1)
        else:
            dec_valid_lens = None
        Y = self.addnorm_1(X, self.attention_1(X, key_values, key_values, dec_valid_lens))
        Z = self.addnorm_2(Y, self.attention_2(Y, enc_outputs, enc_outputs, enc_valid_lens))
        return self.addnorm_3(Z, self.ffn(Z)), state
