"""The three 3x3 convolutions have no padding, so they shrink 12x12 to 6x6 (the dense block was resized to fit).

caught-by: stage-shapes, parameter-count
"""

from torch import nn


class AlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 96, kernel_size=11, stride=4),  # (B, 96, 54, 54)
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 96, 26, 26)
            nn.Conv2d(96, 256, kernel_size=5, padding=2),  # (B, 256, 26, 26)
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 256, 12, 12)
            nn.Conv2d(256, 384, kernel_size=3),  # (B, 384, 12, 12)
            nn.ReLU(),
            nn.Conv2d(384, 384, kernel_size=3),  # (B, 384, 12, 12)
            nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3),  # (B, 256, 12, 12)
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 256, 5, 5)
        )
        self.fc = nn.Sequential(
            nn.Linear(256 * 2 * 2, 4096),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(4096, 10),
        )

    def forward(self, img):
        feature = self.conv(img)
        return self.fc(feature.view(img.shape[0], -1))
