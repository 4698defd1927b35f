"""Hidden checks for vgg.py: the shape after every layer, and the function under the course's weights."""

import pytest
import torch

from grader.checking import align
from grader.checking.checks import expect_close, tolerance

ACTIVATION_HINT = "a ReLU after every convolution (not only the last), and max (not average) pooling"


def _hint(shape: tuple) -> str:
    if len(shape) == 4 and shape[2:] == (11, 9):
        return "a 2x2 pooling with stride 1 shrinks height and width by one only; give it stride=2"
    if len(shape) == 4 and shape[2] < 12 and shape[2] % 2 == 0 and shape[3] == shape[2] - 2:
        return "each 3x3 convolution needs padding=1 to keep height and width"
    return "3x3 convolutions with padding=1 keep height and width; nn.MaxPool2d(kernel_size=2, stride=2) halves them"


def test_stage_shapes(submission):
    """Every layer's output is a convolution stage (B, 8, 12, 10), or the pooled (B, 8, 6, 5) at the end
    (the pooling may also be functional, then it is not traced)."""
    batch, x_shape = 2, (2, 3, 12, 10)
    conv_stage, pooled = (batch, 8, 12, 10), (batch, 8, 6, 5)
    block = submission.build("vgg:vgg_block", 3, 3, 8)
    trace = block.trace_shapes(torch.randn(x_shape))
    assert trace, "vgg_block(3, 3, 8) ran no layers (nn.Module submodules) at all"
    for number, (layer, shape) in enumerate(trace, 1):
        if shape == pooled and number < len(trace):
            raise AssertionError(f"a {layer} layer halved height and width before the last convolution. "
                                 "Hint: all num_convs convolutions come first, then one pooling layer")
        if shape not in (conv_stage, pooled, x_shape):
            expected = pooled if number == len(trace) and layer.endswith("Pool2d") else conv_stage
            raise AssertionError(f"a {layer} layer of vgg_block(3, 3, 8) produced shape {shape} from an input of "
                                 f"shape {x_shape}, expected {expected}. Hint: {_hint(shape)}")


def test_matches_reference(submission, reference, device):
    block = submission.build("vgg:vgg_block", 2, 3, 5, device=device).eval()
    ref = reference.vgg_block(2, 3, 5).eval()
    ref_shapes = [tuple(p.shape) for p in ref.parameters()]
    shapes = block.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(f"vgg_block(2, 3, 5) has parameters of shapes {shapes}, which cannot hold the course block's "
                    f"{ref_shapes} (two 3x3 convolutions with bias, 3 to 5 and 5 to 5 channels)")
    x = torch.randn(3, 3, 9, 7)  # odd sizes: the pooling rounds down
    with torch.no_grad():
        expected = ref(x)
    atol = tolerance(device, kind="layers").atol  # a few convolutions: TF32 on a GPU (grader.checking.tolerances)
    if not block.load_parameters_from(ref, probe=torch.randn(2, 3, 8, 6), atol=atol):
        block.load_parameters_from(ref)  # the likeliest filling, to say how the outputs differ
    out = block(x)
    hint = ACTIVATION_HINT
    if isinstance(out, torch.Tensor) and out.shape != expected.shape:
        hint = "3x3 convolutions with padding=1, then nn.MaxPool2d(kernel_size=2, stride=2), which rounds down"
    expect_close(out, expected, "the output of vgg_block(2, 3, 5) under the course block's weights",
                 device=device, kind="layers", hint=hint)
