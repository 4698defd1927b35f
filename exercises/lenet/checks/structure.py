"""Hidden checks for lenet.py: the shape of every stage and a batch of one."""

import torch

from grader.checking.checks import expect_close, expect_shape

STAGES = [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,), (120,), (84,), (10,)]
FIRST_EDITION_STAGES = [(6, 24, 24), (6, 12, 12), (16, 8, 8), (16, 4, 4), (256,), (120,), (84,), (10,)]
HINTS = {
    (6, 28, 28): "the first convolution (5x5, 6 channels) keeps 28x28 with padding=2",
    (6, 24, 24): "the first edition's first convolution (5x5, 6 channels) has no padding: 28 - 5 + 1 = 24",
    (6, 14, 14): "2x2 pooling with stride 2 halves height and width",
    (6, 12, 12): "2x2 pooling with stride 2 halves height and width",
    (16, 10, 10): "the second convolution (5x5, 16 channels) has no padding",
    (16, 8, 8): "the second convolution (5x5, 16 channels) has no padding: 12 - 5 + 1 = 8",
    (16, 5, 5): "2x2 pooling with stride 2 halves height and width",
    (16, 4, 4): "2x2 pooling with stride 2 halves height and width",
    (400,): "flatten each image's 16x5x5 features, keeping the batch dimension",
    (256,): "flatten each image's 16x4x4 features, keeping the batch dimension",
    (120,): "the first dense layer has 120 outputs",
    (84,): "the second dense layer has 84 outputs",
    (10,): "the last dense layer has 10 outputs",
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
            raise AssertionError(f"a {layer} layer produced shape {shape}, where LeNet's next stage is {nxt}. "
                                 f"Hint: {HINTS[nxt[1:]]}")
        position, previous = expected.index(shape, position) + 1, shape
    assert previous == expected[-1], f"the last layer produced shape {previous}, expected {expected[-1]}"


def test_batch_size_one(submission):
    net = submission.build("lenet:net").eval()
    x = torch.randn(3, 1, 28, 28)
    one = expect_shape(net(x[:1]), (1, 10), "net(X) for a batch of one image",
                       hint="flatten with x.view(x.shape[0], -1) or nn.Flatten(), not squeeze() or view(-1)")
    expect_close(one, net(x)[:1], "the output for one image alone, compared with the same image in a batch")
