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

FILLING_BATCHES = (1, 7, 24)  # the likeliest filling alone (right code needs one forward), then larger batches
BATCH_BYTES = 32 << 20  # of weights in one request


def _batches(fillings: Iterator[list[torch.Tensor]]) -> Iterator[list[list[torch.Tensor]]]:
    """Fillings in growing batches of at most BATCH_BYTES, the last size repeating."""
    sizes = iter(FILLING_BATCHES)
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

    def _request(self, op: str, **args):
        if self._session.generation != self._generation:
            raise ChildCrashed("the process running your code was restarted during this check")
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

        The fillings are tried in a few round trips (`_batches`), with the outcome of trying
        them one by one: the winner ends loaded, and a forward that raises before it fails.
        """
        source = [p.detach() for p in reference.parameters()]
        args = probe if isinstance(probe, tuple) else (probe,)
        pick = output or (lambda out: out)
        fillings = align.assignments(source, self.parameter_shapes(), current=self.parameters())
        if probe is None:
            first = next(fillings, None)
            if first is not None:
                self.load_parameters(first)
            return first is not None
        with torch.no_grad():
            expected = pick(reference(*copy.deepcopy(args)))
        tol = tolerances.at_least(atol, 1e-4)  # on a GPU, no finer than TF32 allows

        def fits(got) -> bool:
            try:
                got = pick(got)
            except (IndexError, KeyError, TypeError):
                return False
            return isinstance(got, torch.Tensor) and got.shape == expected.shape and torch.allclose(
                got.to(expected.dtype), expected, atol=tol.atol, rtol=tol.rtol)

        for batch in _batches(fillings):
            for index, got in enumerate(self._filled_forwards(args, batch)):
                if fits(got):
                    if index < len(batch) - 1:
                        self.load_parameters(batch[index])  # later fillings of the batch ran after it
                    return True
        return False

    def _filled_forwards(self, args: tuple, batch: list[list[torch.Tensor]]) -> Iterator:
        """The outputs under each filling of `batch`, in one round trip; where a forward raises,
        one filling at a time, so the error comes where one-by-one tries would have met it."""
        try:
            outputs = list(self._request("filled_forwards", args=list(args), fillings=batch))
        except StudentError:
            if len(batch) == 1:
                raise
            for filling in batch:
                yield from self._filled_forwards(args, [filling])
            return
        yield from outputs

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
