"""nin_block impostor: the first convolution alone, no 1x1 convolutions after it."""
from torch import nn


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding))
