"""Hidden checks for alexnet.py: the shape after every layer, for a single image."""

import torch

STAGES = [  # (shape without the batch, hint for a layer that misses it)
    ((96, 54, 54), "the first convolution is 11x11 with stride 4 and no padding, to 96 channels: (224 - 11) // 4 + 1 = 54"),
    ((96, 26, 26), "3x3 max pooling with stride 2: (54 - 3) // 2 + 1 = 26"),
    ((256, 26, 26), "the second convolution is 5x5 with padding 2, to 256 channels, and keeps 26x26"),
    ((256, 12, 12), "3x3 max pooling with stride 2: (26 - 3) // 2 + 1 = 12"),
    ((384, 12, 12), "the third and fourth convolutions are 3x3 with padding 1, to 384 channels, and keep 12x12"),
    ((256, 12, 12), "the fifth convolution is 3x3 with padding 1, from 384 back to 256 channels"),
    ((256, 5, 5), "a last 3x3 max pooling with stride 2 after the fifth convolution: (12 - 3) // 2 + 1 = 5"),
    ((6400,), "flatten each image's 256x5x5 features to 6400, keeping the batch dimension"),
    ((4096,), "one hidden dense layer of 4096 units"),
    ((10,), "the output layer has 10 units"),
]


EDITION_HINTS = {  # where an edition's hint differs: (stage index, hint)
    "d2l-zh-2": {0: "the first convolution is 11x11 with stride 4 and padding 1, to 96 channels: "
                    "(224 + 2 - 11) // 4 + 1 = 54",
                 8: "two hidden dense layers of 4096 units"},
    "d2l-v1": {8: "two hidden dense layers of 4096 units"},
}


def test_stage_shapes(submission, edition):
    """Each leaf layer's output must be one of AlexNet's stages, in order (functional ops may skip some)."""
    stages = [(shape, EDITION_HINTS.get(edition, {}).get(i, hint)) for i, (shape, hint) in enumerate(STAGES)]
    net = submission.build("alexnet:AlexNet").eval()
    x_shape = (1, 1, 224, 224)
    expected = [(1, *shape) for shape, _ in stages]
    position, previous = 0, x_shape
    for layer, shape in net.trace_shapes(torch.randn(x_shape)):
        if shape in (previous, x_shape):
            continue  # activations, dropout and the fourth convolution keep the shape
        if shape not in expected[position:]:
            at = min(position, len(expected) - 1)
            raise AssertionError(f"for one image, a {layer} layer produced shape {shape}, where AlexNet's next stage "
                                 f"is {expected[at]}. Hint: {stages[at][1]}")
        position, previous = expected.index(shape, position) + 1, shape
    assert previous == expected[-1], (f"for one image, the last layer produced shape {previous}, expected "
                                      f"{expected[-1]}. Hint: {stages[-1][1]}")
