"""What differs between a student's network and the reference, layer by layer, in words.

The checks that judge a network by its outputs (LeNet's and AlexNet's matches-reference) say
why the outputs differ where the layers show it: max where the reference averages, a
convolution's output size (its padding), a dense layer too many. The student's side is the
child's trace (a claim, used only for the message, never for points); the reference's is
traced here.
"""

from __future__ import annotations

import torch

from grader.checking.session import StudentFault

POOLING = {"MaxPool2d": "max pooling", "AvgPool2d": "average pooling"}
ACTIVATIONS = {"Sigmoid": "sigmoid", "ReLU": "ReLU", "Tanh": "tanh"}


def layer_trace(module: torch.nn.Module, *inputs) -> list[tuple[str, tuple[int, ...]]]:
    """(layer type, output shape) of every leaf module of `module` as it runs on `inputs`."""
    trace, hooks = [], []
    for layer in module.modules():
        if not list(layer.children()):
            hooks.append(layer.register_forward_hook(
                lambda layer, args, out: trace.append((type(layer).__name__, tuple(out.shape)))))
    try:
        with torch.no_grad():
            module(*inputs)
    finally:
        for hook in hooks:
            hook.remove()
    return trace


def differences(theirs: list[tuple[str, tuple]], ours: list[tuple[str, tuple]]) -> list[str]:
    """The differences the two traces show, each a phrase ("max pooling where the reference has average pooling")."""
    found = []
    for kinds in (POOLING, ACTIVATIONS):
        mine, reference = _kinds(theirs, kinds), _kinds(ours, kinds)
        if mine and reference and mine != reference:
            found.append(f"{' and '.join(mine)} where the reference has {' and '.join(reference)}")
    convolutions = [(a, b) for a, b in zip(_shapes(theirs, "Conv2d"), _shapes(ours, "Conv2d")) if a != b]
    if convolutions:
        got, wanted = convolutions[0]
        found.append(f"a convolution gives {_size(got)} where the reference's gives {_size(wanted)} (its padding, "
                     "kernel or stride differ)")
    for layer, what in (("Conv2d", "convolution"), ("Linear", "dense layer")):
        mine, reference = len(_shapes(theirs, layer)), len(_shapes(ours, layer))
        if mine != reference:
            found.append(f"{mine} {what}s where the reference has {reference} "
                         f"({'a layer too many' if mine > reference else 'a layer missing'})")
    return found


def explained(theirs, ours) -> str:
    """The differences as one sentence for a failure message, "" where the traces show none."""
    found = differences(theirs, ours)
    return f" Your layers differ from the reference's: {'; '.join(found)}." if found else ""


def why(net, reference: torch.nn.Module, *inputs) -> str:
    """`explained` for a student's module (a remote handle) beside the reference, both run on
    `inputs`; "" where the student's cannot be traced."""
    try:
        theirs = net.trace_shapes(*inputs)
    except StudentFault:
        return ""
    return explained(theirs, layer_trace(reference, *inputs))


def _kinds(trace, kinds: dict[str, str]) -> list[str]:
    return sorted({kinds[name] for name, _ in trace if name in kinds})


def _shapes(trace, name: str) -> list[tuple]:
    return [shape for layer, shape in trace if layer == name]


def _size(shape: tuple) -> str:
    return "x".join(map(str, shape[1:])) if len(shape) > 1 else str(shape)
