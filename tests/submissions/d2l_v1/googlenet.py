"""A student's googlenet.py in the first edition's contract: Inception(in_c, c1, c2, c3, c4)."""

import torch
from torch import nn
import torch.nn.functional as F


class Inception(nn.Module):
    # c1 - c4: the output channels of each path
    def __init__(self, in_c, c1, c2, c3, c4):
        super(Inception, self).__init__()
        self.p1_1 = nn.Conv2d(in_c, c1, kernel_size=1)
        self.p2_1 = nn.Conv2d(in_c, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_c, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_c, c4, kernel_size=1)

    def forward(self, x):
        paths = (F.relu(self.p1_1(x)),
                 F.relu(self.p2_2(F.relu(self.p2_1(x)))),
                 F.relu(self.p3_2(F.relu(self.p3_1(x)))),
                 F.relu(self.p4_2(self.p4_1(x))))
        return torch.cat(paths, dim=1)
