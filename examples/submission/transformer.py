# Exercise: Transformer blocks (a student's version: one fused q/k/v projection, own names)
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def masked_softmax(X, valid_length):
    if valid_length is None:
        return F.softmax(X, dim=-1)
    if valid_length.dim() == 1:
        valid_length = valid_length[:, None].expand(X.shape[0], X.shape[1])
    mask = torch.arange(X.shape[-1], device=X.device)[None, None, :] < valid_length[:, :, None]
    return F.softmax(X.masked_fill(~mask, -1e9), dim=-1)


class MultiHeadAttention(nn.Module):
    def __init__(self, input_size, hidden_size, num_heads, dropout):
        super().__init__()
        self.heads = num_heads
        self.qkv = nn.Linear(input_size, 3 * hidden_size, bias=False)  # W_q, W_k, W_v stacked
        self.proj = nn.Linear(hidden_size, hidden_size, bias=False)  # W_o, as the course has it
        self.drop = nn.Dropout(dropout)

    def split_heads(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, -1).permute(0, 2, 1, 3).reshape(b * self.heads, t, -1)

    def merge_heads(self, x):
        bh, t, d = x.shape
        return x.view(bh // self.heads, self.heads, t, d).permute(0, 2, 1, 3).reshape(bh // self.heads, t, -1)

    def forward(self, query, key, value, valid_length):
        w_q, w_k, w_v = self.qkv.weight.chunk(3, dim=0)
        q = self.split_heads(F.linear(query, w_q))
        k = self.split_heads(F.linear(key, w_k))
        v = self.split_heads(F.linear(value, w_v))
        if valid_length is not None:
            # one copy of the lengths for every head
            if valid_length.dim() == 1:
                valid_length = valid_length.repeat(self.heads)
            else:
                valid_length = valid_length.repeat(self.heads, 1)
        scores = q @ k.transpose(1, 2) / math.sqrt(q.shape[-1])
        weights = self.drop(masked_softmax(scores, valid_length))
        return self.proj(self.merge_heads(weights @ v))


class PositionWiseFFN(nn.Module):
    def __init__(self, input_size, ffn_hidden_size, hidden_size_out):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(input_size, ffn_hidden_size), nn.ReLU(),
                                 nn.Linear(ffn_hidden_size, hidden_size_out))

    def forward(self, X):
        return self.net(X)


class AddNorm(nn.Module):
    def __init__(self, hidden_size, dropout):
        super().__init__()
        self.ln = nn.LayerNorm(hidden_size)
        self.drop = nn.Dropout(dropout)

    def forward(self, X, Y):
        return self.ln(X + self.drop(Y))


class PositionalEncoding(nn.Module):
    def __init__(self, embedding_size, dropout, max_len=1000):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        pos = torch.arange(max_len).unsqueeze(1).float()
        freq = torch.exp(torch.arange(0, embedding_size, 2).float() * (-math.log(10000.0) / embedding_size))
        pe = torch.zeros(max_len, embedding_size)
        pe[:, 0::2] = torch.sin(pos * freq)
        pe[:, 1::2] = torch.cos(pos * freq)
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, X):
        return self.drop(X + self.pe[:, : X.size(1)])


class EncoderBlock(nn.Module):
    def __init__(self, embedding_size, ffn_hidden_size, num_heads, dropout):
        super().__init__()
        self.attn = MultiHeadAttention(embedding_size, embedding_size, num_heads, dropout)
        self.ffn = PositionWiseFFN(embedding_size, ffn_hidden_size, embedding_size)
        self.norm1 = AddNorm(embedding_size, dropout)
        self.norm2 = AddNorm(embedding_size, dropout)

    def forward(self, X, valid_length):
        h = self.norm1(X, self.attn(X, X, X, valid_length))
        return self.norm2(h, self.ffn(h))


class DecoderBlock(nn.Module):
    def __init__(self, embedding_size, ffn_hidden_size, num_heads, dropout, i):
        super().__init__()
        self.i = i
        self.self_attn = MultiHeadAttention(embedding_size, embedding_size, num_heads, dropout)
        self.cross_attn = MultiHeadAttention(embedding_size, embedding_size, num_heads, dropout)
        self.ffn = PositionWiseFFN(embedding_size, ffn_hidden_size, embedding_size)
        self.norm1 = AddNorm(embedding_size, dropout)
        self.norm2 = AddNorm(embedding_size, dropout)
        self.norm3 = AddNorm(embedding_size, dropout)

    def forward(self, X, state):
        enc_out, enc_valid = state[0], state[1]
        past = state[2][self.i]
        kv = X if past is None else torch.cat([past, X], dim=1)
        state[2][self.i] = kv
        if self.training:
            b, t, _ = X.shape
            causal = torch.arange(1, t + 1, device=X.device).expand(b, t)  # query t sees keys 0..t
        else:
            causal = None
        h = self.norm1(X, self.self_attn(X, kv, kv, causal))
        h = self.norm2(h, self.cross_attn(h, enc_out, enc_out, enc_valid))
        return self.norm3(h, self.ffn(h)), state
