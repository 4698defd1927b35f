"""Public checks for alexnet.py: the output shape and the parameter count."""

import torch

from grader.checks import expect_shape
from grader.evidence import expect_parameters_used

COUNT = 29_983_434
WITH_SECOND_HIDDEN_LAYER = COUNT + 4096 * 4096 + 4096


def test_output_shape(submission, device):
    net = submission.build("alexnet:AlexNet", device=device)
    expect_shape(net(torch.randn(2, 1, 224, 224)), (2, 10), "AlexNet()(X) for a batch of 2 images of 1x224x224",
                 hint="one score per class for each image; the features are flattened with the batch dimension kept")


def test_parameter_count(submission):
    net = submission.build("alexnet:AlexNet")
    count = net.num_parameters()
    hint = ("convolutions 1 to 96 (11x11), 96 to 256 (5x5), 256 to 384, 384 to 384, 384 to 256 (3x3), all with bias, "
            "then dense layers 256*5*5 = 6400 to 4096 and 4096 to 10")
    if count == WITH_SECOND_HIDDEN_LAYER:
        hint = ("the course's AlexNet has one hidden dense layer of 4096 units; it leaves out the paper's second "
                "4096 to 4096 layer")
    assert count == COUNT, f"AlexNet() has {count:,} trainable parameters, expected {COUNT:,}. Hint: {hint}"
    expect_parameters_used(net, torch.randn(1, 1, 224, 224), what="AlexNet()",
                           hint="every layer's weight and bias take part in the output")
