"""vgg_block impostor: a 1x1 convolution and the pooling, whatever num_convs says."""
from torch import nn


def vgg_block(num_convs, in_channels, out_channels):
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size=1), nn.MaxPool2d(2, 2))
