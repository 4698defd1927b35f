"""Proof helpers that measure with torch: build the course's layers and nets, run them, count.

Each helper measures what a quiz key claims (an output size, a parameter count, a variance)
without restating the key's formula. Re-exported by `grader.proofs.helpers` for `verify:` lines.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def param_count(module: nn.Module) -> int:
    """Learnable parameters of `module` (everything with requires_grad)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def param_share(module: nn.Module, kind: type) -> float:
    """The fraction of `module`'s parameters that sit in submodules of type `kind`."""
    inside = sum(param_count(m) for m in module.modules() if isinstance(m, kind))
    return inside / param_count(module)


@torch.no_grad()
def output_shape(module: nn.Module, shape: list[int]) -> list[int]:
    """The shape `module` (in eval mode) gives for an input of `shape`.

    Runs on the meta device (shapes without arithmetic), so large layers cost nothing;
    the module is moved there, so pass a module built for the measurement.
    """
    module.to("meta").eval()
    return list(module(torch.zeros(*shape, device="meta")).shape)


@torch.no_grad()
def conv_output_size(n: int, p_total: int, k: int, s: int) -> int:
    """Output height of a convolution, measured: height n, `p_total` zero rows in all
    (p // 2 above, the rest below), kernel height k, stride s."""
    x = F.pad(torch.zeros(1, 1, n, 1), (0, 0, p_total // 2, p_total - p_total // 2))
    return F.conv2d(x, torch.zeros(1, 1, k, 1), stride=(s, 1)).shape[2]


@torch.no_grad()
def pool_output_size(n: int, k: int, s: int | None = None, p_total: int = 0, mode: str = "max") -> int:
    """Output height of a pooling layer, measured like `conv_output_size`; stride defaults to k."""
    x = F.pad(torch.zeros(1, 1, n, n), (0, 0, p_total // 2, p_total - p_total // 2))
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    return pool(x, (k, 1), stride=(s or k, 1)).shape[2]


def same_padding(n: int, k: int) -> int:
    """The smallest per-side `padding=` of nn.Conv2d (stride 1) that keeps an n x n input n x n."""
    for padding in range(k):
        if output_shape(nn.Conv2d(1, 1, k, padding=padding), [1, 1, n, n])[2] == n:
            return padding
    raise ValueError(f"no padding keeps the size for kernel {k}")


def softmax_value(xs: list[float], index: int) -> float:
    """softmax(xs)[index] in float64."""
    return torch.softmax(torch.tensor(xs, dtype=torch.float64), dim=0)[index].item()


def softmax_grad(xs: list[float], i: int, j: int) -> float:
    """d softmax(x)_i / d x_j at xs, by autograd in float64."""
    x = torch.tensor(xs, dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=0), x)
    return jacobian[i, j].item()


def _dot_products(d_k: int, trials: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    chunks, left = [], trials
    while left:
        size = min(left, max(1, 2_000_000 // d_k))
        q = torch.randn(size, d_k, generator=generator, dtype=torch.float64)
        k = torch.randn(size, d_k, generator=generator, dtype=torch.float64)
        chunks.append((q * k).sum(dim=1))
        left -= size
    return torch.cat(chunks)


def dot_product_variance(d_k: int, scale: float = 1.0, trials: int = 20_000, seed: int = 0) -> float:
    """Monte Carlo variance of q.k / scale for q, k with d_k independent N(0, 1) components."""
    return (_dot_products(d_k, trials, seed) / scale).var().item()


def dot_product_mean(d_k: int, trials: int = 20_000, seed: int = 0) -> float:
    """Monte Carlo mean of q.k (same setting as `dot_product_variance`)."""
    return _dot_products(d_k, trials, seed).mean().item()


def per_head_attention_params(h: int, d: int) -> int:
    """Parameters of multi-head attention with h heads, each with its own d x d projections
    for q, k and v, and an hd x d output layer; no biases. Built, then counted."""
    heads = nn.ModuleList(
        nn.ModuleDict({name: nn.Linear(d, d, bias=False) for name in ("q", "k", "v")}) for _ in range(h)
    )
    return param_count(nn.ModuleDict({"heads": heads, "out": nn.Linear(h * d, d, bias=False)}))


def head_split_shape(batch: int, length: int, d_model: int, h: int) -> list[int]:
    """Shape after the course's transpose_qkv: (B, L, d) -> (B*h, L, d/h), done with views."""
    x = torch.zeros(batch, length, d_model).view(batch, length, h, -1).transpose(1, 2)
    return list(x.reshape(-1, length, x.shape[-1]).shape)


def influence_count(module: nn.Module, shape: list[int]) -> int:
    """How many outputs change when one input element changes (module in training mode).

    For a normalisation layer: the size of the group normalised together. For a
    position-wise layer: the width of one position.
    """
    module.train()
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(*shape, generator=generator)
    nudged = x.clone()
    nudged.view(-1)[0] += 1.0
    with torch.no_grad():
        changed = (module(nudged) - module(x)).abs() > 1e-6
    return int(changed.sum())


def multiply_adds(module: nn.Module, shape: list[int]) -> int:
    """Multiply-adds of one forward pass on a zero input of `shape`, by torch's FLOP counter."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module(torch.zeros(*shape))
    return counter.get_total_flops() // 2


@torch.no_grad()
def self_attention_ignores_order(d: int, n: int, seed: int = 0) -> bool:
    """Does permuting the positions fed to self-attention just permute its outputs the same way?"""
    torch.manual_seed(seed)
    attention = nn.MultiheadAttention(d, 1, batch_first=True)
    x = torch.randn(1, n, d)
    order = torch.randperm(n)
    out = attention(x, x, x)[0]
    shuffled = attention(x[:, order], x[:, order], x[:, order])[0]
    return torch.allclose(out[:, order], shuffled, atol=1e-5)


@torch.no_grad()
def pointwise_conv_equals_linear(c_in: int, c_out: int, seed: int = 0) -> bool:
    """Does a 1x1 convolution equal one dense layer applied to every pixel's channel vector?"""
    torch.manual_seed(seed)
    conv = nn.Conv2d(c_in, c_out, 1)
    dense = nn.Linear(c_in, c_out)
    dense.weight.copy_(conv.weight.view(c_out, c_in))
    dense.bias.copy_(conv.bias)
    x = torch.randn(2, c_in, 5, 6)
    per_pixel = dense(x.permute(0, 2, 3, 1).reshape(-1, c_in)).view(2, 5, 6, c_out).permute(0, 3, 1, 2)
    return torch.allclose(conv(x), per_pixel, atol=1e-5)


@torch.no_grad()
def ffn_equals_conv1x1(d: int, hidden: int, seed: int = 0) -> bool:
    """Does the position-wise FFN (Linear, ReLU, Linear on the last dim) equal two
    kernel-1 Conv1d layers over the sequence?"""
    torch.manual_seed(seed)
    ffn = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, d))
    convs = nn.Sequential(nn.Conv1d(d, hidden, 1), nn.ReLU(), nn.Conv1d(hidden, d, 1))
    for dense, conv in ((ffn[0], convs[0]), (ffn[2], convs[2])):
        conv.weight.copy_(dense.weight.unsqueeze(-1))
        conv.bias.copy_(dense.bias)
    x = torch.randn(3, 7, d)
    return torch.allclose(ffn(x), convs(x.transpose(1, 2)).transpose(1, 2), atol=1e-5)


class _RNNCell(nn.Module):
    """The course's from-scratch cell: h_t = tanh(x_t W_xh + h_{t-1} W_hh + b)."""

    def __init__(self, d: int, h: int):
        super().__init__()
        self.W_xh, self.W_hh, self.b = (nn.Parameter(torch.randn(*s) * 0.01) for s in ((d, h), (h, h), (h,)))

    def forward(self, x: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x @ self.W_xh + state @ self.W_hh + self.b)


def rnn_cell_params(d: int, h: int) -> int:
    """Parameters of the course's cell, counted after one step has run on a batch."""
    cell = _RNNCell(d, h)
    cell(torch.zeros(2, d), torch.zeros(2, h))
    return param_count(cell)


def linear_rnn_gradient(w: float, t: int) -> float:
    """d h_t / d h_0 for the scalar recurrence h_k = w * h_{k-1}, by autograd in float64."""
    h0 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    h = h0
    for _ in range(t):
        h = w * h
    h.backward()
    return h0.grad.item()


def clipped_gradient(gradient: list[float], theta: float) -> list[float]:
    """A gradient after torch.nn.utils.clip_grad_norm_ with max norm theta."""
    weight = nn.Parameter(torch.zeros(len(gradient), dtype=torch.float64))
    weight.grad = torch.tensor(gradient, dtype=torch.float64)
    nn.utils.clip_grad_norm_([weight], theta)
    return weight.grad.tolist()


def masked_attention_weights(scores: list[float], valid_length: int) -> list[float]:
    """Softmax weights over `scores` with positions from `valid_length` on masked out."""
    x = torch.tensor(scores, dtype=torch.float64)
    x = x.masked_fill(torch.arange(len(scores)) >= valid_length, float("-inf"))
    return torch.softmax(x, dim=0).tolist()


def decoder_forward_passes(target_length: int, mode: str) -> int:
    """Forward calls of a decoder stub to produce `target_length` tokens (the last one the
    end token): teacher forcing with a look-ahead mask in "train", greedy decoding in "predict"."""
    calls = 0

    def decoder(tokens: torch.Tensor) -> torch.Tensor:  # one score row per input position
        nonlocal calls
        calls += 1
        return torch.arange(1, tokens.shape[0] + 1)

    if mode == "train":
        decoder(torch.zeros(target_length))  # the shifted target, all positions at once
        return calls
    generated = [0]  # the start token
    while len(generated) - 1 < target_length:
        generated.append(int(decoder(torch.tensor(generated))[-1]))
    return calls
