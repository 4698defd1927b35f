"""Inception block of GoogLeNet: four branches side by side."""

import torch
from torch import nn


class Inception(nn.Module):
    def __init__(self, in_c, c1, c2, c3, c4):
        super().__init__()
        self.branch_pool = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(in_c, c4, 1), nn.ReLU())
        self.branch1 = nn.Sequential(nn.Conv2d(in_c, c1, 1), nn.ReLU())
        self.branch3 = nn.Sequential(
            nn.Conv2d(in_c, c2[0], 1), nn.ReLU(), nn.Conv2d(c2[0], c2[1], 3, padding=1), nn.ReLU())
        self.branch5 = nn.Sequential(
            nn.Conv2d(in_c, c3[0], 1), nn.ReLU(), nn.Conv2d(c3[0], c3[1], 5, padding=2), nn.ReLU())

    def forward(self, x):
        outputs = [self.branch1(x), self.branch3(x), self.branch5(x), self.branch_pool(x)]
        return torch.cat(outputs, 1)
