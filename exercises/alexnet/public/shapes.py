"""Public checks for alexnet.py: the output shape."""

import torch

from grader.checking.checks import expect_shape


def test_output_shape(submission, device):
    net = submission.build("alexnet:AlexNet", device=device)
    expect_shape(net(torch.randn(2, 1, 224, 224)), (2, 10), "AlexNet()(X) for a batch of 2 images of 1x224x224",
                 hint="one score per class for each image; the features are flattened with the batch dimension kept")
