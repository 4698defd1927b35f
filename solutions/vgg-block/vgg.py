"""Reference solution for vgg-block: num_convs 3x3 convolutions (padding 1) with ReLU, then 2x2 max pooling."""

from torch import nn


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for i in range(num_convs):
        layers.append(nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))  # halves height and width
    return nn.Sequential(*layers)
