"""Public checks for lenet.py: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape
from grader.checking.evidence import expect_parameters_used


def test_output_shape(submission, device):
    net = submission.build("lenet:net", device=device)
    expect_shape(net(torch.randn(4, 1, 28, 28)), (4, 10), "net(X) for a batch of 4 images",
                 hint="one score per class for each image in the batch")


COUNTS = {  # edition: (parameters, hint)
    "boyu": (61_706, "two 5x5 convolutions (1 to 6 channels with padding 2, 6 to 16) and dense layers "
                     "400 -> 120 -> 84 -> 10"),
    "d2l-v1": (44_426, "the first edition's LeNet: two 5x5 convolutions without padding (1 to 6 channels, 6 to 16) "
                       "and dense layers 16*4*4 = 256 -> 120 -> 84 -> 10"),
}


def test_parameter_count(submission, edition):
    net = submission.build("lenet:net")
    count = net.num_parameters()
    expected, hint = COUNTS.get(edition, COUNTS["boyu"])
    assert count == expected, f"net has {count:,} trainable parameters, expected {expected:,}. Hint: {hint}"
    expect_parameters_used(net, torch.randn(2, 1, 28, 28), what="net",
                           hint="every parameter of net should take part in computing its output")
