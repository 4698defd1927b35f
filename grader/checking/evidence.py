"""Evidence a check can trust: what the grader measured, not what the child said.

The student's code shares its process with the child's server, so every reply about
structure (parameter shapes, traced stages, gradients, learned weights) is a claim. These
helpers confirm such claims by behaviour: the grader nudges each parameter the child claims,
at positions and by amounts it draws afresh, runs forward on inputs it chose, and watches
the outputs move, or the loss it computes itself from those outputs. A module that reports
parameters it does not compute with, or gradients its outputs do not follow, is caught.

    expect_parameters_used(net, torch.randn(2, 1, 28, 28), what="net")
    expect_true_gradients(net, torch.randn(2, 1, 28, 28), what="net")
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from grader.checking import align
from grader.checking.align import _numel
from grader.checking.checks import _join, say
from grader.checking.tolerances import Tolerance, tolerance
from grader.i18n import _

POSITIONS = 64  # entries nudged per parameter tensor
STEP = 1e-2  # nudge size: small enough to be near-linear, large enough to beat float32 noise
STEPS = (1.0, STEP)  # the large nudge first: it shows most parameters moving at once, a saturated net's (sigmoids) too
GRADIENT_STEPS = (STEP, STEP / 10, STEP / 100)  # smaller where a nudge crosses ReLU or max-pooling kinks
MOVED = 1e-6  # an output that moves less than this share of its size did not move
FLOAT32_ROUNDING = 1e-6  # a generous bound on the relative rounding of a float32 forward
FINGERPRINT_ENTRIES = 4096  # of each claimed tensor, in the summary that recognises the same weights again


@dataclass(frozen=True)
class Probe:
    """What nudging one claimed parameter tensor did, as the grader measured it (NaN: not measured,
    where a missing gradient claim decided without nudges)."""

    index: int
    shape: tuple[int, ...]
    moved: float  # largest change of the output, relative to its size
    slope: float  # the loss's change along the nudge (a central difference where gradients were asked)
    claimed: float | None = None  # the slope the child's gradients claim (None: not asked)
    noise: float = 0.0  # how far float32 rounding of the outputs alone can move `slope`
    kink: float = 0.0  # how far one kink (ReLU, max-pooling) crossed by the nudge can move `slope`


def probe_parameters(module, *inputs, output: Callable | None = None, target: torch.Tensor | None = None,
                     gradients: bool = False, seen=None) -> list[Probe]:
    """Nudge each parameter tensor of `module` (a grader.checking.remote.RemoteModule) and measure.

    The loss is `((out - target) ** 2).sum()`, computed here, with `target` drawn afresh
    when not given; with `gradients`, the child's claimed gradients of that same loss are
    asked for too, so each probe carries the slope they claim. `output` picks the tensor
    from a structured forward result (e.g. `lambda out: out[0]`). `seen`, the output of an
    earlier forward of the same input in eval mode, ends a module whose forward is not
    repeatable at once, before any nudge.
    """
    pick = output or (lambda out: out)
    module.eval()
    base = _tensor(pick(module(*inputs)))
    if seen is not None:
        _expect_repeated(base, _tensor(seen))
    if target is None:
        target = torch.randn(base.shape, dtype=base.dtype)
    claimed = module.gradients(*inputs, loss="squared_error", target=target) if gradients else None
    pending = [(index, tuple(shape), positions, torch.randn(len(positions), dtype=torch.float64))
               for index, shape in enumerate(module.parameter_shapes()) if _numel(shape)
               for positions in [_positions(_numel(shape))]]
    if not pending:
        return []
    if gradients:  # a gradient the child does not claim decides before any nudge (moved and slope unmeasured)
        claims = [(index, shape, _claimed_slope(claimed, index, shape, positions, directions * GRADIENT_STEPS[0]))
                  for index, shape, positions, directions in pending]
        if any(_unclaimed(slope) for _, _, slope in claims):
            return [Probe(index, shape, math.nan, math.nan, slope) for index, shape, slope in claims]
    probes: dict[int, Probe] = {}
    for step in GRADIENT_STEPS if gradients else STEPS:  # smaller or larger nudges only where still unsettled
        nudges = []
        for index, _shape, positions, directions in pending:
            nudges += [(index, positions, directions * step)] + ([(index, positions, -directions * step)] if gradients else [])
        # the first nudge changes nothing: its output must be the plain forward's, or the child
        # answers the grader's probes apart from its forward (a hidden copy, a lie)
        unchanged = (pending[0][0], pending[0][2], torch.zeros(len(pending[0][2]), dtype=torch.float64))
        outputs = iter(module.nudged_forwards(inputs, [unchanged] + nudges))
        here = _tensor(pick(next(outputs)))  # the nudges before left rounding behind: measure from here
        _expect_repeated(here, base)
        unsettled = []
        for index, shape, positions, directions in pending:
            plus = _tensor(pick(next(outputs)))
            minus = _tensor(pick(next(outputs))) if gradients else None
            probe = _measure(here, target, index, shape, plus, minus, positions, directions * step, claimed,
                             kinks=step == GRADIENT_STEPS[-1])
            probes[index] = probe
            if not (_agree(probe) if gradients and probe.claimed is not None else probe.moved >= MOVED):
                unsettled.append((index, shape, positions, directions))
        pending = unsettled
        if not pending:
            break
    return [probes[index] for index in sorted(probes)]


def _positions(numel: int) -> torch.Tensor:
    """POSITIONS distinct flat positions drawn at random (all of them where there are fewer), without
    a permutation of the whole tensor: AlexNet's 26 million weights took 0.3 s to permute."""
    if numel <= 16 * POSITIONS:
        return torch.randperm(numel)[:POSITIONS]
    distinct = torch.unique(torch.randint(numel, (2 * POSITIONS,)))
    if len(distinct) < POSITIONS:  # (about never)
        return torch.randperm(numel)[:POSITIONS]
    return distinct[torch.randperm(len(distinct))[:POSITIONS]]


def _expect_repeated(again: torch.Tensor, base: torch.Tensor) -> None:
    if again.shape != base.shape or not torch.allclose(again, base, rtol=0, atol=MOVED * float(base.abs().max()) + 1e-12):
        raise AssertionError(_("the output for the same input and the same weights differed between two forward "
                               "passes in eval mode, so what the parameters do cannot be measured"))


def _measure(base, target, index, shape, plus, minus, positions, deltas, claimed, kinks: bool = False) -> Probe:
    """What one nudge by `deltas` did; with `minus` (the nudge the other way), a central difference.

    With `kinks` (the smallest nudge, whose own curvature is negligible), the probe allows for
    kinks (ReLU, max-pooling) crossed within the nudge. Where an output is piecewise linear
    along the nudge with one kink, its central difference misses its slope at the base by
    exactly half its second difference (out(+) + out(-) - 2 out(0)) / 2; each output's miss,
    weighted by how much the loss depends on it, bounds the miss of the loss's slope (the
    loss's own curvature added). Outputs are taken one by one, so that the kinks of different
    outputs cannot cancel. A bias just before a ReLU whose input is near zero for one sample
    would otherwise fail right code now and then.
    """
    if plus.shape != base.shape or minus is not None and minus.shape != base.shape:
        raise AssertionError(_("the output changed its shape when a parameter value changed"))
    scale = float(base.abs().max()) if base.numel() else 0.0
    moved = float((plus - base).abs().max()) / (scale + 1e-12) if plus.numel() else 0.0
    if minus is None:
        return Probe(index, shape, moved, float(_loss(plus, target) - _loss(base, target)))
    noise = float(((base - target.to(torch.float64)).abs() * (base.abs() + 1e-3)).sum()) * 2 * FLOAT32_ROUNDING
    kink = 0.0
    if kinks:
        bends = (plus + minus - 2 * base).abs() / 2
        kink = float((2 * (base - target.to(torch.float64)).abs() * bends).sum()
                     + ((plus - base) ** 2 + (minus - base) ** 2).sum() / 2)
    return Probe(index, shape, moved, float(_loss(plus, target) - _loss(minus, target)) / 2,
                 _claimed_slope(claimed, index, shape, positions, deltas), noise, kink)


def load_claimed_weights(module, reference: torch.nn.Module, inputs: tuple, got, close: Callable,
                         tries: int = 4) -> bool:
    """Load the weights `module` claims into `reference`, matched by structure: the first
    arrangement under which `reference(*inputs)` is `got` (the module's own output for
    `inputs`, as `close(got, expected)` judges), else the likeliest, so that a comparison
    after it says what differs. Returns whether an arrangement explained `got`.

    The claimed weights cross once and the arrangements are tried here: for a large net
    (AlexNet's 120 MB) far cheaper than sending each candidate to the child. Each is tried
    in place of the reference's own tensors (torch.func.functional_call), not copied into
    them, and only the one kept is copied. Fillings that use the claimed tensors whole (no
    slices or stacks) are tried first; where `tries` leaves some of those untried and none
    fitted, the author hears it (RemoteModule.note).

    What a try found is kept for the exercise's later checks (`module.fits`, by the claimed
    weights' fingerprint and the reference's settings): the arrangement that explained the same
    weights is tried first, whatever `tries` this call allows, and the arrangements an earlier
    call found wanting are not tried again (a function that no arrangement of the reference
    computes on one input computes on no other), so no forward is spent on them twice. It never
    passes a check by itself: a remembered arrangement is tried like any other, and one that
    did not fit sends the caller to the stricter evidence it uses when nothing fits
    (expect_parameters_used nudges every tensor).
    """
    names = [name for name, _parameter in reference.named_parameters()]
    targets, theirs = list(reference.parameters()), module.parameters()
    fillings = list(align.assignments(theirs, [tuple(p.shape) for p in targets]))
    whole = {id(t) for t in theirs}
    fillings = sorted(fillings, key=lambda filling: sum(id(t) not in whole for t in filling))
    untried = sum(all(id(t) in whole for t in filling) for filling in fillings[tries:])
    allowed = min(tries, len(fillings))
    order = list(range(allowed))
    key = (_settings(reference), _claimed_fingerprint(theirs))
    fitted, wanting = module.fits.get(key, (None, 0))  # the index that fitted; how many leading ones did not
    if key in module.fits:  # an earlier check of the exercise tried these weights (and told the author)
        untried = 0
        order = [fitted] + [i for i in order if i != fitted] if fitted is not None else order[wanting:]
    for index in order:
        held = {name: value.to(device=target.device, dtype=target.dtype)
                for name, target, value in zip(names, targets, fillings[index])}
        with torch.no_grad():
            if close(got, torch.func.functional_call(reference, held, inputs)):
                _copy_into(targets, fillings[index])
                module.fits[key] = (index, 0)
                return True
    if fitted is None:
        module.fits[key] = (None, max(wanting, allowed))
    _copy_into(targets, fillings[0] if fillings else [])  # the likeliest, for the comparison that follows
    if untried:
        module.note(_("the claimed weights were tried in {tries} arrangements, and {untried} more that use them whole "
                      "were left untried (raise `tries`)").format(tries=tries, untried=untried))
    return False


_PLAIN = (bool, int, float, str, tuple, type(None))


def _settings(reference: torch.nn.Module) -> tuple:
    """What makes `reference` the function it is, besides its weights: the class and every plain
    setting (a kernel size, a flag, the training mode) of it and each of its layers, by name."""
    return tuple((name, type(layer).__module__, type(layer).__qualname__,
                  tuple(sorted((key, repr(value)) for key, value in vars(layer).items() if isinstance(value, _PLAIN))))
                 for name, layer in reference.named_modules())


def _claimed_fingerprint(tensors: list[torch.Tensor]) -> tuple:
    """Claimed weights in brief, from at most FINGERPRINT_ENTRIES entries of each tensor spread over
    it (AlexNet's 60M weights in well under a forward): equal weights give equal fingerprints. Two
    builds of one seed that differ only between those entries could share one; then a remembered
    arrangement is still tried, and "none fitted" only sends a check to its stricter evidence."""
    with torch.no_grad():
        summary = []
        for t in tensors:
            flat = t.reshape(-1)
            picked = flat[:: max(1, flat.numel() // FINGERPRINT_ENTRIES)].double()
            weights = torch.arange(1, picked.numel() + 1, dtype=torch.float64)
            summary.append((tuple(t.shape), str(t.dtype), float(picked.sum()), float((picked * weights).sum())))
        return tuple(summary)


def _copy_into(targets: list[torch.Tensor], values: list[torch.Tensor]) -> None:
    with torch.no_grad():
        for target, value in zip(targets, values):
            target.copy_(value)


def expect_parameters_used(module, *inputs, what: str, output: Callable | None = None, hint: str = "",
                           reference: torch.nn.Module | None = None) -> None:
    """Assert that changing any parameter the module reports changes its output.

    With a `reference` (built in the check, so its weights are fresh), a module whose output
    the reference reproduces under the weights the module claims uses every one of them (the
    reference does), and one forward shows it; otherwise each tensor is nudged on its own.
    """
    got = None
    if reference is not None:
        got = (output or (lambda out: out))(module.eval()(*inputs))
        network = tolerance(kind="network")
        if load_claimed_weights(module, reference.eval(), inputs, got, lambda got, want: close_to_scale(got, want, network)):
            return
    idle = [p.shape for p in probe_parameters(module, *inputs, output=output, seen=got) if p.moved < MOVED]
    if idle:
        raise AssertionError(_join(_(
            "{what}: changing the parameters of shapes {shapes} does not change the output, so the parameter count "
            "cannot be trusted; every parameter it reports must be used in forward").format(what=say(what), shapes=idle), hint))


def expect_true_gradients(module, *inputs, what: str, hint: str = "") -> None:
    """Assert that the gradients the module reports are there, finite, and follow its outputs."""
    probes = probe_parameters(module, *inputs, gradients=True)
    missing = [p.shape for p in probes if _unclaimed(p.claimed)]
    if missing:
        raise AssertionError(_join(_("{what}: after backward, the parameters of shapes {shapes} have no gradient").format(
            what=say(what), shapes=missing), hint))
    wrong = [p.shape for p in probes if not _agree(p)]
    if wrong:
        raise AssertionError(_join(_(
            "{what}: the gradients reported for the parameters of shapes {shapes} do not match how the output changes "
            "when those parameters change").format(what=say(what), shapes=wrong), hint))


def _claimed_slope(gradients, index: int, shape, positions: torch.Tensor, deltas: torch.Tensor) -> float | None:
    if not isinstance(gradients, list) or index >= len(gradients):
        return None
    grad = gradients[index]
    if not isinstance(grad, torch.Tensor) or tuple(grad.shape) != tuple(shape) or not grad.is_floating_point():
        return None
    return float((grad.reshape(-1)[positions].to(torch.float64) * deltas).sum())


def _unclaimed(slope: float | None) -> bool:
    """No gradient claimed along a probe: none, zero at every probed position, or not a number."""
    return slope in (None, 0.0) or slope != slope


def _agree(probe: Probe) -> bool:
    """Equal within finite-difference error: 10% of the larger, plus the rounding noise and a kink's error."""
    return (abs(probe.claimed - probe.slope)
            <= 0.1 * max(abs(probe.claimed), abs(probe.slope)) + probe.noise + probe.kink)


def close_to_scale(got, want: torch.Tensor, tol: Tolerance) -> bool:
    """`got` equals `want` within `tol`, its atol taken relative to the largest expected value
    (a whole network's outputs: grader.checking.tolerances kind "network")."""
    if not isinstance(got, torch.Tensor) or got.shape != want.shape:
        return False
    return torch.allclose(got.to(want.dtype), want, atol=tol.atol * float(want.abs().max()) + 1e-7, rtol=tol.rtol)


def _tensor(value) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise AssertionError(_("forward returned a {kind}, not a tensor").format(kind=type(value).__name__))
    return value.detach().to(torch.float64)


def _loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return ((out - target.to(torch.float64)) ** 2).sum()


