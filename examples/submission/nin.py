"""NiN block. I pad the small convolutions so the size stays the same."""

from torch import nn


class NiNBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding)
        self.mlp1 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.mlp2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.act(self.conv(x))
        x = self.act(self.mlp1(x))
        return self.act(self.mlp2(x))


def nin_block(in_channels, out_channels, kernel_size, stride, padding):
    return NiNBlock(in_channels, out_channels, kernel_size, stride, padding)
