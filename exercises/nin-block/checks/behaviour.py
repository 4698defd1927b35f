"""Hidden checks for nin.py: the 1x1 convolutions act pixel by pixel, and the function under the course's weights."""

import pytest
import torch

from grader.checking import align
from grader.checking.checks import expect_close, expect_shape, say, tolerance


def test_pointwise(submission):
    """With a 1x1 first convolution the whole block is pointwise: one input pixel moves one output pixel only."""
    block = submission.build("nin:nin_block", 4, 6, 1, 1, 0).eval()
    x = torch.randn(3, 4, 7, 7)
    changed = x.clone()
    pixels = [(0, 3, 3), (1, 0, 5), (2, 6, 0)]
    for b, i, j in pixels:
        changed[b, :, i, j] = torch.randn(4)
    what = {"en": "nin_block(4, 6, 1, 1, 0) applied to a (3, 4, 7, 7) batch",
            "zh": "nin_block(4, 6, 1, 1, 0) 作用于一批形状为 (3, 4, 7, 7) 的输入"}
    before = expect_shape(block(x), (3, 6, 7, 7), what)
    after = expect_shape(block(changed), (3, 6, 7, 7), what)
    moved = (after - before).abs() > 1e-5
    for b, i, j in pixels:
        moved[b, :, i, j] = False
    if moved.any():
        b, _, i, j = (int(n) for n in moved.nonzero()[0])
        raise AssertionError(say({
            "en": f"in nin_block(4, 6, 1, 1, 0), changing one input pixel also changed the output at another pixel "
                  f"(image {b}, row {i}, column {j}). Hint: the second and third convolutions must be 1x1 "
                  "(kernel_size=1): they mix the channels of each pixel on its own, like a dense layer per pixel",
            "zh": f"在 nin_block(4, 6, 1, 1, 0) 中，改变一个输入像素也改变了另一个像素处的输出"
                  f"（第 {b} 张图像，第 {i} 行，第 {j} 列）。提示：第二、第三个卷积必须是 1x1 的"
                  "（kernel_size=1）：它们只在每个像素自身的各通道之间混合，相当于逐像素的全连接层"}))


def test_matches_reference(submission, reference, device):
    block = submission.build("nin:nin_block", 3, 5, 3, 2, 1, device=device).eval()
    ref = reference.nin_block(3, 5, 3, 2, 1).eval()
    shapes = block.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(say({
            "en": f"nin_block(3, 5, 3, 2, 1) has parameters of shapes {shapes}, which cannot hold the course "
                  f"block's {[tuple(p.shape) for p in ref.parameters()]} (a 3x3 convolution from 3 to 5 channels "
                  "and two 1x1 convolutions from 5 to 5, all with bias)",
            "zh": f"nin_block(3, 5, 3, 2, 1) 的参数形状为 {shapes}，装不下课程中该块的参数 "
                  f"{[tuple(p.shape) for p in ref.parameters()]}（一个 3 到 5 通道的 3x3 卷积，"
                  "和两个 5 到 5 通道的 1x1 卷积，都带偏置）"}))
    x = torch.randn(2, 3, 11, 9)
    with torch.no_grad():
        expected = ref(x)
    atol = tolerance(device, kind="layers").atol  # a few convolutions: TF32 on a GPU (grader.checking.tolerances)
    if not block.load_parameters_from(ref, probe=torch.randn(2, 3, 8, 8), atol=atol):
        block.load_parameters_from(ref)  # the likeliest filling, to say how the outputs differ
    out = block(x)
    hint = {"en": "a ReLU after each of the three convolutions", "zh": "三个卷积层后面各接一个 ReLU"}
    if isinstance(out, torch.Tensor) and out.shape != expected.shape:
        hint = {"en": "the first convolution is nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding), "
                      "the 1x1 convolutions keep height and width",
                "zh": "第一个卷积是 nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding)，"
                      "1x1 卷积保持高和宽不变"}
    elif isinstance(out, torch.Tensor) and (out < 0).any():
        hint = {"en": "your block's output has negative values: the last 1x1 convolution needs a ReLU after it too",
                "zh": "你的块输出了负值：最后一个 1x1 卷积后面也需要一个 ReLU"}
    expect_close(out, expected, {"en": "the output of nin_block(3, 5, 3, 2, 1) under the course block's weights",
                                 "zh": "载入课程中该块的权重后 nin_block(3, 5, 3, 2, 1) 的输出"},
                 device=device, kind="layers", hint=hint)
