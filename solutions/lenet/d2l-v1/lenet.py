"""Reference solution for lenet, first edition (d2l-v1): a LeNet class, and net = LeNet().

No padding, so 28x28 shrinks to 24x24; sigmoid, 2x2 max pooling; 16*4*4 features feed the
dense layers 120, 84, 10: 44,426 parameters.
"""

from torch import nn


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5),  # (B, 6, 24, 24)
            nn.Sigmoid(),
            nn.MaxPool2d(kernel_size=2, stride=2),  # (B, 6, 12, 12)
            nn.Conv2d(6, 16, kernel_size=5),  # (B, 16, 8, 8)
            nn.Sigmoid(),
            nn.MaxPool2d(kernel_size=2, stride=2),  # (B, 16, 4, 4)
        )
        self.fc = nn.Sequential(
            nn.Linear(16 * 4 * 4, 120),
            nn.Sigmoid(),
            nn.Linear(120, 84),
            nn.Sigmoid(),
            nn.Linear(84, 10),
        )

    def forward(self, images):
        features = self.conv(images)
        return self.fc(features.reshape(images.shape[0], -1))


net = LeNet()
