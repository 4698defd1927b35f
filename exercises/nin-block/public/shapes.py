"""Public checks for nin.py: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape, say
from grader.checking.evidence import expect_parameters_used
from grader.checking.session import StudentError

SHAPE_HINT = {"en": "only the first convolution uses kernel_size, stride and padding (in the order nn.Conv2d(in_channels, "
                    "out_channels, kernel_size, stride, padding)); the two 1x1 convolutions have kernel_size=1, stride 1 "
                    "and no padding, so they keep height and width",
              "zh": "只有第一个卷积使用 kernel_size、stride 和 padding（顺序为 nn.Conv2d(in_channels, "
                    "out_channels, kernel_size, stride, padding)）；两个 1x1 卷积的 kernel_size=1、步幅为 1、"
                    "没有填充，因此保持高和宽不变"}


def _side(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


def test_output_shape(submission, device):
    for args, x_shape in (((1, 96, 11, 4, 0), (1, 1, 224, 224)), ((3, 8, 3, 1, 1), (2, 3, 10, 9)),
                          ((2, 6, 5, 2, 2), (2, 2, 13, 12))):
        what = {"en": f"nin_block{args} applied to a batch of shape {x_shape}",
                "zh": f"nin_block{args} 作用于形状为 {x_shape} 的一批输入"}
        block = submission.build("nin:nin_block", *args, device=device)
        try:
            out = block(torch.randn(x_shape))
        except StudentError as exc:
            raise AssertionError(say({"en": f"{what['en']}: {exc}. Hint: {SHAPE_HINT['en']}",
                                      "zh": f"{what['zh']}：{exc}。提示：{SHAPE_HINT['zh']}"})) from None
        _, c_out, k, s, p = args
        expected = (x_shape[0], c_out, _side(x_shape[2], k, s, p), _side(x_shape[3], k, s, p))
        expect_shape(out, expected, what, hint=SHAPE_HINT)


def _conv(c_in: int, c_out: int, k: int) -> int:
    return c_out * c_in * k * k + c_out


def test_parameter_count(submission):
    for c_in, c_out, k, s, p in ((3, 16, 5, 1, 2), (1, 96, 11, 4, 0), (96, 256, 5, 1, 2)):
        count = submission.build("nin:nin_block", c_in, c_out, k, s, p).num_parameters()
        expected = _conv(c_in, c_out, k) + 2 * _conv(c_out, c_out, 1)
        hint = {"en": f"the first convolution ({k}x{k}, {c_in} to {c_out} channels) has {_conv(c_in, c_out, k):,} "
                      f"parameters and each 1x1 convolution ({c_out} to {c_out}) has {_conv(c_out, c_out, 1):,}",
                "zh": f"第一个卷积（{k}x{k}，{c_in} 到 {c_out} 个通道）有 {_conv(c_in, c_out, k):,} 个参数，"
                      f"每个 1x1 卷积（{c_out} 到 {c_out}）有 {_conv(c_out, c_out, 1):,} 个"}
        if count == _conv(c_in, c_out, k) + 2 * _conv(c_out, c_out, 3):
            hint = {"en": f"the second and third convolutions are 1x1 (kernel_size=1), not 3x3: {hint['en']}",
                    "zh": f"第二、第三个卷积是 1x1 的（kernel_size=1），不是 3x3：{hint['zh']}"}
        elif count == _conv(c_in, c_out, k) + 2 * _conv(c_out, c_out, k):
            hint = {"en": f"the second and third convolutions are 1x1 (kernel_size=1), not kernel_size: {hint['en']}",
                    "zh": f"第二、第三个卷积是 1x1 的（kernel_size=1），而不是 kernel_size：{hint['zh']}"}
        assert count == expected, say({
            "en": f"nin_block({c_in}, {c_out}, {k}, {s}, {p}) has {count:,} trainable parameters, "
                  f"expected {expected:,}. Hint: {hint['en']}",
            "zh": f"nin_block({c_in}, {c_out}, {k}, {s}, {p}) 有 {count:,} 个可训练参数，"
                  f"期望 {expected:,} 个。提示：{hint['zh']}"})
    block = submission.build("nin:nin_block", 3, 16, 5, 1, 2)
    expect_parameters_used(block, torch.randn(1, 3, 8, 8), what="nin_block(3, 16, 5, 1, 2)",
                           hint={"en": "every convolution's weight and bias take part in the output",
                                 "zh": "每个卷积层的权重和偏置都要参与计算输出"})
