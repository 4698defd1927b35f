"""Match a reference module's parameters to a student's by structure, not by name.

Students name their layers as they like and may fuse what the reference keeps apart (one
q/k/v projection instead of three) or the other way round. `assignments` walks the
student's parameters in order and offers, for each, the reference tensors that could fill
it: one of the same shape, several of the same trailing shape stacked along dim 0, or a
slice of a larger one. It yields complete fillings, likeliest first (order kept, exact
shapes); a check confirms one by behaviour (same outputs on a probe input).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

MAX_ASSIGNMENTS = 64
MAX_STEPS = 20_000


def assignments(source: list[torch.Tensor], shapes: list[tuple[int, ...]],
                current: list[torch.Tensor] | None = None) -> Iterator[list[torch.Tensor]]:
    """Ways to fill parameters of `shapes` with all of `source`'s values, likeliest first.

    `current`, the student's parameter values as they are (freshly built), ranks the
    same-shape candidates for each: an equal one first, then one that is alike in being
    constant or not (a LayerNorm's ones go to a LayerNorm, a random bias to a bias)."""
    if sum(t.numel() for t in source) != sum(_numel(s) for s in shapes):
        return
    budget = [MAX_STEPS]
    found = 0
    currents = list(current) if current is not None else [None] * len(shapes)
    for filling in _fill(list(source), [tuple(s) for s in shapes], currents, budget):
        yield filling
        found += 1
        if found >= MAX_ASSIGNMENTS:
            return


def _fill(remaining: list[torch.Tensor], shapes: list[tuple], currents: list, budget: list[int]) -> Iterator[list]:
    if not shapes:
        if not remaining:
            yield []
        return
    budget[0] -= 1
    if budget[0] < 0:
        return
    want, rest = shapes[0], shapes[1:]
    for piece, left in _options(remaining, want, currents[0]):
        for tail in _fill(left, rest, currents[1:], budget):
            yield [piece, *tail]


def _options(remaining: list[torch.Tensor], want: tuple, current=None) -> Iterator[tuple[torch.Tensor, list]]:
    """(tensor for `want`, what is left) choices: exact, then stacked, then sliced.

    Equal tensors are offered once: three LayerNorms at their initial ones and zeros would
    otherwise multiply the fillings by every order of identical values."""
    exact = [i for i, t in enumerate(remaining) if tuple(t.shape) == want]
    if isinstance(current, torch.Tensor) and tuple(current.shape) == want:
        exact.sort(key=lambda i: _unlikeness(remaining[i], current))  # stable: order kept within a rank
    offered: list[torch.Tensor] = []
    for i in exact:
        t = remaining[i]
        if not any(torch.equal(t, o) for o in offered):
            offered.append(t)
            yield t, remaining[:i] + remaining[i + 1 :]
    if not want:
        return
    same_trail = [i for i, t in enumerate(remaining) if t.dim() == len(want) and tuple(t.shape[1:]) == want[1:]]
    for start in range(len(same_trail)):  # stack consecutive (in order) same-trailing tensors
        total, picked = 0, []
        for i in same_trail[start:]:
            total += remaining[i].shape[0]
            picked.append(i)
            if total >= want[0]:
                break
        if total == want[0] and len(picked) > 1:
            stacked = torch.cat([remaining[i] for i in picked], dim=0)
            yield stacked, [t for i, t in enumerate(remaining) if i not in picked]
    for i in same_trail:  # slice the front of a larger one, keep the rest in its place
        t = remaining[i]
        if t.shape[0] > want[0]:
            yield t[: want[0]], remaining[:i] + [t[want[0] :]] + remaining[i + 1 :]


def _unlikeness(candidate: torch.Tensor, current: torch.Tensor) -> int:
    if torch.equal(candidate.to(current.dtype), current):
        return 0
    return 1 if _constant(candidate) == _constant(current) else 2


def _constant(t: torch.Tensor) -> bool:
    return t.numel() > 0 and bool((t == t.flatten()[0]).all())


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n
