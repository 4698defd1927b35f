"""Public checks for lenet.py: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape, say
from grader.checking.evidence import expect_parameters_used


def test_output_shape(submission, device):
    net = submission.build("lenet:net", device=device)
    expect_shape(net(torch.randn(4, 1, 28, 28)), (4, 10), {"en": "net(X) for a batch of 4 images",
                                                          "zh": "4 张图像的批量的 net(X)"},
                 hint={"en": "one score per class for each image in the batch", "zh": "批量中每张图像对每个类别给出一个分数"})


COUNTS = {  # edition: (parameters, hint)
    "boyu": (61_706, {"en": "two 5x5 convolutions (1 to 6 channels with padding 2, 6 to 16) and dense layers "
                            "400 -> 120 -> 84 -> 10",
                      "zh": "两个 5x5 卷积层（1 到 6 个通道、填充为 2，6 到 16 个通道）和全连接层 400 -> 120 -> 84 -> 10"}),
    "d2l-v1": (44_426, {"en": "the first edition's LeNet: two 5x5 convolutions without padding (1 to 6 channels, "
                              "6 to 16) and dense layers 16*4*4 = 256 -> 120 -> 84 -> 10",
                        "zh": "第一版的 LeNet：两个没有填充的 5x5 卷积层（1 到 6 个通道，6 到 16 个通道）"
                              "和全连接层 16*4*4 = 256 -> 120 -> 84 -> 10"}),
}


def test_parameter_count(submission, edition):
    net = submission.build("lenet:net")
    count = net.num_parameters()
    expected, hint = COUNTS.get(edition, COUNTS["boyu"])
    assert count == expected, say({
        "en": f"net has {count:,} trainable parameters, expected {expected:,}. Hint: {hint['en']}",
        "zh": f"net 有 {count:,} 个可训练参数，期望 {expected:,} 个。提示：{hint['zh']}"})
    expect_parameters_used(net, torch.randn(2, 1, 28, 28), what="net",
                           hint={"en": "every parameter of net should take part in computing its output",
                                 "zh": "net 的每个参数都应参与计算输出"})
