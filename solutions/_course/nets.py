"""The course's networks and blocks, built in torch for the bank's `verify:` lines to measure.

LeNet, AlexNet, vgg_block, nin_block and Inception as the course notes define them; dense
layers that follow a flatten are lazy, so their input widths are measured, not written in.
The names in __all__ are bound in every `verify:` expression of this bank (grader.bank.course_code).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from grader.proofs.measure import output_shape

__all__ = ["alexnet", "inception", "lenet", "nin_block", "vgg_block"]


def _materialised(build, shape: list[int]) -> nn.Module:
    """Build a net on the meta device (counted and measured only: no weights to initialise)
    and run it once on `shape`, so its lazy layers learn their input sizes."""
    with torch.device("meta"):
        net = build()
    output_shape(net, shape)
    return net


def lenet(c1: int = 6, c2: int = 16) -> nn.Sequential:
    """The course's LeNet (padding 2, sigmoid, average pooling) for 1 x 28 x 28 inputs; the
    first dense layer's width is measured by a lazy layer, not written in."""
    return _materialised(lambda: nn.Sequential(
        nn.Conv2d(1, c1, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
        nn.Conv2d(c1, c2, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(),
        nn.LazyLinear(120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10),
    ), [1, 1, 28, 28])


def alexnet(hidden_layers: int = 1, size: int = 224) -> nn.Sequential:
    """The course's AlexNet for one-channel size x size inputs; `hidden_layers` dense hidden
    layers of 4096 (the course keeps 1 on CPU, the paper has 2)."""
    def build() -> nn.Sequential:
        dense: list[nn.Module] = [nn.Flatten()]
        for _ in range(hidden_layers):
            dense += [nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5)]
        return nn.Sequential(
            nn.Conv2d(1, 96, 11, 4), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(96, 256, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(256, 384, 3, 1, 1), nn.ReLU(), nn.Conv2d(384, 384, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(3, 2),
            *dense, nn.LazyLinear(10),
        )

    return _materialised(build, [1, 1, size, size])


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """The course's vgg_block: 3x3 convolutions with padding 1 and ReLU, then 2x2 max pooling."""
    layers: list[nn.Module] = []
    for i in range(num_convs):
        layers += [nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers, nn.MaxPool2d(2, 2))


def nin_block(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0) -> nn.Sequential:
    """The course's nin_block: one k x k convolution, then two 1x1 convolutions, each with ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, 1), nn.ReLU(), nn.Conv2d(out_channels, out_channels, 1), nn.ReLU(),
    )


class _Inception(nn.Module):
    def __init__(self, in_c: int, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int):
        super().__init__()
        self.p1 = nn.Conv2d(in_c, c1, 1)
        self.p2 = nn.Sequential(nn.Conv2d(in_c, c2[0], 1), nn.ReLU(), nn.Conv2d(c2[0], c2[1], 3, padding=1))
        self.p3 = nn.Sequential(nn.Conv2d(in_c, c3[0], 1), nn.ReLU(), nn.Conv2d(c3[0], c3[1], 5, padding=2))
        self.p4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(in_c, c4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.relu(path(x)) for path in (self.p1, self.p2, self.p3, self.p4)], dim=1)


def inception(in_c: int, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int) -> nn.Module:
    """The course's four-path Inception block, outputs joined along the channels."""
    return _Inception(in_c, c1, tuple(c2), tuple(c3), c4)
