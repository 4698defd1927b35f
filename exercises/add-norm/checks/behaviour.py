"""Hidden checks for AddNorm: LayerNorm(dropout(Y) + X) under aligned weights, per example, dropout on Y."""

import copy

import pytest
import torch
from torch import nn

from grader.checking import align
from grader.checking.checks import expect_close, say

D = 8


class Variant(nn.Module):
    """A wrong arrangement of add and norm, on a reference's LayerNorm."""

    def __init__(self, ref, arrange):
        super().__init__()
        self.norm, self.arrange = ref.norm, arrange

    def forward(self, X, Y):
        return self.arrange(self.norm, X, Y)


MISTAKES = [  # (what the mistake is, how it arranges add and norm)
    ({"en": "Y is normalised before the residual add (X + LayerNorm(Y)); the norm belongs after the add",
      "zh": "在残差相加之前先对 Y 做了规范化（X + LayerNorm(Y)）；规范化应在相加之后"},
     lambda norm, X, Y: X + norm(Y)),
    ({"en": "X is normalised before the residual add (LayerNorm(X) + Y); the norm belongs after the add",
      "zh": "在残差相加之前先对 X 做了规范化（LayerNorm(X) + Y）；规范化应在相加之后"},
     lambda norm, X, Y: norm(X) + Y),
    ({"en": "the residual X is not added (LayerNorm(Y))", "zh": "没有加上残差 X（LayerNorm(Y)）"},
     lambda norm, X, Y: norm(Y)),
    ({"en": "Y is left out (LayerNorm(X))", "zh": "漏掉了 Y（LayerNorm(X)）"}, lambda norm, X, Y: norm(X)),
]


def reference_with_weights(reference):
    ref = copy.deepcopy(reference.AddNorm(D, 0.0)).eval()
    with torch.no_grad():  # a trained LayerNorm: its scale and shift are not 1 and 0 any more
        for p in ref.parameters():
            p.copy_(torch.randn_like(p))
    return ref


def test_matches_reference(submission, reference, device):
    add_norm = submission.build("transformer:AddNorm", D, 0.0, device=device).eval()
    ref = reference_with_weights(reference)
    shapes = add_norm.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(say({
            "en": f"your parameters have shapes {shapes}, which cannot hold the course's "
                  f"nn.LayerNorm({D}) (a weight and a bias of shape ({D},))",
            "zh": f"你的参数形状为 {shapes}，装不下课程中 nn.LayerNorm({D}) 的参数（形状都为 ({D},) 的一个权重和一个偏置）"}))
    probe = (torch.randn(3, 4, D), torch.randn(3, 4, D))
    if not add_norm.load_parameters_from(ref, probe=probe, atol=1e-4):
        for mistake, arrange in MISTAKES:
            if add_norm.load_parameters_from(Variant(ref, arrange), probe=probe, atol=1e-4):
                pytest.fail(say({"en": f"your AddNorm computes what you get when {mistake['en']}",
                                 "zh": f"你的 AddNorm 算出的正是这种情况下得到的结果：{mistake['zh']}"}))
        pytest.fail(say({
            "en": "with the course's LayerNorm weights loaded into your AddNorm, its outputs differ. "
                  "Hint: return self.norm(self.dropout(Y) + X) with self.norm = nn.LayerNorm(hidden_size)",
            "zh": "把课程中 LayerNorm 的权重载入你的 AddNorm 后，它的输出不同。"
                  "提示：return self.norm(self.dropout(Y) + X)，其中 self.norm = nn.LayerNorm(hidden_size)"}))
    X, Y = torch.randn(2, 5, D) * 3, torch.randn(2, 5, D)
    with torch.no_grad():
        expected = ref(X, Y)
    expect_close(add_norm(X, Y), expected, {"en": "AddNorm(X, Y) under the course's weights",
                                            "zh": "载入课程的权重后的 AddNorm(X, Y)"}, atol=1e-4)


def test_batch_independent(submission):
    add_norm = submission.build("transformer:AddNorm", D, 0.0).train()  # a batch norm shows in training mode
    X, Y = torch.randn(4, 3, D), torch.randn(4, 3, D)
    whole = add_norm(X, Y)
    alone = add_norm(X[:1], Y[:1])
    assert isinstance(whole, torch.Tensor) and isinstance(alone, torch.Tensor) and whole.shape == X.shape, say({
        "en": f"AddNorm({D}, 0.0)(X, Y) should return a tensor of the shape of X",
        "zh": f"AddNorm({D}, 0.0)(X, Y) 应返回与 X 形状相同的张量"})
    expect_close(alone, whole[:1], {"en": "the output for one example alone, compared with the same example in a batch of 4",
                                    "zh": "单独一个样本的输出（与同一样本在大小为 4 的批量中的输出比较）"},
                 atol=1e-4, hint={"en": "normalise each position over its features (nn.LayerNorm), not over the batch "
                                        "(nn.BatchNorm1d)",
                                  "zh": "对每个位置在其特征上做规范化（nn.LayerNorm），而不是在批量上（nn.BatchNorm1d）"})


def test_dropout_on_sublayer(submission):
    add_norm = submission.build("transformer:AddNorm", D, 0.5, seed=1)
    X, Y = torch.randn(2, 6, D), torch.randn(2, 6, D)
    plain = add_norm.eval()(X, torch.zeros_like(Y))
    kept = add_norm.train()(X, torch.zeros_like(Y))
    expect_close(kept, plain, {"en": "AddNorm(8, 0.5)(X, 0) in training mode, compared with eval mode",
                               "zh": "训练模式下的 AddNorm(8, 0.5)(X, 0)（与评估模式比较）"}, atol=1e-5,
                 hint={"en": "dropout belongs on Y only (norm(dropout(Y) + X)): the residual X passes untouched",
                       "zh": "暂退法只作用于 Y（norm(dropout(Y) + X)）：残差 X 原样通过"})
    trained, evaluated = add_norm.train()(X, Y), add_norm.eval()(X, Y)
    assert isinstance(trained, torch.Tensor) and not torch.allclose(trained, evaluated, atol=1e-5), say({
        "en": "AddNorm(8, 0.5)(X, Y) in training mode gives the eval-mode output: the dropout on Y is missing",
        "zh": "训练模式下 AddNorm(8, 0.5)(X, Y) 给出的是评估模式的输出：缺少作用于 Y 的暂退法"})
