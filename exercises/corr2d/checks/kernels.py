"""Hidden checks for conv.py: cross-correlation, the Conv2D layer and learning a kernel."""

import pytest
import torch
import torch.nn.functional as F

from grader.checking.checks import expect_close, expect_shape, say


def reference_corr2d(X, K):
    return F.conv2d(X[None, None], K[None, None])[0, 0]


def test_corr2d_random(submission):
    corr2d = submission.function("conv:corr2d")
    for x_shape, k_shape in (((7, 9), (3, 2)), ((5, 5), (1, 4)), ((6, 4), (2, 2))):
        X, K = torch.randn(x_shape), torch.randn(k_shape)
        expect_close(corr2d(X, K), reference_corr2d(X, K),
                     {"en": f"corr2d(X, K) for X of shape {x_shape} and K of shape {k_shape}",
                      "zh": f"X 的形状为 {x_shape}、K 的形状为 {k_shape} 时的 corr2d(X, K)"},
                     hint={"en": "the output is (n_h - k_h + 1) x (n_w - k_w + 1), and K is not flipped "
                                 "(that would be a convolution)",
                           "zh": "输出为 (n_h - k_h + 1) x (n_w - k_w + 1)，且 K 不翻转（翻转就成了卷积）"})


def test_conv2d_layer(submission):
    """The layer computes corr2d(x, weight) + bias under a weight and bias that the grader loads."""
    layer = submission.build("conv:Conv2D", (2, 3))
    weight, bias = layer.attribute("weight"), layer.attribute("bias")
    expect_shape(weight, (2, 3), "Conv2D((2, 3)).weight")
    assert isinstance(bias, torch.Tensor) and bias.numel() == 1, say(
        {"en": "Conv2D.bias should be a tensor with a single value", "zh": "Conv2D.bias 应是只含一个值的张量"})
    shapes = layer.parameter_shapes()
    assert sorted(shapes) == sorted([(2, 3), tuple(bias.shape)]), say({
        "en": "Conv2D should have exactly two trainable parameters, weight and bias (wrap them in nn.Parameter)",
        "zh": "Conv2D 应恰好有两个可训练参数：weight 和 bias（用 nn.Parameter 包装它们）"})
    chosen_weight, chosen_bias = torch.randn(2, 3), torch.randn(tuple(bias.shape))
    layer.load_parameters([chosen_weight if shape == (2, 3) else chosen_bias for shape in shapes])
    X = torch.randn(6, 7)
    expect_close(layer(X), reference_corr2d(X, chosen_weight) + chosen_bias.reshape(()),
                 {"en": "Conv2D((2, 3))(X) with its weight and bias set to new values",
                  "zh": "把 weight 和 bias 设为新值后的 Conv2D((2, 3))(X)"},
                 hint={"en": "forward should return corr2d(x, self.weight) + self.bias",
                       "zh": "forward 应返回 corr2d(x, self.weight) + self.bias"})


def test_learn_kernel(submission):
    """Judged by what the trained layer computes on new inputs, not by the weight it reports."""
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    edge = torch.tensor([[1.0, -1.0]])
    Y = reference_corr2d(X, edge)
    layer = submission.build("conv:Conv2D", (1, 2), seed=0)
    if not any(shape == (1, 2) for shape in layer.parameter_shapes()):
        pytest.fail(say({"en": "Conv2D((1, 2)) has no trainable (1, 2) weight; make weight and bias nn.Parameter",
                         "zh": "Conv2D((1, 2)) 没有形状为 (1, 2) 的可训练权重；把 weight 和 bias 设为 nn.Parameter"}))
    losses = layer.train_steps(X, target=Y, loss="squared_error", steps=40, lr=0.01, seed=0)
    Z = torch.randn(5, 9)
    out = expect_shape(layer(Z), (5, 8), {"en": "the trained Conv2D((1, 2)) applied to a new (5, 9) input",
                                          "zh": "训练后的 Conv2D((1, 2)) 作用于一个新的 (5, 9) 输入"})
    gap = (out - reference_corr2d(Z, edge)).abs().max().item()
    assert gap < 0.1 * (1 + Z.abs().max().item()), say({
        "en": f"after 40 steps of gradient descent (lr 0.01) the layer does not act like the edge kernel [1, -1] on new "
              f"inputs (largest gap {gap:.3g}); the loss went from {losses[0]:.3g} to {losses[-1]:.3g}",
        "zh": f"梯度下降 40 步（学习率 0.01）后，该层在新输入上的表现不像边缘检测卷积核 [1, -1]"
              f"（最大差距 {gap:.3g}）；损失从 {losses[0]:.3g} 变为 {losses[-1]:.3g}"})
