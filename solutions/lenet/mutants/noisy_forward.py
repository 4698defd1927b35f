"""Adds random noise to the output, also in eval mode.

caught-by: eval-determinism
"""

import torch
from torch import nn


class Reshape(nn.Module):
    def forward(self, x):
        return x.view(-1, 1, 28, 28)


class Noise(nn.Module):
    def forward(self, x):
        return x + 0.01 * torch.randn_like(x)


net = nn.Sequential(
    Reshape(),
    nn.Conv2d(1, 6, kernel_size=5, padding=2),  # (B, 6, 28, 28)
    nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),  # (B, 6, 14, 14)
    nn.Conv2d(6, 16, kernel_size=5),  # (B, 16, 10, 10)
    nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),  # (B, 16, 5, 5)
    nn.Flatten(),  # (B, 400)
    nn.Linear(16 * 5 * 5, 120),
    nn.Sigmoid(),
    nn.Linear(120, 84),
    nn.Sigmoid(),
    nn.Linear(84, 10),
    Noise(),
)
