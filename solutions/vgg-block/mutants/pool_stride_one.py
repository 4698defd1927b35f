"""The max pooling moves with stride 1, so it shrinks height and width by one instead of halving them.

caught-by: output-shape, stage-shapes
"""

from torch import nn


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for i in range(num_convs):
        layers.append(nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
    layers.append(nn.MaxPool2d(kernel_size=2, stride=1))
    return nn.Sequential(*layers)
