"""Public checks for vgg.py: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape
from grader.checking.evidence import expect_parameters_used
from grader.checking.session import StudentError

SHAPE_HINT = ("3x3 convolutions with padding=1 keep height and width, and nn.MaxPool2d(kernel_size=2, stride=2) "
              "halves them, rounding down")


def _diagnose(num_convs: int, height: int, got: tuple) -> str:
    """Name the classic mistake behind a wrong output height, if it is one."""
    if len(got) == 4 and got[2] == height - 1:
        return "the pooling moves one step at a time: give nn.MaxPool2d stride=2 (kernel_size=2, stride=2)"
    if len(got) == 4 and got[2] == (height - 2 * num_convs) // 2:
        return "each 3x3 convolution without padding shrinks height and width by 2: use padding=1"
    return SHAPE_HINT


def test_output_shape(submission, device):
    for (num_convs, c_in, c_out), x_shape in (((2, 3, 8), (2, 3, 16, 16)), ((1, 4, 6), (1, 4, 15, 11)),
                                              ((3, 2, 5), (2, 2, 12, 10))):
        what = f"vgg_block({num_convs}, {c_in}, {c_out}) applied to a batch of shape {x_shape}"
        block = submission.build("vgg:vgg_block", num_convs, c_in, c_out, device=device)
        try:
            out = block(torch.randn(x_shape))
        except StudentError as exc:
            raise AssertionError(f"{what}: {exc}. Hint: the first convolution takes in_channels, every later one "
                                 "takes out_channels (the output of the one before it)") from None
        expected = (x_shape[0], c_out, x_shape[2] // 2, x_shape[3] // 2)
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else ()
        expect_shape(out, expected, what, hint=_diagnose(num_convs, x_shape[2], got))


def _conv(c_in: int, c_out: int) -> int:
    return c_out * c_in * 9 + c_out


def test_parameter_count(submission):
    for num_convs, c_in, c_out in ((1, 3, 64), (3, 4, 16), (4, 8, 6)):
        count = submission.build("vgg:vgg_block", num_convs, c_in, c_out).num_parameters()
        expected = _conv(c_in, c_out) + (num_convs - 1) * _conv(c_out, c_out)
        hint = (f"the first 3x3 convolution ({c_in} to {c_out} channels) has {_conv(c_in, c_out):,} parameters, "
                f"each of the {num_convs - 1} others ({c_out} to {c_out}) has {_conv(c_out, c_out):,}")
        if num_convs > 2 and count == _conv(c_in, c_out) + _conv(c_out, c_out):
            hint = ("the later convolutions share one set of weights: [layer] * n repeats the same layer object; "
                    "create a new nn.Conv2d for each convolution")
        assert count == expected, (f"vgg_block({num_convs}, {c_in}, {c_out}) has {count:,} trainable parameters, "
                                   f"expected {expected:,}. Hint: {hint}")
    block = submission.build("vgg:vgg_block", 3, 4, 16)
    expect_parameters_used(block, torch.randn(1, 4, 8, 8), what="vgg_block(3, 4, 16)",
                           hint="every convolution's weight and bias take part in the output")
