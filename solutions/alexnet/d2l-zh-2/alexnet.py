"""Reference solution for alexnet, d2l-zh 2.x: `net`, one Sequential.

The first convolution is padded by 1 (224 + 2 - 11 = 215, // 4 + 1 = 54, the same size as
unpadded), flatten to 6400, two hidden dense layers of 4096 with ReLU and dropout 0.5, 10
outputs: 46,764,746 parameters.
"""

from torch import nn

net = nn.Sequential(
    nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1),  # (B, 96, 54, 54)
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 96, 26, 26)
    nn.Conv2d(96, 256, kernel_size=5, padding=2),
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 256, 12, 12)
    nn.Conv2d(256, 384, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.Conv2d(384, 384, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.Conv2d(384, 256, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 256, 5, 5)
    nn.Flatten(),  # (B, 6400)
    nn.Linear(6400, 4096),
    nn.ReLU(),
    nn.Dropout(p=0.5),
    nn.Linear(4096, 4096),
    nn.ReLU(),
    nn.Dropout(p=0.5),
    nn.Linear(4096, 10),
)
