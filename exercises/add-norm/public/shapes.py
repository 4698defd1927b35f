"""Public check for AddNorm: the output shape, and a layer normalisation's mean and spread."""

import torch

from grader.checking.checks import expect_shape, say


def test_output_shape(submission, device):
    add_norm = submission.build("transformer:AddNorm", 8, 0.0, device=device).eval()
    X, Y = torch.randn(2, 3, 8), torch.randn(2, 3, 8)
    out = expect_shape(add_norm(X, Y), (2, 3, 8), {"en": "AddNorm(8, 0.0)(X, Y) for X and Y of shape (2, 3, 8)",
                                                   "zh": "X 和 Y 形状都为 (2, 3, 8) 时的 AddNorm(8, 0.0)(X, Y)"})
    assert torch.allclose(out.mean(dim=-1), torch.zeros(2, 3), atol=1e-4), say({
        "en": "a freshly built AddNorm should give each position a mean of 0 over its 8 features: the last step is "
              "nn.LayerNorm(hidden_size)",
        "zh": "新建的 AddNorm 应使每个位置在其 8 个特征上的均值为 0：最后一步是 nn.LayerNorm(hidden_size)"})
