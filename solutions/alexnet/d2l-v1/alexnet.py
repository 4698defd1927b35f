"""Reference solution for alexnet, first edition (d2l-v1): the class AlexNet, the paper's two
hidden dense layers.

Convolutions as in the course's (the first 11x11, stride 4, unpadded: 224 -> 54), then
256*5*5 = 6400 features, two hidden dense layers of 4096 with ReLU and dropout 0.5, and 10
outputs: 46,764,746 parameters.
"""

from torch import nn


class AlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 96, 11, 4),  # (B, 96, 54, 54)
            nn.ReLU(),
            nn.MaxPool2d(3, 2),  # (B, 96, 26, 26)
            nn.Conv2d(96, 256, 5, 1, 2),  # (B, 256, 26, 26)
            nn.ReLU(),
            nn.MaxPool2d(3, 2),  # (B, 256, 12, 12)
            nn.Conv2d(256, 384, 3, 1, 1),
            nn.ReLU(),
            nn.Conv2d(384, 384, 3, 1, 1),
            nn.ReLU(),
            nn.Conv2d(384, 256, 3, 1, 1),  # (B, 256, 12, 12)
            nn.ReLU(),
            nn.MaxPool2d(3, 2),  # (B, 256, 5, 5)
        )
        self.fc = nn.Sequential(
            nn.Linear(256 * 5 * 5, 4096),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(4096, 10),
        )

    def forward(self, images):
        return self.fc(self.conv(images).reshape(images.shape[0], -1))
