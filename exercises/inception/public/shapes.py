"""Public checks for googlenet.py: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape, say
from grader.checking.evidence import expect_parameters_used
from grader.checking.session import StudentError

SHAPE_HINT = {"en": "every path keeps height and width (the 3x3 convolution with padding=1, the 5x5 with padding=2, "
                    "the max pooling with kernel_size=3, stride=1, padding=1), and the four outputs are concatenated "
                    "along the channels: torch.cat((p1, p2, p3, p4), dim=1)",
              "zh": "每条路径都保持高和宽不变（3x3 卷积用 padding=1，5x5 卷积用 padding=2，"
                    "最大池化用 kernel_size=3, stride=1, padding=1），四个输出沿通道维连结："
                    "torch.cat((p1, p2, p3, p4), dim=1)"}


def test_output_shape(submission, device):
    for args, x_shape in (((192, 64, (96, 128), (16, 32), 32), (1, 192, 28, 28)),
                          ((4, 2, (3, 5), (2, 3), 4), (2, 4, 7, 9))):
        _, c1, c2, c3, c4 = args
        what = {"en": f"Inception{args} applied to a batch of shape {x_shape}",
                "zh": f"Inception{args} 作用于形状为 {x_shape} 的一批输入"}
        block = submission.build("googlenet:Inception", *args, device=device)
        try:
            out = block(torch.randn(x_shape))
        except StudentError as exc:
            raise AssertionError(say({"en": f"{what['en']}: {exc}. Hint: {SHAPE_HINT['en']}",
                                      "zh": f"{what['zh']}：{exc}。提示：{SHAPE_HINT['zh']}"})) from None
        expected = (x_shape[0], c1 + c2[1] + c3[1] + c4, *x_shape[2:])
        expect_shape(out, expected, what, hint=SHAPE_HINT)


def test_parameter_count(submission):
    block = submission.build("googlenet:Inception", 192, 64, (96, 128), (16, 32), 32)
    count = block.num_parameters()
    assert count == 163_696, say({
        "en": f"Inception(192, 64, (96, 128), (16, 32), 32) has {count:,} trainable parameters, expected 163,696. "
              "Hint: six convolutions with bias: 1x1 from 192 to 64; 1x1 from 192 to 96 and 3x3 from 96 to 128; "
              "1x1 from 192 to 16 and 5x5 from 16 to 32; 1x1 from 192 to 32 after the pooling (which has no parameters)",
        "zh": f"Inception(192, 64, (96, 128), (16, 32), 32) 有 {count:,} 个可训练参数，期望 163,696 个。"
              "提示：六个带偏置的卷积：192 到 64 的 1x1；192 到 96 的 1x1 和 96 到 128 的 3x3；"
              "192 到 16 的 1x1 和 16 到 32 的 5x5；池化（没有参数）之后 192 到 32 的 1x1"})
    expect_parameters_used(block, torch.randn(1, 192, 6, 6), what="Inception(192, 64, (96, 128), (16, 32), 32)",
                           hint={"en": "every convolution of the four paths takes part in the output",
                                 "zh": "四条路径上的每个卷积都要参与计算输出"})
