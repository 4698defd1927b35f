"""A student's vgg.py in the first edition's contract: vgg_block(num_convs, in_channels, out_channels)."""

from torch import nn


def vgg_block(num_convs, in_channels, out_channels):
    blk = []
    for i in range(num_convs):
        blk.append(nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, kernel_size=3, padding=1))
        blk.append(nn.ReLU())
    blk.append(nn.MaxPool2d(kernel_size=2, stride=2))  # halves height and width
    return nn.Sequential(*blk)
