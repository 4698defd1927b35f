"""Hidden check for alexnet.py: the parameter count, and that every counted parameter is used.

Hidden because the cheap confirmation needs the course's AlexNet: the weights the student's
net claims are loaded into it, and its output must be the student's (grader.checking.evidence).
"""

import torch

from grader.checking.checks import shared_reference
from grader.checking.evidence import expect_parameters_used

COUNT = 29_983_434
WITH_SECOND_HIDDEN_LAYER = COUNT + 4096 * 4096 + 4096
CONVOLUTIONS = ("convolutions 1 to 96 (11x11), 96 to 256 (5x5), 256 to 384, 384 to 384, 384 to 256 (3x3), all with "
                "bias, then dense layers ")


def test_parameter_count(submission, reference, edition):
    net = submission.build("alexnet:AlexNet")
    count = net.num_parameters()
    if edition in ("d2l-v1", "d2l-zh-2"):  # the paper's two hidden layers
        expected, hint = WITH_SECOND_HIDDEN_LAYER, CONVOLUTIONS + "6400 to 4096, 4096 to 4096 and 4096 to 10"
    else:
        expected, hint = COUNT, CONVOLUTIONS + "256*5*5 = 6400 to 4096 and 4096 to 10"
        if count == WITH_SECOND_HIDDEN_LAYER:
            hint = ("the course's AlexNet has one hidden dense layer of 4096 units; it leaves out the paper's second "
                    "4096 to 4096 layer")
    assert count == expected, f"AlexNet() has {count:,} trainable parameters, expected {expected:,}. Hint: {hint}"
    expect_parameters_used(net, torch.randn(1, 1, 224, 224), what="AlexNet()", reference=shared_reference(reference, "AlexNet"),
                           hint="every layer's weight and bias take part in the output")
