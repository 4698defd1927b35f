"""Public checks for vgg.py: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape, say
from grader.checking.evidence import expect_parameters_used
from grader.checking.session import StudentError

SHAPE_HINT = {"en": "3x3 convolutions with padding=1 keep height and width, and nn.MaxPool2d(kernel_size=2, stride=2) "
                    "halves them, rounding down",
              "zh": "padding=1 的 3x3 卷积保持高和宽不变，nn.MaxPool2d(kernel_size=2, stride=2) 把它们减半（向下取整）"}


def _diagnose(num_convs: int, height: int, got: tuple) -> dict[str, str]:
    """Name the classic mistake behind a wrong output height, if it is one."""
    if len(got) == 4 and got[2] == height - 1:
        return {"en": "the pooling moves one step at a time: give nn.MaxPool2d stride=2 (kernel_size=2, stride=2)",
                "zh": "池化窗口每次只移动一步：给 nn.MaxPool2d 设 stride=2（kernel_size=2, stride=2）"}
    if len(got) == 4 and got[2] == (height - 2 * num_convs) // 2:
        return {"en": "each 3x3 convolution without padding shrinks height and width by 2: use padding=1",
                "zh": "没有填充的 3x3 卷积每次让高和宽各减少 2：使用 padding=1"}
    return SHAPE_HINT


def test_output_shape(submission, device):
    for (num_convs, c_in, c_out), x_shape in (((2, 3, 8), (2, 3, 16, 16)), ((1, 4, 6), (1, 4, 15, 11)),
                                              ((3, 2, 5), (2, 2, 12, 10))):
        what = {"en": f"vgg_block({num_convs}, {c_in}, {c_out}) applied to a batch of shape {x_shape}",
                "zh": f"vgg_block({num_convs}, {c_in}, {c_out}) 作用于形状为 {x_shape} 的一批输入"}
        block = submission.build("vgg:vgg_block", num_convs, c_in, c_out, device=device)
        try:
            out = block(torch.randn(x_shape))
        except StudentError as exc:
            raise AssertionError(say({
                "en": f"{what['en']}: {exc}. Hint: the first convolution takes in_channels, every later one "
                      "takes out_channels (the output of the one before it)",
                "zh": f"{what['zh']}：{exc}。提示：第一个卷积层的输入通道数是 in_channels，之后每一个的输入通道数都是 "
                      "out_channels（即前一个卷积层的输出）"})) from None
        expected = (x_shape[0], c_out, x_shape[2] // 2, x_shape[3] // 2)
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else ()
        expect_shape(out, expected, what, hint=_diagnose(num_convs, x_shape[2], got))


def _conv(c_in: int, c_out: int) -> int:
    return c_out * c_in * 9 + c_out


def test_parameter_count(submission):
    for num_convs, c_in, c_out in ((1, 3, 64), (3, 4, 16), (4, 8, 6)):
        count = submission.build("vgg:vgg_block", num_convs, c_in, c_out).num_parameters()
        expected = _conv(c_in, c_out) + (num_convs - 1) * _conv(c_out, c_out)
        hint = {"en": f"the first 3x3 convolution ({c_in} to {c_out} channels) has {_conv(c_in, c_out):,} parameters, "
                      f"each of the {num_convs - 1} others ({c_out} to {c_out}) has {_conv(c_out, c_out):,}",
                "zh": f"第一个 3x3 卷积（{c_in} 到 {c_out} 个通道）有 {_conv(c_in, c_out):,} 个参数，"
                      f"其余 {num_convs - 1} 个（{c_out} 到 {c_out}）每个有 {_conv(c_out, c_out):,} 个"}
        if num_convs > 2 and count == _conv(c_in, c_out) + _conv(c_out, c_out):
            hint = {"en": "the later convolutions share one set of weights: [layer] * n repeats the same layer object; "
                          "create a new nn.Conv2d for each convolution",
                    "zh": "后面的卷积层共用了同一组权重：[layer] * n 重复的是同一个层对象；"
                          "应为每个卷积层新建一个 nn.Conv2d"}
        assert count == expected, say({
            "en": f"vgg_block({num_convs}, {c_in}, {c_out}) has {count:,} trainable parameters, "
                  f"expected {expected:,}. Hint: {hint['en']}",
            "zh": f"vgg_block({num_convs}, {c_in}, {c_out}) 有 {count:,} 个可训练参数，"
                  f"期望 {expected:,} 个。提示：{hint['zh']}"})
    block = submission.build("vgg:vgg_block", 3, 4, 16)
    expect_parameters_used(block, torch.randn(1, 4, 8, 8), what="vgg_block(3, 4, 16)",
                           hint={"en": "every convolution's weight and bias take part in the output",
                                 "zh": "每个卷积层的权重和偏置都要参与计算输出"})
