"""Hidden checks for conv.py: cross-correlation, the Conv2D layer and learning a kernel."""

import pytest
import torch
import torch.nn.functional as F

from grader.checks import expect_close, expect_shape


def reference_corr2d(X, K):
    return F.conv2d(X[None, None], K[None, None])[0, 0]


def test_corr2d_random(submission):
    corr2d = submission.function("conv:corr2d")
    for x_shape, k_shape in (((7, 9), (3, 2)), ((5, 5), (1, 4)), ((6, 4), (2, 2))):
        X, K = torch.randn(x_shape), torch.randn(k_shape)
        expect_close(corr2d(X, K), reference_corr2d(X, K), f"corr2d(X, K) for X of shape {x_shape} and K of shape {k_shape}",
                     hint="the output is (n_h - k_h + 1) x (n_w - k_w + 1), and K is not flipped (that would be a convolution)")


def test_conv2d_layer(submission):
    layer = submission.build("conv:Conv2D", (2, 3))
    weight, bias = layer.attribute("weight"), layer.attribute("bias")
    expect_shape(weight, (2, 3), "Conv2D((2, 3)).weight")
    assert isinstance(bias, torch.Tensor) and bias.numel() == 1, "Conv2D.bias should be a tensor with a single value"
    assert sorted(layer.parameter_shapes()) == sorted([(2, 3), tuple(bias.shape)]), (
        "Conv2D should have exactly two trainable parameters, weight and bias (wrap them in nn.Parameter)")
    X = torch.randn(6, 7)
    expect_close(layer(X), reference_corr2d(X, weight) + bias.reshape(()), "Conv2D((2, 3))(X)",
                 hint="forward should return corr2d(x, self.weight) + self.bias")


def test_learn_kernel(submission):
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    Y = reference_corr2d(X, torch.tensor([[1.0, -1.0]]))
    layer = submission.build("conv:Conv2D", (1, 2), seed=0)
    if not any(shape == (1, 2) for shape in layer.parameter_shapes()):
        pytest.fail("Conv2D((1, 2)) has no trainable (1, 2) weight; make weight and bias nn.Parameter")
    losses = layer.train_steps(X, target=Y, loss="squared_error", steps=40, lr=0.01, seed=0)
    weight = expect_shape(layer.attribute("weight"), (1, 2), "the learned weight")
    gap = (weight - torch.tensor([[1.0, -1.0]])).abs().max().item()
    assert gap < 0.1, (f"after 40 steps of gradient descent (lr 0.01) the kernel is {weight.flatten().tolist()}, "
                       f"expected about [1, -1]; the loss went from {losses[0]:.3g} to {losses[-1]:.3g}")
