# LeNet for Fashion-MNIST, written as a class
import torch
from torch import nn


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(),
            nn.MaxPool2d(2, 2),            # I read that max pooling works better
            nn.Conv2d(6, 16, 5), nn.Sigmoid(),
            nn.MaxPool2d(2, 2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10),
        )

    def forward(self, img):
        feature = self.features(img.view(-1, 1, 28, 28))
        return self.classifier(feature.view(img.shape[0], -1))


net = LeNet()
