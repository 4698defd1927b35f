"""The first convolution has no padding (and the dense block was resized to fit).

caught-by: stage-shapes, parameter-count
"""

import torch
from torch import nn


class Reshape(nn.Module):
    def forward(self, x):
        return x.view(-1, 1, 28, 28)


net = nn.Sequential(
    Reshape(),
    nn.Conv2d(1, 6, kernel_size=5),  # (B, 6, 28, 28)
    nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),  # (B, 6, 14, 14)
    nn.Conv2d(6, 16, kernel_size=5),  # (B, 16, 10, 10)
    nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),  # (B, 16, 5, 5)
    nn.Flatten(),  # (B, 400)
    nn.Linear(16 * 4 * 4, 120),
    nn.Sigmoid(),
    nn.Linear(120, 84),
    nn.Sigmoid(),
    nn.Linear(84, 10),
)
