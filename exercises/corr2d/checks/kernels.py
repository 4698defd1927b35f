"""Hidden checks for conv.py: cross-correlation, the Conv2D layer and learning a kernel."""

import pytest
import torch
import torch.nn.functional as F

from grader.checking.checks import expect_close, expect_shape


def reference_corr2d(X, K):
    return F.conv2d(X[None, None], K[None, None])[0, 0]


def test_corr2d_random(submission):
    corr2d = submission.function("conv:corr2d")
    for x_shape, k_shape in (((7, 9), (3, 2)), ((5, 5), (1, 4)), ((6, 4), (2, 2))):
        X, K = torch.randn(x_shape), torch.randn(k_shape)
        expect_close(corr2d(X, K), reference_corr2d(X, K), f"corr2d(X, K) for X of shape {x_shape} and K of shape {k_shape}",
                     hint="the output is (n_h - k_h + 1) x (n_w - k_w + 1), and K is not flipped (that would be a convolution)")


def test_conv2d_layer(submission):
    """The layer computes corr2d(x, weight) + bias under a weight and bias that the grader loads."""
    layer = submission.build("conv:Conv2D", (2, 3))
    weight, bias = layer.attribute("weight"), layer.attribute("bias")
    expect_shape(weight, (2, 3), "Conv2D((2, 3)).weight")
    assert isinstance(bias, torch.Tensor) and bias.numel() == 1, "Conv2D.bias should be a tensor with a single value"
    shapes = layer.parameter_shapes()
    assert sorted(shapes) == sorted([(2, 3), tuple(bias.shape)]), (
        "Conv2D should have exactly two trainable parameters, weight and bias (wrap them in nn.Parameter)")
    chosen_weight, chosen_bias = torch.randn(2, 3), torch.randn(tuple(bias.shape))
    layer.load_parameters([chosen_weight if shape == (2, 3) else chosen_bias for shape in shapes])
    X = torch.randn(6, 7)
    expect_close(layer(X), reference_corr2d(X, chosen_weight) + chosen_bias.reshape(()),
                 "Conv2D((2, 3))(X) with its weight and bias set to new values",
                 hint="forward should return corr2d(x, self.weight) + self.bias")


def test_learn_kernel(submission):
    """Judged by what the trained layer computes on new inputs, not by the weight it reports."""
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    edge = torch.tensor([[1.0, -1.0]])
    Y = reference_corr2d(X, edge)
    layer = submission.build("conv:Conv2D", (1, 2), seed=0)
    if not any(shape == (1, 2) for shape in layer.parameter_shapes()):
        pytest.fail("Conv2D((1, 2)) has no trainable (1, 2) weight; make weight and bias nn.Parameter")
    losses = layer.train_steps(X, target=Y, loss="squared_error", steps=40, lr=0.01, seed=0)
    Z = torch.randn(5, 9)
    out = expect_shape(layer(Z), (5, 8), "the trained Conv2D((1, 2)) applied to a new (5, 9) input")
    gap = (out - reference_corr2d(Z, edge)).abs().max().item()
    assert gap < 0.1 * (1 + Z.abs().max().item()), (
        f"after 40 steps of gradient descent (lr 0.01) the layer does not act like the edge kernel [1, -1] on new "
        f"inputs (largest gap {gap:.3g}); the loss went from {losses[0]:.3g} to {losses[-1]:.3g}")
