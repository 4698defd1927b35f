"""VGG block: some 3x3 convolutions, then halve the size."""

from torch import nn


def vgg_block(num_convs, in_channels, out_channels):
    block = nn.Sequential()
    for i in range(num_convs):
        block.add_module(f"conv{i}", nn.Conv2d(in_channels, out_channels, 3, padding=1))
        block.add_module(f"relu{i}", nn.ReLU(inplace=True))
        in_channels = out_channels  # the next conv sees this conv's output
    block.add_module("pool", nn.MaxPool2d(2, 2))
    return block
