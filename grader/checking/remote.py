"""Remote handles: how checks reach the student's objects, which live only in the child.

Every method sends plain data (tensors, numbers, strings) and gets plain data back;
nothing the child sends is unpickled or executed. Expected values stay in the grader:
a check compares what came back with what the reference computed here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Callable

import torch

from grader.checking import align, tolerances
from grader.checking.editions import Dialect
from grader.checking.session import NAME_CHARS, ChildCrashed, Session, StudentError, child_text
from grader.i18n import _

FILLING_BATCHES = (1, 7, 24)  # the likeliest filling alone (right code needs one forward), then larger batches
PROBE_BATCH = 256  # fillings in one request where all are to be run anyway
BATCH_BYTES = 32 << 20  # of weights in one request
# requests after which the module's outputs for the same input and weights are those seen before
# (filled_forwards loads each filling it runs: what it leaves loaded is tracked)
UNCHANGING = ("parameters", "filled_forwards", "load_parameters")
_UNKNOWN = object()


def _batches(fillings: Iterator[list[torch.Tensor]], sizes=FILLING_BATCHES) -> Iterator[list[list[torch.Tensor]]]:
    """Fillings in growing batches of at most BATCH_BYTES, the last size repeating."""
    sizes = iter(sizes)
    size, batch, held = next(sizes), [], 0
    for filling in fillings:
        batch.append(filling)
        held += sum(t.numel() * t.element_size() for t in filling)
        if len(batch) >= size or held >= BATCH_BYTES:
            yield batch
            size, batch, held = next(sizes, size), [], 0
    if batch:
        yield batch


class Submission:
    """The student's module, as the `submission` fixture hands it to a check; `dialect` puts the
    checks' calls in the words of the edition the submission was read as (grader.checking.editions)."""

    def __init__(self, session: Session, dialect: Dialect | None = None):
        self._session, self._dialect = session, dialect or Dialect()

    def call(self, symbol: str, *args, **kwargs):
        """Call a function of the student's module: `call("conv:corr2d", X, K)`."""
        return self._wrap(self._request("call", symbol, args, kwargs), symbol)

    def function(self, symbol: str):
        """A local stand-in for a student's function: `corr2d = submission.function("conv:corr2d")`."""
        return lambda *args, **kwargs: self.call(symbol, *args, **kwargs)

    def build(self, symbol: str, *args, device: str = "cpu", seed: int = 0, **kwargs) -> "RemoteModule":
        """A fresh torch module from a class, a factory or a module-level instance (copied)."""
        return self._wrap(self._request("build", symbol, args, kwargs, seed=seed, device=device), symbol)

    def _request(self, op: str, symbol: str, args: tuple, kwargs: dict, **more):
        sent, sent_args, sent_kwargs = self._dialect.translate(symbol, args, kwargs)
        try:
            return self._session.request(op, symbol=sent, args=list(sent_args), kwargs=sent_kwargs, **more)
        except StudentError as fault:
            raise self._dialect.explained(fault, symbol, args, kwargs) from None

    def _wrap(self, value, symbol: str = ""):
        if isinstance(value, dict) and isinstance(value.get("$handle"), int):
            module = RemoteModule(self._session, value["$handle"], child_text(value.get("type"), NAME_CHARS))
            module._explain = lambda fault, args, kwargs: self._dialect.explained(fault, symbol, args, kwargs,
                                                                                   method="forward")
            return module
        return value


class RemoteModule:
    """A student's torch module in the child: forward, parameters, shapes, gradients, training."""

    def __init__(self, session: Session, handle: int, type_name: str):
        self._session, self._handle, self.type_name = session, handle, type_name
        self._generation = session.generation
        self._explain = lambda fault, args, kwargs: fault  # a forward that does not fit, in the checks' words
        self._fresh: list[torch.Tensor] | None = None  # parameter values before any were loaded
        self._loaded: list[torch.Tensor] | None = None  # the filling the child holds, where known
        self._seen: list[tuple] = []  # (args, fingerprint, filling, output) while the module is unchanged

    def _request(self, op: str, **args):
        if self._session.generation != self._generation:
            raise ChildCrashed(_("the process running your code was restarted during this check"))
        if op not in UNCHANGING:
            self._seen.clear()
            self._loaded = None
        return self._session.request(op, handle=self._handle, **args)

    def __call__(self, *args, **kwargs):
        """Forward without gradients; the output comes back as data."""
        try:
            return self._request("forward", args=list(args), kwargs=kwargs)
        except StudentError as fault:
            raise self._explain(fault, args, kwargs) from None

    def train(self, mode: bool = True) -> "RemoteModule":
        self._request("mode", train=mode)
        return self

    def eval(self) -> "RemoteModule":
        return self.train(False)

    def to(self, device: str) -> "RemoteModule":
        self._request("to", device=device)
        return self

    def attribute(self, name: str):
        """An attribute's value, e.g. `layer.attribute("weight")`."""
        return self._request("attribute", name=name)

    def parameter_shapes(self) -> list[tuple[int, ...]]:
        return [tuple(int(n) for n in shape) for shape in self._request("parameters", values=False)]

    def parameters(self) -> list[torch.Tensor]:
        return list(self._request("parameters", values=True))

    def num_parameters(self) -> int:
        return sum(align._numel(shape) for shape in self.parameter_shapes())

    def load_parameters(self, tensors: list[torch.Tensor]) -> None:
        self._request("load_parameters", tensors=[t.detach() for t in tensors])
        self._loaded = list(tensors)

    def nudged_forwards(self, args: tuple, nudges: list[tuple[int, torch.Tensor, torch.Tensor]]) -> list:
        """The outputs for `args` under each (parameter index, flat positions, deltas) nudge in
        turn, each taken off again before the next (see grader.checking.evidence): one round trip."""
        return list(self._request("nudged_forwards", args=list(args),
                                  nudges=[[int(i), positions, deltas] for i, positions, deltas in nudges]))

    def load_parameters_from(self, reference: torch.nn.Module, probe=None, atol: float = 1e-5,
                             output: Callable | None = None) -> bool:
        """Copy `reference`'s weights into this module, matched by structure, not by name.

        With a `probe`, the first filling under which this module's output equals the
        reference's on the probe wins; without one, the likeliest filling is loaded. A probe
        is one input, or a tuple of inputs for a forward that takes several (query, key,
        value, valid_length); the reference runs on a copy, so a state it mutates is not
        seen by the student. `output` picks what to compare from a structured output, e.g.
        `lambda out: out[0]` for a forward that returns (Y, state).
        Returns False when no filling fits (the check decides what that means).

        The likeliest filling is tried first (right code in the reference's order: one
        forward). Where the student's shapes are the reference's in another order, the
        arrangement is found by behaviour (align.by_behaviour: one forward proves that no
        order fits wrong code); fused or split layers are searched (align.assignments), in a
        few round trips (`_batches`). A forward that raises before the winner fails. The
        student's output for a probe and a filling is asked once per module state, so the
        known mistakes a check tries one after another on the same weights cost no forwards
        of the student's code where only the reference's output differs.
        """
        source = [p.detach() for p in reference.parameters()]
        shapes = self.parameter_shapes()
        cut = align.Cut()
        fillings = align.assignments(source, shapes, current=self._fresh_parameters(), cut=cut)
        first = next(fillings, None)
        if probe is None or first is None:
            if first is not None:
                self.load_parameters(first)
            return first is not None
        args = probe if isinstance(probe, tuple) else (probe,)
        pick = output or (lambda out: out)
        tol = tolerances.at_least(atol, 1e-4)  # on a GPU, no finer than TF32 allows

        def same(got, expected) -> bool:
            try:
                got = pick(got)
            except (IndexError, KeyError, TypeError):
                return False
            return isinstance(got, torch.Tensor) and got.shape == expected.shape and torch.allclose(
                got.to(expected.dtype), expected, atol=tol.atol, rtol=tol.rtol)

        with torch.no_grad():
            expected = pick(reference(*copy.deepcopy(args)))
        if self._first_fitting(args, [[first]], lambda got: same(got, expected)):
            return True
        twins: list[torch.nn.Module] = []  # a copy, probed with other values: the check's reference keeps its own

        def reference_output(values: list[torch.Tensor]):
            twins[:] = twins or [copy.deepcopy(reference)]
            with torch.no_grad():
                for parameter, value in zip(twins[0].parameters(), values):
                    parameter.copy_(value)
                return pick(twins[0](*copy.deepcopy(args)))

        behaving = align.by_behaviour(source, shapes, reference_output, lambda batch: self._outputs(args, batch), same, cut)
        if behaving is not None:
            found = self._first_fitting(args, _batches(iter(behaving)), lambda got: same(got, expected))
        else:
            found = self._first_fitting(args, _batches(fillings, FILLING_BATCHES[1:]), lambda got: same(got, expected))
        if not found and cut.message:
            self.note(cut.message)
        return found

    @property
    def fits(self) -> dict:
        """What earlier checks of the exercise found about claimed weights (evidence.load_claimed_weights)."""
        return self._session.fits

    def note(self, message: str) -> None:
        """Tell the exercise's author that a bound cut a search of this check (where the check
        then fails, the item's `crash` says it, and `grader selftest` reports it)."""
        self._session.notes.append(message)

    def _first_fitting(self, args: tuple, batches, fits: Callable) -> bool:
        """Whether a filling of `batches` fits; the first that does ends loaded."""
        for batch in batches:
            for filling, got in zip(batch, self._outputs(args, batch)):
                if fits(got):
                    if not _same_tensors(self._loaded, filling):
                        self.load_parameters(filling)  # later fillings of the batch ran after it
                    return True
        return False

    def _outputs(self, args: tuple, batch: list[list[torch.Tensor]]) -> list:
        """The outputs under each filling of `batch`: those asked before (the same args, the same
        filling, the module not changed since) from memory, the rest in one round trip."""
        known = [self._recalled(args, filling) for filling in batch]
        asked = [filling for filling, got in zip(batch, known) if got is _UNKNOWN]
        fresh = (got for part in _batches(iter(asked), (PROBE_BATCH,)) for got in self._filled_forwards(args, part))
        outputs = []
        for filling, got in zip(batch, known):
            if got is _UNKNOWN:
                got = next(fresh)
                self._seen.append((args, _fingerprint(filling), filling, got))
            outputs.append(got)
        return outputs

    def _recalled(self, args: tuple, filling: list[torch.Tensor]):
        key = _fingerprint(filling)
        for seen_args, seen_key, seen_filling, got in self._seen:
            if seen_key == key and _same_value(seen_args, args) and _same_tensors(seen_filling, filling):
                return got
        return _UNKNOWN

    def _fresh_parameters(self) -> list[torch.Tensor]:
        """The module's parameter values as first seen (fresh from its build): they rank fillings."""
        if self._fresh is None:
            self._fresh = self.parameters()
        return self._fresh

    def _filled_forwards(self, args: tuple, batch: list[list[torch.Tensor]]) -> list:
        """The outputs under each filling of `batch`, in one round trip; where a forward raises,
        one filling at a time, so the error comes where one-by-one tries would have met it."""
        try:
            outputs = list(self._request("filled_forwards", args=list(args), fillings=batch))
        except StudentError:
            if len(batch) == 1:
                raise
            return [got for filling in batch for got in self._filled_forwards(args, [filling])]
        self._loaded = batch[-1]
        return outputs

    def trace_shapes(self, *args) -> list[tuple[str, tuple[int, ...]]]:
        """(layer type, output shape) of every leaf module, in the order they ran."""
        return [(str(name), tuple(int(n) for n in shape)) for name, shape in self._request("trace", args=list(args))]

    def gradients(self, *args, loss: str = "sum", target=None) -> list[torch.Tensor | None]:
        """Gradients of every parameter after one backward of `loss` ("sum", "squared_error",
        "cross_entropy") over the output for `args`."""
        return list(self._request("gradients", args=list(args), loss=loss, target=target))

    def train_steps(self, *args, target, loss: str = "cross_entropy", steps: int = 3, lr: float = 0.1,
                    seed: int = 0) -> list[float]:
        """Plain SGD steps in the child; the loss before each step."""
        return [float(v) for v in self._request("train", args=list(args), target=target, loss=loss,
                                                steps=steps, lr=lr, seed=seed)]


def _fingerprint(filling: list[torch.Tensor]) -> tuple:
    """A cheap summary of a filling: equal fillings have equal ones (a prefilter for torch.equal)."""
    return tuple((tuple(t.shape), float(t.double().sum())) for t in filling)


def _same_tensors(a: list[torch.Tensor] | None, b: list[torch.Tensor]) -> bool:
    return a is not None and len(a) == len(b) and all(
        x is y or (x.shape == y.shape and x.dtype == y.dtype and torch.equal(x, y)) for x, y in zip(a, b))


def _same_value(a, b) -> bool:
    """Equal plain data (tensors, numbers, strings, None, in lists, tuples and dicts)."""
    if a is b:
        return True
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
                and a.dtype == b.dtype and torch.equal(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    return a == b
