"""Public checks for alexnet.py: the output shape."""

import torch

from grader.checking.checks import expect_shape


def test_output_shape(submission, device):
    net = submission.build("alexnet:AlexNet", device=device)
    expect_shape(net(torch.randn(2, 1, 224, 224)), (2, 10),
                 {"en": "AlexNet()(X) for a batch of 2 images of 1x224x224",
                  "zh": "输入为 2 张 1x224x224 图像的批量时的 AlexNet()(X)"},
                 hint={"en": "one score per class for each image; the features are flattened with the batch dimension kept",
                       "zh": "每张图像对每个类别给出一个分数；展平特征时保留批量维"})
