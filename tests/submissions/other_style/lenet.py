"""A correct lenet.py in another style: a class, functional ops, its own names and init."""

import torch
import torch.nn.functional as F
from torch import nn


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.f5 = nn.Linear(400, 120)
        self.f6 = nn.Linear(120, 84)
        self.out = nn.Linear(84, 10)
        for layer in (self.c1, self.c3, self.f5, self.f6, self.out):
            nn.init.xavier_uniform_(layer.weight)

    def forward(self, img):
        x = F.avg_pool2d(torch.sigmoid(self.c1(img)), 2)
        x = F.avg_pool2d(torch.sigmoid(self.c3(x)), 2)
        x = x.view(x.size(0), -1)
        return self.out(torch.sigmoid(self.f6(torch.sigmoid(self.f5(x)))))


net = LeNet5()
