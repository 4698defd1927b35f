"""Public checks for lenet.py: the output shape and the parameter count."""

import torch

from grader.checking.checks import expect_shape
from grader.checking.evidence import expect_parameters_used


def test_output_shape(submission, device):
    net = submission.build("lenet:net", device=device)
    expect_shape(net(torch.randn(4, 1, 28, 28)), (4, 10), "net(X) for a batch of 4 images",
                 hint="one score per class for each image in the batch")


def test_parameter_count(submission):
    net = submission.build("lenet:net")
    count = net.num_parameters()
    assert count == 61_706, (f"net has {count:,} trainable parameters, expected 61,706. Hint: two 5x5 convolutions "
                             "(1 to 6 channels with padding 2, 6 to 16) and dense layers 400 -> 120 -> 84 -> 10")
    expect_parameters_used(net, torch.randn(2, 1, 28, 28), what="net",
                           hint="every parameter of net should take part in computing its output")
