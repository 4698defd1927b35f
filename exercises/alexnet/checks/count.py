"""Hidden check for alexnet.py: the parameter count, and that every counted parameter is used.

Hidden because the cheap confirmation needs the course's AlexNet: the weights the student's
net claims are loaded into it, and its output must be the student's (grader.checking.evidence).
"""

import torch

from grader.checking.checks import say, shared_reference
from grader.checking.evidence import expect_parameters_used

COUNT = 29_983_434
WITH_SECOND_HIDDEN_LAYER = COUNT + 4096 * 4096 + 4096
CONVOLUTIONS = {"en": "convolutions 1 to 96 (11x11), 96 to 256 (5x5), 256 to 384, 384 to 384, 384 to 256 (3x3), all "
                      "with bias, then dense layers ",
                "zh": "卷积层 1 到 96（11x11）、96 到 256（5x5）、256 到 384、384 到 384、384 到 256（3x3），都带偏置，"
                      "然后是全连接层 "}


def test_parameter_count(submission, reference, edition):
    net = submission.build("alexnet:AlexNet")
    count = net.num_parameters()
    if edition in ("d2l-v1", "d2l-zh-2"):  # the paper's two hidden layers
        expected, hint = WITH_SECOND_HIDDEN_LAYER, {
            "en": f"{CONVOLUTIONS['en']}6400 to 4096, 4096 to 4096 and 4096 to 10",
            "zh": f"{CONVOLUTIONS['zh']}6400 到 4096、4096 到 4096 和 4096 到 10"}
    else:
        expected, hint = COUNT, {"en": f"{CONVOLUTIONS['en']}256*5*5 = 6400 to 4096 and 4096 to 10",
                                 "zh": f"{CONVOLUTIONS['zh']}256*5*5 = 6400 到 4096 和 4096 到 10"}
        if count == WITH_SECOND_HIDDEN_LAYER:
            hint = {"en": "the course's AlexNet has one hidden dense layer of 4096 units; it leaves out the paper's "
                          "second 4096 to 4096 layer",
                    "zh": "课程中的 AlexNet 只有一个 4096 个单元的隐藏全连接层；它去掉了论文中第二个 4096 到 4096 的层"}
    assert count == expected, say({
        "en": f"AlexNet() has {count:,} trainable parameters, expected {expected:,}. Hint: {hint['en']}",
        "zh": f"AlexNet() 有 {count:,} 个可训练参数，期望 {expected:,} 个。提示：{hint['zh']}"})
    expect_parameters_used(net, torch.randn(1, 1, 224, 224), what="AlexNet()", reference=shared_reference(reference, "AlexNet"),
                           hint={"en": "every layer's weight and bias take part in the output",
                                 "zh": "每一层的权重和偏置都要参与计算输出"})
