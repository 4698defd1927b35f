"""Hidden check for alexnet.py: the parameter count, and that every counted parameter is used.

Hidden because the cheap confirmation needs the course's AlexNet: the weights the student's
net claims are loaded into it, and its output must be the student's (grader.checking.evidence).
"""

import torch

from grader.checking.checks import say, shared_reference
from grader.checking.evidence import expect_parameters_used

COUNT = 29_983_434
WITH_SECOND_HIDDEN_LAYER = COUNT + 4096 * 4096 + 4096



def test_parameter_count(submission, reference):
    net = submission.build("alexnet:AlexNet")
    count = net.num_parameters()
    hint = {"en": "convolutions 1 to 96 (11x11), 96 to 256 (5x5), 256 to 384, 384 to 384, 384 to 256 (3x3), all with "
                  "bias, then dense layers 256*5*5 = 6400 to 4096 and 4096 to 10",
            "zh": "卷积层 1 到 96（11x11）、96 到 256（5x5）、256 到 384、384 到 384、384 到 256（3x3），都带偏置，"
                  "然后是全连接层 256*5*5 = 6400 到 4096 和 4096 到 10"}
    if count == WITH_SECOND_HIDDEN_LAYER:
        hint = {"en": "the course's AlexNet has one hidden dense layer of 4096 units; it leaves out the paper's second "
                      "4096 to 4096 layer",
                "zh": "课程中的 AlexNet 只有一个 4096 个单元的隐藏全连接层；它去掉了论文中第二个 4096 到 4096 的层"}
    assert count == COUNT, say({
        "en": f"AlexNet() has {count:,} trainable parameters, expected {COUNT:,}. Hint: {hint['en']}",
        "zh": f"AlexNet() 有 {count:,} 个可训练参数，期望 {COUNT:,} 个。提示：{hint['zh']}"})
    expect_parameters_used(net, torch.randn(1, 1, 224, 224), what="AlexNet()", reference=shared_reference(reference, "AlexNet"),
                           hint={"en": "every layer's weight and bias take part in the output",
                                 "zh": "每一层的权重和偏置都要参与计算输出"})
