"""Hidden checks for vgg.py: the shape after every layer, and the function under the course's weights."""

import pytest
import torch

from grader.checking import align
from grader.checking.checks import expect_close, say, tolerance

ACTIVATION_HINT = {"en": "a ReLU after every convolution (not only the last), and max (not average) pooling",
                   "zh": "每个卷积层后都要有 ReLU（不只是最后一个），并且用最大池化（不是平均池化）"}


def _hint(shape: tuple) -> dict[str, str]:
    if len(shape) == 4 and shape[2:] == (11, 9):
        return {"en": "a 2x2 pooling with stride 1 shrinks height and width by one only; give it stride=2",
                "zh": "步幅为 1 的 2x2 池化只让高和宽各减少 1；应设 stride=2"}
    if len(shape) == 4 and shape[2] < 12 and shape[2] % 2 == 0 and shape[3] == shape[2] - 2:
        return {"en": "each 3x3 convolution needs padding=1 to keep height and width",
                "zh": "每个 3x3 卷积都需要 padding=1 才能保持高和宽不变"}
    return {"en": "3x3 convolutions with padding=1 keep height and width; nn.MaxPool2d(kernel_size=2, stride=2) halves them",
            "zh": "padding=1 的 3x3 卷积保持高和宽不变；nn.MaxPool2d(kernel_size=2, stride=2) 把它们减半"}


def test_stage_shapes(submission):
    """Every layer's output is a convolution stage (B, 8, 12, 10), or the pooled (B, 8, 6, 5) at the end
    (the pooling may also be functional, then it is not traced)."""
    batch, x_shape = 2, (2, 3, 12, 10)
    conv_stage, pooled = (batch, 8, 12, 10), (batch, 8, 6, 5)
    block = submission.build("vgg:vgg_block", 3, 3, 8)
    trace = block.trace_shapes(torch.randn(x_shape))
    assert trace, say({"en": "vgg_block(3, 3, 8) ran no layers (nn.Module submodules) at all",
                       "zh": "vgg_block(3, 3, 8) 根本没有运行任何层（nn.Module 子模块）"})
    for number, (layer, shape) in enumerate(trace, 1):
        if shape == pooled and number < len(trace):
            raise AssertionError(say({
                "en": f"a {layer} layer halved height and width before the last convolution. "
                      "Hint: all num_convs convolutions come first, then one pooling layer",
                "zh": f"一个 {layer} 层在最后一个卷积层之前就把高和宽减半了。"
                      "提示：先是全部 num_convs 个卷积层，然后才是一个池化层"}))
        if shape not in (conv_stage, pooled, x_shape):
            expected = pooled if number == len(trace) and layer.endswith("Pool2d") else conv_stage
            raise AssertionError(say({
                "en": f"a {layer} layer of vgg_block(3, 3, 8) produced shape {shape} from an input of "
                      f"shape {x_shape}, expected {expected}. Hint: {say(_hint(shape))}",
                "zh": f"vgg_block(3, 3, 8) 的一个 {layer} 层由形状为 {x_shape} 的输入得到了形状 {shape}，"
                      f"期望 {expected}。提示：{say(_hint(shape))}"}))


def test_matches_reference(submission, reference, device):
    block = submission.build("vgg:vgg_block", 2, 3, 5, device=device).eval()
    ref = reference.vgg_block(2, 3, 5).eval()
    ref_shapes = [tuple(p.shape) for p in ref.parameters()]
    shapes = block.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(say({
            "en": f"vgg_block(2, 3, 5) has parameters of shapes {shapes}, which cannot hold the course block's "
                  f"{ref_shapes} (two 3x3 convolutions with bias, 3 to 5 and 5 to 5 channels)",
            "zh": f"vgg_block(2, 3, 5) 的参数形状为 {shapes}，装不下课程中该块的参数 {ref_shapes}"
                  f"（两个带偏置的 3x3 卷积，通道数分别为 3 到 5 和 5 到 5）"}))
    x = torch.randn(3, 3, 9, 7)  # odd sizes: the pooling rounds down
    with torch.no_grad():
        expected = ref(x)
    atol = tolerance(device, kind="layers").atol  # a few convolutions: TF32 on a GPU (grader.checking.tolerances)
    if not block.load_parameters_from(ref, probe=torch.randn(2, 3, 8, 6), atol=atol):
        block.load_parameters_from(ref)  # the likeliest filling, to say how the outputs differ
    out = block(x)
    hint = ACTIVATION_HINT
    if isinstance(out, torch.Tensor) and out.shape != expected.shape:
        hint = {"en": "3x3 convolutions with padding=1, then nn.MaxPool2d(kernel_size=2, stride=2), which rounds down",
                "zh": "先是 padding=1 的 3x3 卷积，然后是 nn.MaxPool2d(kernel_size=2, stride=2)，它向下取整"}
    expect_close(out, expected, {"en": "the output of vgg_block(2, 3, 5) under the course block's weights",
                                 "zh": "载入课程中该块的权重后 vgg_block(2, 3, 5) 的输出"},
                 device=device, kind="layers", hint=hint)
