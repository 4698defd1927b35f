"""Sigmoid activations where AlexNet uses ReLU.

caught-by: matches-reference
"""

from torch import nn


class AlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 96, kernel_size=11, stride=4),  # (B, 96, 54, 54)
            nn.Sigmoid(),
            nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 96, 26, 26)
            nn.Conv2d(96, 256, kernel_size=5, padding=2),  # (B, 256, 26, 26)
            nn.Sigmoid(),
            nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 256, 12, 12)
            nn.Conv2d(256, 384, kernel_size=3, padding=1),  # (B, 384, 12, 12)
            nn.Sigmoid(),
            nn.Conv2d(384, 384, kernel_size=3, padding=1),  # (B, 384, 12, 12)
            nn.Sigmoid(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),  # (B, 256, 12, 12)
            nn.Sigmoid(),
            nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 256, 5, 5)
        )
        self.fc = nn.Sequential(
            nn.Linear(256 * 5 * 5, 4096),
            nn.Sigmoid(),
            nn.Dropout(0.5),
            nn.Linear(4096, 10),
        )

    def forward(self, img):
        feature = self.conv(img)
        return self.fc(feature.view(img.shape[0], -1))
