"""What differs between a student's network and the reference, layer by layer, in words.

The checks that judge a network by its outputs (LeNet's and AlexNet's matches-reference) say
why the outputs differ where the layers show it: max where the reference averages, a
convolution's output size (its padding), a dense layer too many. The student's side is the
child's trace (a claim, used only for the message, never for points); the reference's is
traced here.
"""

from __future__ import annotations

import torch

from grader.checking.checks import say
from grader.checking.session import StudentFault

# Said to students, in the language grader speaks (say picks it)
POOLING = {"MaxPool2d": {"en": "max pooling", "zh": "最大池化"}, "AvgPool2d": {"en": "average pooling", "zh": "平均池化"}}
ACTIVATIONS = {"Sigmoid": "sigmoid", "ReLU": "ReLU", "Tanh": "tanh"}
LAYERS = {"Conv2d": {"en": "convolution", "zh": "卷积层"}, "Linear": {"en": "dense layer", "zh": "全连接层"}}
AND = {"en": " and ", "zh": "、"}
TOO_MANY = {"en": "a layer too many", "zh": "多了一层"}
MISSING = {"en": "a layer missing", "zh": "少了一层"}


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
    """The differences the two traces show, each a phrase ("max pooling where the reference has average pooling"),
    in the language grader speaks."""
    found = []
    for kinds in (POOLING, ACTIVATIONS):
        mine, reference = say(AND).join(_kinds(theirs, kinds)), say(AND).join(_kinds(ours, kinds))
        if mine and reference and mine != reference:
            found.append(say({"en": f"{mine} where the reference has {reference}",
                              "zh": f"{mine}，而参考网络用的是{reference}"}))
    convolutions = [(a, b) for a, b in zip(_shapes(theirs, "Conv2d"), _shapes(ours, "Conv2d")) if a != b]
    if convolutions:
        got, wanted = (_size(shape) for shape in convolutions[0])
        found.append(say({"en": f"a convolution gives {got} where the reference's gives {wanted} (its padding, "
                                "kernel or stride differ)",
                          "zh": f"一个卷积层输出 {got}，而参考网络的输出 {wanted}（填充、卷积核或步幅不同）"}))
    for layer, what in LAYERS.items():
        mine, reference = len(_shapes(theirs, layer)), len(_shapes(ours, layer))
        if mine != reference:
            off = say(TOO_MANY if mine > reference else MISSING)
            found.append(say({"en": f"{mine} {what['en']}s where the reference has {reference} ({off})",
                              "zh": f"{mine} 个{what['zh']}，而参考网络有 {reference} 个（{off}）"}))
    return found


def explained(theirs, ours) -> str:
    """The differences as one sentence for a failure message, "" where the traces show none."""
    found = differences(theirs, ours)
    if not found:
        return ""
    listed = say({"en": "; ", "zh": "；"}).join(found)
    return say({"en": f" Your layers differ from the reference's: {listed}.", "zh": f"你的层与参考网络的不同：{listed}。"})


def why(net, reference: torch.nn.Module, *inputs) -> str:
    """`explained` for a student's module (a remote handle) beside the reference, both run on
    `inputs`; "" where the student's cannot be traced."""
    try:
        theirs = net.trace_shapes(*inputs)
    except StudentFault:
        return ""
    return explained(theirs, layer_trace(reference, *inputs))


def _kinds(trace, kinds: dict) -> list[str]:
    return sorted({say(kinds[name]) for name, _ in trace if name in kinds})


def _shapes(trace, name: str) -> list[tuple]:
    return [shape for layer, shape in trace if layer == name]


def _size(shape: tuple) -> str:
    return "x".join(map(str, shape[1:])) if len(shape) > 1 else str(shape)
