"""Hidden checks for PositionWiseFFN: the course's function under aligned weights; positions apart."""

import copy

import pytest
import torch
from torch import nn

from grader.checking import align
from grader.checking.checks import expect_close, say


class Variant(nn.Module):
    """The course's FFN on a reference's two layers, with another activation."""

    def __init__(self, ref, hidden=torch.relu, out=lambda x: x):
        super().__init__()
        self.ffn_1, self.ffn_2, self.hidden, self.out = ref.ffn_1, ref.ffn_2, hidden, out

    def forward(self, X):
        return self.out(self.ffn_2(self.hidden(self.ffn_1(X))))


MISTAKES = [  # (what the mistake is, the variant's knobs)
    ({"en": "there is no ReLU between the two dense layers", "zh": "两个全连接层之间没有 ReLU"}, dict(hidden=lambda x: x)),
    ({"en": "a ReLU follows the second dense layer too", "zh": "第二个全连接层后面也接了 ReLU"}, dict(out=torch.relu)),
    ({"en": "the activation is a sigmoid, not a ReLU", "zh": "激活函数用的是 sigmoid 而不是 ReLU"},
     dict(hidden=torch.sigmoid)),
]


def test_matches_reference(submission, reference, device):
    ffn = submission.build("transformer:PositionWiseFFN", 8, 32, 6, device=device).eval()
    ref = copy.deepcopy(reference.PositionWiseFFN(8, 32, 6)).eval()
    shapes = ffn.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(say({
            "en": f"your parameters have shapes {shapes}, which cannot hold the course's two dense layers "
                  f"{[tuple(p.shape) for p in ref.parameters()]}",
            "zh": f"你的参数形状为 {shapes}，装不下课程中两个全连接层的参数 {[tuple(p.shape) for p in ref.parameters()]}"}))
    probe = torch.randn(3, 5, 8)
    if not ffn.load_parameters_from(ref, probe=probe, atol=1e-5):
        for mistake, knobs in MISTAKES:
            if ffn.load_parameters_from(Variant(ref, **knobs), probe=probe, atol=1e-5):
                pytest.fail(say({
                    "en": f"with the course's weights loaded, your PositionWiseFFN computes what you get when "
                          f"{mistake['en']}",
                    "zh": f"载入课程的权重后，你的 PositionWiseFFN 算出的正是{mistake['zh']}时得到的结果"}))
        pytest.fail(say({"en": "with the course's weights loaded into your PositionWiseFFN, its outputs differ. "
                               "Hint: dense, ReLU, dense",
                         "zh": "把课程的权重载入你的 PositionWiseFFN 后，它的输出不同。提示：全连接层、ReLU、全连接层"}))
    X = torch.randn(2, 7, 8)
    with torch.no_grad():
        expected = ref(X)
    expect_close(ffn(X), expected, {"en": "the output under the course's weights", "zh": "载入课程的权重后的输出"})


def test_position_wise(submission):
    ffn = submission.build("transformer:PositionWiseFFN", 8, 32, 6).eval()
    X = torch.randn(2, 5, 8)
    before = ffn(X)
    X[:, 2] = torch.randn(2, 8)
    after = ffn(X)
    assert isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor) and before.shape == after.shape == (2, 5, 6), say({
        "en": "PositionWiseFFN(8, 32, 6) should return a (2, 5, 6) tensor for a (2, 5, 8) input",
        "zh": "对 (2, 5, 8) 的输入，PositionWiseFFN(8, 32, 6) 应返回形状为 (2, 5, 6) 的张量"})
    others = [t for t in range(5) if t != 2 and not torch.allclose(before[:, t], after[:, t], atol=1e-6)]
    assert not others, say({
        "en": f"changing position 2 of the input changed the output at positions {others}: each "
              "position must be transformed on its own (dense layers on the last axis only)",
        "zh": f"改变输入的位置 2 却改变了位置 {others} 的输出：每个位置必须各自独立变换（全连接层只作用于最后一维）"})
    assert not torch.allclose(before[:, 2], after[:, 2]), say({
        "en": "changing position 2 of the input left its output as it was", "zh": "改变输入的位置 2 后，该位置的输出没有变化"})
