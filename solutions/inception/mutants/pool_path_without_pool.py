"""Path 4 applies its 1x1 convolution to the input itself, without the 3x3 max pooling first.

caught-by: path-pool
"""

import torch
import torch.nn.functional as F
from torch import nn


class Inception(nn.Module):
    """c1..c4 are the output channels of each path; c2 and c3 are pairs (1x1 width, output width)."""

    def __init__(self, in_c, c1, c2, c3, c4):
        super().__init__()
        self.p1_1 = nn.Conv2d(in_c, c1, kernel_size=1)  # path 1: 1x1
        self.p2_1 = nn.Conv2d(in_c, c2[0], kernel_size=1)  # path 2: 1x1, then 3x3
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_c, c3[0], kernel_size=1)  # path 3: 1x1, then 5x5
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)  # path 4: 3x3 max pool, then 1x1
        self.p4_2 = nn.Conv2d(in_c, c4, kernel_size=1)

    def forward(self, x):
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(x))
        return torch.cat((p1, p2, p3, p4), dim=1)  # along the channels
