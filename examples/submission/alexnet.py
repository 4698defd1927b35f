"""AlexNet for Fashion-MNIST sized up to 224x224 (homework 4)."""

import torch
import torch.nn.functional as F
from torch import nn


class AlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 96, kernel_size=11, stride=4)
        self.conv2 = nn.Conv2d(96, 256, kernel_size=5, padding=2)
        self.conv3 = nn.Conv2d(256, 384, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(384, 384, kernel_size=3, padding=1)
        self.conv5 = nn.Conv2d(384, 256, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(256 * 5 * 5, 4096)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(4096, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), kernel_size=3, stride=2)  # 54 -> 26
        x = F.max_pool2d(F.relu(self.conv2(x)), kernel_size=3, stride=2)  # 26 -> 12
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = F.max_pool2d(F.relu(self.conv5(x)), kernel_size=3, stride=2)  # 12 -> 5
        x = torch.flatten(x, start_dim=1)
        x = self.drop(F.relu(self.fc1(x)))
        return self.fc2(x)
