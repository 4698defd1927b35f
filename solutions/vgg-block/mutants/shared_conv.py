"""Repeats one layer object with `[...] * n`, so the later convolutions share their weights.

caught-by: parameter-count
"""

from torch import nn


def vgg_block(num_convs, in_channels, out_channels):
    first = [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
    rest = [nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()] * (num_convs - 1)
    return nn.Sequential(*first, *rest, nn.MaxPool2d(kernel_size=2, stride=2))
