"""Match a reference module's parameters to a student's by structure, not by name.

Students name their layers as they like and may fuse what the reference keeps apart (one
q/k/v projection instead of three) or the other way round. `assignments` walks the
student's parameters in order and offers, for each, the reference tensors that could fill
it: one of the same shape, several of the same trailing shape stacked along dim 0, or a
slice of a larger one. It yields complete fillings, likeliest first (order kept, exact
shapes); a check confirms one by behaviour (same outputs on a probe input).

Where the student's shapes are the reference's in another order (a GRU cell that declares its
reset gate before its update gate, W_v before W_q), `by_behaviour` finds the arrangement without
a search over orders: it tells the same-shaped parameters apart by what they do (see there).
A bound that cuts either search is said in `Cut`, so that the author hears of it.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

MAX_ASSIGNMENTS = 64
MAX_STEPS = 20_000
MAX_MATCHINGS = 64  # arrangements that behave alike under the probes (ties, where a parameter moves nothing)


@dataclass
class Cut:
    """Set where a bound stopped a search before it had tried every arrangement."""

    message: str = ""


def assignments(source: list[torch.Tensor], shapes: list[tuple[int, ...]],
                current: list[torch.Tensor] | None = None, cut: Cut | None = None) -> Iterator[list[torch.Tensor]]:
    """Ways to fill parameters of `shapes` with all of `source`'s values, likeliest first.

    `current`, the student's parameter values as they are (freshly built), ranks the
    same-shape candidates for each: an equal one first, then one that is alike in being
    constant or not (a LayerNorm's ones go to a LayerNorm, a random bias to a bias).
    Where MAX_ASSIGNMENTS or MAX_STEPS stops it with arrangements left, `cut` says so."""
    if sum(t.numel() for t in source) != sum(_numel(s) for s in shapes):
        return
    budget = [MAX_STEPS]
    found = 0
    currents = list(current) if current is not None else [None] * len(shapes)
    search = _fill(list(source), [tuple(s) for s in shapes], currents, budget)
    for filling in search:
        yield filling
        found += 1
        if found >= MAX_ASSIGNMENTS:
            if cut is not None and next(search, None) is not None:
                cut.message = (f"the parameter matching stopped after {MAX_ASSIGNMENTS} ways to fill the student's "
                               "parameters with the reference's, with more left")
            return
    if budget[0] < 0 and cut is not None:
        cut.message = (f"the parameter matching stopped after {MAX_STEPS} steps of its search, with ways to fill "
                       "the student's parameters with the reference's left untried")


MAX_MATCHINGS = 64  # arrangements that behave alike under the probes (ties, where a parameter moves nothing)


def by_behaviour(source: list[torch.Tensor], shapes: list[tuple[int, ...]], reference: Callable[[list], object],
                 student: Callable[[list[list[torch.Tensor]]], list], same: Callable[[object, object], bool],
                 cut: Cut | None = None) -> list[list[torch.Tensor]] | None:
    """The fillings of the student's parameters (`shapes`) with all of `source` that behave as the
    reference does, found by probes instead of a search over orders; None where `shapes` are not
    the reference's shapes in some order (fused or split layers: `assignments` fills those).

    `reference(values)` is the reference's output on the probe input with its parameters set to
    `values`; `student(fillings)` the student's under each filling (one round trip); `same(got,
    expected)` compares two outputs. Every group of same-shaped parameters first gets one value,
    its mean: every order within the groups is then alike, and a student whose output differs
    from the reference's there fits under no order (an empty list, after one forward). Otherwise
    each reference parameter of a group in turn gets a nudge of its own on top, and the student's
    slots of that shape whose output under it is the reference's are its candidates: sum(k*k)
    forwards for groups of k, where a search over orders needs up to the product of k!. The
    fillings are the perfect matchings of the candidates (one, unless a nudge moves nothing),
    each reference parameter's own value in its slot."""
    shapes = [tuple(int(n) for n in s) for s in shapes]
    if sorted(tuple(t.shape) for t in source) != sorted(shapes):
        return None
    groups: dict[tuple, tuple[list[int], list[int]]] = {}
    for i, t in enumerate(source):
        groups.setdefault(tuple(t.shape), ([], []))[0].append(i)
    for j, shape in enumerate(shapes):
        groups[shape][1].append(j)
    common = {shape: torch.stack([source[i] for i in members]).mean(0) for shape, (members, _) in groups.items()}
    base = [common[tuple(t.shape)] for t in source]
    base_filling = [common[shape] for shape in shapes]
    if not same(student([base_filling])[0], reference(base)):
        return []  # under every order within the groups the student's output is this one
    tied = [(shape, members, slots) for shape, (members, slots) in groups.items() if len(members) > 1]
    draw = torch.Generator().manual_seed(random.randrange(2**63))  # the check's own generator left as it was
    probes, fillings = [], []
    for shape, members, slots in tied:
        values = torch.stack([source[i] for i in members])
        scale = float(values.double().pow(2).mean().sqrt()) or 1.0
        for i in members:
            nudged = common[shape] + scale * torch.randn(shape, generator=draw, dtype=common[shape].dtype)
            expected = reference([nudged if k == i else v for k, v in enumerate(base)])
            probes.append((i, slots, expected))
            fillings += [[nudged if k == j else v for k, v in enumerate(base_filling)] for j in slots]
    outputs = iter(student(fillings) if fillings else [])
    candidates = {i: [j for j in slots for got in [next(outputs)] if same(got, expected)] for i, slots, expected in probes}
    per_group = []
    for _, members, _ in tied:
        found = list(_matchings(members, candidates, MAX_MATCHINGS + 1))
        if not found:
            return []
        per_group.append(found)
    arrangements = []
    for combination in itertools.islice(itertools.product(*per_group), MAX_MATCHINGS + 1):
        slot_of = {i: j for matching in combination for i, j in matching.items()}
        filling: list = [None] * len(shapes)
        for i, t in enumerate(source):
            filling[slot_of[i] if i in slot_of else groups[tuple(t.shape)][1][0]] = t
        arrangements.append(filling)
    if len(arrangements) > MAX_MATCHINGS:
        arrangements = arrangements[:MAX_MATCHINGS]
        if cut is not None:
            cut.message = (f"the parameter matching found more than {MAX_MATCHINGS} arrangements of the same-shaped "
                           "parameters that its probes could not tell apart, and tried the first "
                           f"{MAX_MATCHINGS}: some parameters change nothing in the output for the check's input")
    return arrangements


def _matchings(members: list[int], candidates: dict[int, list[int]], limit: int) -> Iterator[dict[int, int]]:
    """Perfect matchings of `members` to distinct candidate slots, the candidates' order first."""
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    count = [0]

    def extend(k: int) -> Iterator[dict[int, int]]:
        if k == len(members):
            count[0] += 1
            yield dict(chosen)
            return
        for j in candidates[members[k]]:
            if j not in taken and count[0] < limit:
                chosen[members[k]] = j
                taken.add(j)
                yield from extend(k + 1)
                taken.discard(j)
                del chosen[members[k]]

    yield from extend(0)


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
