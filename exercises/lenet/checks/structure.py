"""Hidden checks for lenet.py: the shape of every stage and a batch of one."""

import torch

from grader.checking.checks import expect_close, expect_shape, say

STAGES = [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,), (120,), (84,), (10,)]
FIRST_EDITION_STAGES = [(6, 24, 24), (6, 12, 12), (16, 8, 8), (16, 4, 4), (256,), (120,), (84,), (10,)]
POOLING = {"en": "2x2 pooling with stride 2 halves height and width", "zh": "步幅为 2 的 2x2 池化把高和宽减半"}
HINTS = {
    (6, 28, 28): {"en": "the first convolution (5x5, 6 channels) keeps 28x28 with padding=2",
                  "zh": "第一个卷积层（5x5，6 个通道）用 padding=2 保持 28x28"},
    (6, 24, 24): {"en": "the first edition's first convolution (5x5, 6 channels) has no padding: 28 - 5 + 1 = 24",
                  "zh": "第一版的第一个卷积层（5x5，6 个通道）没有填充：28 - 5 + 1 = 24"},
    (6, 14, 14): POOLING,
    (6, 12, 12): POOLING,
    (16, 10, 10): {"en": "the second convolution (5x5, 16 channels) has no padding",
                   "zh": "第二个卷积层（5x5，16 个通道）没有填充"},
    (16, 8, 8): {"en": "the second convolution (5x5, 16 channels) has no padding: 12 - 5 + 1 = 8",
                 "zh": "第二个卷积层（5x5，16 个通道）没有填充：12 - 5 + 1 = 8"},
    (16, 5, 5): POOLING,
    (16, 4, 4): POOLING,
    (400,): {"en": "flatten each image's 16x5x5 features, keeping the batch dimension",
             "zh": "展平每张图像 16x5x5 的特征，保留批量维"},
    (256,): {"en": "flatten each image's 16x4x4 features, keeping the batch dimension",
             "zh": "展平每张图像 16x4x4 的特征，保留批量维"},
    (120,): {"en": "the first dense layer has 120 outputs", "zh": "第一个全连接层有 120 个输出"},
    (84,): {"en": "the second dense layer has 84 outputs", "zh": "第二个全连接层有 84 个输出"},
    (10,): {"en": "the last dense layer has 10 outputs", "zh": "最后一个全连接层有 10 个输出"},
}


def test_stage_shapes(submission, edition):
    """Each leaf layer's output must be one of LeNet's stages, in order (functional ops may skip some)."""
    net = submission.build("lenet:net")
    batch = 2
    expected = [(batch, *s) for s in (FIRST_EDITION_STAGES if edition == "d2l-v1" else STAGES)]
    position, previous = 0, (batch, 1, 28, 28)
    for layer, shape in net.trace_shapes(torch.randn(batch, 1, 28, 28)):
        if shape in (previous, (batch, 1, 28, 28)):
            continue  # activations keep the shape; a reshape of the input changes nothing
        if shape not in expected[position:]:
            nxt = expected[min(position, len(expected) - 1)]
            raise AssertionError(say({
                "en": f"a {layer} layer produced shape {shape}, where LeNet's next stage is {nxt}. "
                      f"Hint: {HINTS[nxt[1:]]['en']}",
                "zh": f"一个 {layer} 层输出了形状 {shape}，而 LeNet 的下一阶段应为 {nxt}。"
                      f"提示：{HINTS[nxt[1:]]['zh']}"}))
        position, previous = expected.index(shape, position) + 1, shape
    assert previous == expected[-1], say({"en": f"the last layer produced shape {previous}, expected {expected[-1]}",
                                          "zh": f"最后一层输出了形状 {previous}，期望 {expected[-1]}"})


def test_batch_size_one(submission):
    net = submission.build("lenet:net").eval()
    x = torch.randn(3, 1, 28, 28)
    one = expect_shape(net(x[:1]), (1, 10), {"en": "net(X) for a batch of one image", "zh": "只有一张图像的批量的 net(X)"},
                       hint={"en": "flatten with x.view(x.shape[0], -1) or nn.Flatten(), not squeeze() or view(-1)",
                             "zh": "用 x.view(x.shape[0], -1) 或 nn.Flatten() 展平，不要用 squeeze() 或 view(-1)"})
    expect_close(one, net(x)[:1], {"en": "the output for one image alone, compared with the same image in a batch",
                                   "zh": "单独一张图像的输出（与同一图像在批量中的输出比较）"})
