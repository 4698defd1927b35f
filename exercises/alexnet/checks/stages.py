"""Hidden checks for alexnet.py: the shape after every layer, for a single image."""

import torch

from grader.checking.checks import say

STAGES = [  # (shape without the batch, hint for a layer that misses it)
    ((96, 54, 54), {"en": "the first convolution is 11x11 with stride 4 and no padding, to 96 channels: "
                          "(224 - 11) // 4 + 1 = 54",
                    "zh": "第一个卷积层是 11x11、步幅为 4、无填充，输出 96 个通道：(224 - 11) // 4 + 1 = 54"}),
    ((96, 26, 26), {"en": "3x3 max pooling with stride 2: (54 - 3) // 2 + 1 = 26",
                    "zh": "步幅为 2 的 3x3 最大池化：(54 - 3) // 2 + 1 = 26"}),
    ((256, 26, 26), {"en": "the second convolution is 5x5 with padding 2, to 256 channels, and keeps 26x26",
                     "zh": "第二个卷积层是 5x5、填充为 2，输出 256 个通道，保持 26x26"}),
    ((256, 12, 12), {"en": "3x3 max pooling with stride 2: (26 - 3) // 2 + 1 = 12",
                     "zh": "步幅为 2 的 3x3 最大池化：(26 - 3) // 2 + 1 = 12"}),
    ((384, 12, 12), {"en": "the third and fourth convolutions are 3x3 with padding 1, to 384 channels, and keep 12x12",
                     "zh": "第三、第四个卷积层是 3x3、填充为 1，输出 384 个通道，保持 12x12"}),
    ((256, 12, 12), {"en": "the fifth convolution is 3x3 with padding 1, from 384 back to 256 channels",
                     "zh": "第五个卷积层是 3x3、填充为 1，从 384 个通道回到 256 个通道"}),
    ((256, 5, 5), {"en": "a last 3x3 max pooling with stride 2 after the fifth convolution: (12 - 3) // 2 + 1 = 5",
                   "zh": "第五个卷积层之后还有最后一个步幅为 2 的 3x3 最大池化：(12 - 3) // 2 + 1 = 5"}),
    ((6400,), {"en": "flatten each image's 256x5x5 features to 6400, keeping the batch dimension",
               "zh": "把每张图像 256x5x5 的特征展平为 6400，保留批量维"}),
    ((4096,), {"en": "one hidden dense layer of 4096 units", "zh": "一个 4096 个单元的隐藏全连接层"}),
    ((10,), {"en": "the output layer has 10 units", "zh": "输出层有 10 个单元"}),
]


TWO_HIDDEN = {"en": "two hidden dense layers of 4096 units", "zh": "两个 4096 个单元的隐藏全连接层"}
EDITION_HINTS = {  # where an edition's hint differs: (stage index, hint)
    "d2l-zh-2": {0: {"en": "the first convolution is 11x11 with stride 4 and padding 1, to 96 channels: "
                           "(224 + 2 - 11) // 4 + 1 = 54",
                     "zh": "第一个卷积层是 11x11、步幅为 4、填充为 1，输出 96 个通道：(224 + 2 - 11) // 4 + 1 = 54"},
                 8: TWO_HIDDEN},
    "d2l-v1": {8: TWO_HIDDEN},
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
            raise AssertionError(say({
                "en": f"for one image, a {layer} layer produced shape {shape}, where AlexNet's next stage "
                      f"is {expected[at]}. Hint: {stages[at][1]['en']}",
                "zh": f"对一张图像，一个 {layer} 层输出了形状 {shape}，而 AlexNet 的下一阶段应为 "
                      f"{expected[at]}。提示：{stages[at][1]['zh']}"}))
        position, previous = expected.index(shape, position) + 1, shape
    assert previous == expected[-1], say({
        "en": f"for one image, the last layer produced shape {previous}, expected "
              f"{expected[-1]}. Hint: {stages[-1][1]['en']}",
        "zh": f"对一张图像，最后一层输出了形状 {previous}，期望 {expected[-1]}。提示：{stages[-1][1]['zh']}"})
