"""Hidden checks for MultiHeadAttention: the course's function under aligned weights, masks, dropout.

The sizes differ (input_size 10, hidden_size 12), so both correct conventions show: the
course's W_o (hidden_size -> hidden_size) and a W_o back to input_size; the submission is
compared with whichever its parameters can hold. Its weights are filled with that
reference's by structure (any names, fused or separate projections). Where its outputs
differ, variants of the course's computation with one known mistake, on the same weights,
name what went wrong.
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
MultiHeadVariant = _variants.MultiHeadVariant

SIZES = (10, 12, 3)  # input_size, hidden_size, num_heads: heads of 4
LENGTHS = [2, 6, 4]  # unequal within the batch: a head-major repeat of them shows

MISTAKES = [  # (what the mistake is, the variant's knobs)
    ({"en": "the scores are not divided by sqrt(d) (d the size of one head)",
      "zh": "分数没有除以 sqrt(d)（d 是一个头的长度）"}, dict(scale=False)),
    ({"en": "the projections are not split into heads (one head of size hidden_size)",
      "zh": "投影没有拆分成多个头（只有一个长度为 hidden_size 的头）"}, dict(heads=1)),
    ({"en": "the heads are cut by a reshape without the transpose, mixing positions and heads",
      "zh": "只用 reshape 而没有转置就切分各头，把位置和头混在了一起"}, dict(split=False)),
]


def references(reference):
    """The course's attention (W_o hidden_size -> hidden_size), and a copy whose W_o maps back to input_size."""
    course = reference.MultiHeadAttention(*SIZES, 0.0).eval()
    back = copy.deepcopy(course)
    back.W_o = nn.Linear(SIZES[1], SIZES[0], bias=False)
    return course, back


def inputs():
    return torch.randn(3, 4, SIZES[0]), torch.randn(3, 6, SIZES[0]), torch.randn(3, 6, SIZES[0])


def aligned(submission, reference, probe, device="cpu"):
    """The submission's attention holding a reference's weights; fails naming a known mistake otherwise."""
    attention = submission.build("transformer:MultiHeadAttention", *SIZES, 0.0, device=device).eval()
    shapes = attention.parameter_shapes()
    candidates = references(reference)
    fitting = [ref for ref in candidates
               if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is not None]
    if not fitting:
        course, back = ([tuple(p.shape) for p in ref.parameters()] for ref in candidates)
        pytest.fail(say({
            "en": f"your parameters have shapes {shapes}, which cannot hold the course's four bias-free "
                  f"projections {course} (W_o hidden_size -> hidden_size), nor {back} (W_o back to input_size)",
            "zh": f"你的参数形状为 {shapes}，既装不下课程中四个不带偏置的投影 {course}（W_o 为 hidden_size -> "
                  f"hidden_size），也装不下 {back}（W_o 映射回 input_size）"}))
    for ref in fitting:
        if attention.load_parameters_from(ref, probe=probe, atol=1e-4):
            return attention, ref
    for ref in fitting:
        for mistake, knobs in MISTAKES:
            if attention.load_parameters_from(MultiHeadVariant(ref, **knobs).eval(), probe=probe, atol=1e-4):
                pytest.fail(say({
                    "en": f"with the course's weights loaded, your MultiHeadAttention computes what you get when "
                          f"{mistake['en']}",
                    "zh": f"载入课程的权重后，你的 MultiHeadAttention 算出的正是这种情况下得到的结果：{mistake['zh']}"}))
    pytest.fail(say({
        "en": "with the course's weights loaded into your MultiHeadAttention, its outputs differ. Hint: project "
              "query, key and value, split the last axis into num_heads heads, attend with scores scaled by "
              "1/sqrt(hidden_size / num_heads), join the heads and project with W_o",
        "zh": "把课程的权重载入你的 MultiHeadAttention 后，它的输出不同。提示：先对查询、键和值做投影，"
              "把最后一维拆成 num_heads 个头，用按 1/sqrt(hidden_size / num_heads) 缩放的分数做注意力，"
              "再把各头连结起来并用 W_o 投影"}))


def test_matches_reference(submission, reference, device):
    query, key, value = inputs()
    attention, ref = aligned(submission, reference, (query, key, value, None), device)
    query, key, value = inputs()
    with torch.no_grad():
        expected = ref(query, key, value, None)
    expect_close(attention(query, key, value, None), expected,
                 {"en": "the output under the course's weights", "zh": "载入课程的权重后的输出"}, atol=1e-4)


def expect_masked_like_reference(submission, reference, valid_length, what):
    query, key, value = inputs()
    attention, ref = aligned(submission, reference, (query, key, value, None))
    with torch.no_grad():
        expected = ref(query, key, value, valid_length)
        tiled = MultiHeadVariant(ref, tiled=True)(query, key, value, valid_length)
        zero_filled = MultiHeadVariant(ref, fill=0.0)(query, key, value, valid_length)
    got = attention(query, key, value, valid_length)
    if isinstance(got, torch.Tensor) and got.shape == expected.shape and not torch.allclose(got, expected, atol=1e-4):
        if torch.allclose(got, tiled, atol=1e-4):
            pytest.fail(say({"en": f"{what['en']}: {say(HEAD_MAJOR)}", "zh": f"{what['zh']}：{say(HEAD_MAJOR)}"}))
        if torch.allclose(got, zero_filled, atol=1e-4):
            pytest.fail(say({
                "en": f"{what['en']}: masked scores are set to 0, so padded keys still get weight. Hint: fill them "
                      "with a large negative number such as -1e6",
                "zh": f"{what['zh']}：被掩蔽的分数设成了 0，填充的键仍会得到权重。提示：用一个很大的负数（如 -1e6）填充它们"}))
    expect_close(got, expected, what, atol=1e-4,
                 hint={"en": "copy each example's length once per head, in the order the heads are laid out",
                       "zh": "按各头排列的顺序，为每个头复制一次其所属样本的长度"})


def test_valid_length_per_example(submission, reference):
    valid_length = torch.tensor(LENGTHS)
    expect_masked_like_reference(submission, reference, valid_length,
                                 {"en": f"the output with valid_length {valid_length.tolist()}",
                                  "zh": f"valid_length 为 {valid_length.tolist()} 时的输出"})


def test_valid_length_per_query(submission, reference):
    valid_length = torch.tensor([[1, 2, 3, 4], [6, 6, 5, 5], [4, 2, 4, 2]])
    expect_masked_like_reference(submission, reference, valid_length,
                                 {"en": f"the output with a (3, 4) valid_length {valid_length.tolist()}",
                                  "zh": f"形状为 (3, 4) 的 valid_length 为 {valid_length.tolist()} 时的输出"})


def test_padding_ignored(submission, device):
    """Judged by behaviour alone: padded keys and values must not matter, whatever the weights."""
    attention = submission.build("transformer:MultiHeadAttention", *SIZES, 0.0, device=device, seed=2).eval()
    query, key, value = inputs()
    valid_length = torch.tensor(LENGTHS)
    before = attention(query, key, value, valid_length)
    for b, n in enumerate(LENGTHS):
        key[b, n:], value[b, n:] = torch.randn_like(key[b, n:]) * 5, torch.randn_like(value[b, n:]) * 5
    after = attention(query, key, value, valid_length)
    assert isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor) and before.shape == after.shape, say({
        "en": "MultiHeadAttention did not return one tensor of the same shape for the same shapes of input",
        "zh": "对形状相同的输入，MultiHeadAttention 没有返回形状相同的单个张量"})
    leaked = [b for b in range(3) if not torch.allclose(before[b], after[b], atol=1e-5)]
    assert not leaked, say({
        "en": f"with valid_length {LENGTHS}, changing the keys and values beyond each example's length changed the "
              f"output of example(s) {leaked}: padding gets attention weight. Hint: {say(PADDING_HINT)}",
        "zh": f"valid_length 为 {LENGTHS} 时，改变超出各样本有效长度的键和值，改变了样本 {leaked} 的输出："
              f"填充部分得到了注意力权重。提示：{say(PADDING_HINT)}"})


def test_dropout_train_only(submission):
    query, key, value = inputs()
    plain = submission.build("transformer:MultiHeadAttention", *SIZES, 0.0, seed=3).eval()(query, key, value, None)
    attention = submission.build("transformer:MultiHeadAttention", *SIZES, 0.5, seed=3)
    expect_close(attention.eval()(query, key, value, None), plain,
                 {"en": "MultiHeadAttention(..., dropout=0.5) in eval mode, compared with dropout=0.0 and the same seed",
                  "zh": "评估模式下的 MultiHeadAttention(..., dropout=0.5)（与 dropout=0.0、相同随机种子时比较）"},
                 hint={"en": "dropout is off in eval mode (nn.Dropout does that), and dropout must not change the weights",
                       "zh": "评估模式下暂退法关闭（nn.Dropout 会自动做到），而且暂退法不能改变权重"})
    trained = attention.train()(query, key, value, None)
    assert isinstance(trained, torch.Tensor) and torch.isfinite(trained).all() and not torch.allclose(trained, plain), say({
        "en": "MultiHeadAttention(..., dropout=0.5) in training mode gives the same output as without dropout. Hint: "
              "apply the dropout to the attention weights",
        "zh": "训练模式下 MultiHeadAttention(..., dropout=0.5) 的输出与不用暂退法时相同。提示：对注意力权重应用暂退法"})
