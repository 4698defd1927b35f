"""Inception impostor: one 1x1 convolution to all the output channels."""
from torch import nn


class Inception(nn.Module):
    def __init__(self, in_c, c1, c2, c3, c4, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_c, c1 + c2[1] + c3[1] + c4, kernel_size=1)

    def forward(self, x):
        return self.conv(x)
