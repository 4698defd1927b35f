"""Hidden checks for EncoderBlock: the course's block under aligned weights, padding, dropout.

The submission's weights are filled with a reference block's by structure; where the
outputs differ, variants of the course's block with one known mistake, on the same
weights, name what went wrong.
"""

import copy

import pytest
import torch
from torch import nn

from grader.bank.course_code import course_module
from grader.checking import align
from grader.checking.checks import expect_close, say

_variants = course_module(__file__, "attention_variants")  # the bank's: solutions/_course/
HEAD_MAJOR = _variants.HEAD_MAJOR
PADDING_HINT = _variants.PADDING_HINT
multi_head_attention = _variants.multi_head_attention

D, FFN, HEADS = 12, 20, 3
LENGTHS = [2, 6, 4]  # unequal within the batch: a head-major repeat of them shows


class Variant(nn.Module):
    """The course's encoder block on a reference's sublayers, with one known mistake."""

    def __init__(self, ref, tiled=False, masked=True, ffn_on_x=False, norm_first=False):
        super().__init__()
        self.attention, self.addnorm_1, self.ffn, self.addnorm_2 = ref.attention, ref.addnorm_1, ref.ffn, ref.addnorm_2
        self.tiled, self.masked, self.ffn_on_x, self.norm_first = tiled, masked, ffn_on_x, norm_first

    def _add_norm(self, add_norm, X, Y):
        return X + add_norm.norm(Y) if self.norm_first else add_norm.norm(X + Y)

    def forward(self, X, valid_length):
        A = multi_head_attention(self.attention, X, X, X, valid_length if self.masked else None, tiled=self.tiled)
        Y = self._add_norm(self.addnorm_1, X, A)
        return self._add_norm(self.addnorm_2, Y, self.ffn(X if self.ffn_on_x else Y))


MISTAKES = [  # (what the mistake is, the variant's knobs)
    (HEAD_MAJOR, dict(tiled=True)),
    ({"en": "valid_length is not passed on to the attention", "zh": "valid_length 没有传给注意力"}, dict(masked=False)),
    ({"en": "the FFN reads the block's input X instead of the first Add & Norm's output",
      "zh": "前馈网络读取的是块的输入 X，而不是第一个 Add & Norm 的输出"}, dict(ffn_on_x=True)),
    ({"en": "Add & Norm normalises the sublayer's output before the residual add (X + LayerNorm(Y))",
      "zh": "Add & Norm 在残差相加之前先对子层的输出做了规范化（X + LayerNorm(Y)）"}, dict(norm_first=True)),
]


def test_matches_reference(submission, reference, device):
    block = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.0, device=device).eval()
    ref = copy.deepcopy(reference.EncoderBlock(D, FFN, HEADS, 0.0)).eval()
    shapes = block.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(say({
            "en": f"your parameters have shapes {shapes}, which cannot hold the course's "
                  f"{[tuple(p.shape) for p in ref.parameters()]}",
            "zh": f"你的参数形状为 {shapes}，装不下课程中的参数 {[tuple(p.shape) for p in ref.parameters()]}"}))
    X, valid_length = torch.randn(3, 6, D), torch.tensor(LENGTHS)
    if not block.load_parameters_from(ref, probe=(X, valid_length), atol=1e-4):
        for mistake, knobs in MISTAKES:
            if block.load_parameters_from(Variant(ref, **knobs).eval(), probe=(X, valid_length), atol=1e-4):
                pytest.fail(say({
                    "en": f"with the course's weights loaded, your EncoderBlock computes what you get when {say(mistake)}",
                    "zh": f"载入课程的权重后，你的 EncoderBlock 算出的正是这种情况下得到的结果：{say(mistake)}"}))
        pytest.fail(say({"en": "with the course's weights loaded into your EncoderBlock, its outputs differ. Hint: "
                               "Y = AddNorm(X, attention(X, X, X, valid_length)); return AddNorm(Y, ffn(Y))",
                         "zh": "把课程的权重载入你的 EncoderBlock 后，它的输出不同。提示："
                               "Y = AddNorm(X, attention(X, X, X, valid_length))；return AddNorm(Y, ffn(Y))"}))
    X = torch.randn(3, 6, D)
    with torch.no_grad():
        expected = ref(X, valid_length)
    expect_close(block(X, valid_length), expected,
                 {"en": "the output under the course's weights", "zh": "载入课程的权重后的输出"}, atol=1e-4)


def test_padding_ignored(submission, device):
    block = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.0, device=device, seed=2).eval()
    X, valid_length = torch.randn(3, 6, D), torch.tensor(LENGTHS)
    before = block(X, valid_length)
    for b, n in enumerate(LENGTHS):
        X[b, n:] = torch.randn_like(X[b, n:]) * 5
    after = block(X, valid_length)
    assert isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor) and before.shape == after.shape == X.shape, say({
        "en": "EncoderBlock should return a tensor of the shape of X", "zh": "EncoderBlock 应返回与 X 形状相同的张量"})
    leaked = [b for b, n in enumerate(LENGTHS) if not torch.allclose(before[b, :n], after[b, :n], atol=1e-5)]
    assert not leaked, say({
        "en": f"with valid_length {LENGTHS}, changing the padding positions changed the outputs at valid positions of "
              f"example(s) {leaked}. Hint: pass valid_length to the self-attention; {say(PADDING_HINT)}",
        "zh": f"valid_length 为 {LENGTHS} 时，改变填充位置改变了样本 {leaked} 在有效位置上的输出。"
              f"提示：把 valid_length 传给自注意力；{say(PADDING_HINT)}"})


def test_dropout_train_only(submission):
    X, valid_length = torch.randn(2, 5, D), torch.tensor([3, 5])
    plain = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.0, seed=3).eval()(X, valid_length)
    block = submission.build("transformer:EncoderBlock", D, FFN, HEADS, 0.5, seed=3)
    expect_close(block.eval()(X, valid_length), plain,
                 {"en": "EncoderBlock(..., dropout=0.5) in eval mode, compared with dropout=0.0 and the same seed",
                  "zh": "评估模式下的 EncoderBlock(..., dropout=0.5)（与 dropout=0.0、相同随机种子时比较）"}, atol=1e-5,
                 hint={"en": "dropout is off in eval mode (nn.Dropout does that)",
                       "zh": "评估模式下暂退法关闭（nn.Dropout 会自动做到）"})
    trained = block.train()(X, valid_length)
    assert isinstance(trained, torch.Tensor) and not torch.allclose(trained, plain, atol=1e-5), say({
        "en": "EncoderBlock(..., dropout=0.5) in training mode gives the eval-mode output: the dropout is missing",
        "zh": "训练模式下 EncoderBlock(..., dropout=0.5) 给出的是评估模式的输出：缺少暂退法"})
