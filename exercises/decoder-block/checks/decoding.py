"""Hidden checks for DecoderBlock: the look-ahead mask, the encoder-decoder attention, the course's
block under aligned weights, and token-by-token decoding against the block's own training mode.

Where the training-mode outputs differ from the reference block's under the same weights,
variants of the course's block with one known mistake name what went wrong.
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
ENC_LENGTHS = [2, 6, 4]  # unequal within the batch: a head-major repeat of them shows


def fresh_state(enc_outputs, slots=1):
    return [enc_outputs, torch.tensor(ENC_LENGTHS[: enc_outputs.shape[0]]), [None] * slots]


def output_of(result, what):
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], torch.Tensor)):
        raise AssertionError(say({"en": f"{say(what)} should return a pair (Y, state) with Y a tensor",
                                  "zh": f"{say(what)} 应返回一对 (Y, state)，其中 Y 是张量"}))
    return result[0]


class Variant(nn.Module):
    """The course's decoder block in training mode on a reference's sublayers, with one known mistake."""

    def __init__(self, ref, tiled=False, look_ahead=True, keys_from_decoder=False):
        super().__init__()
        self.attention_1, self.addnorm_1, self.attention_2 = ref.attention_1, ref.addnorm_1, ref.attention_2
        self.addnorm_2, self.ffn, self.addnorm_3 = ref.addnorm_2, ref.ffn, ref.addnorm_3
        self.tiled, self.look_ahead, self.keys_from_decoder = tiled, look_ahead, keys_from_decoder

    def forward(self, X, state):
        batch_size, seq_len, _ = X.shape
        causal = torch.arange(1, seq_len + 1).repeat(batch_size, 1) if self.look_ahead else None
        Y = self.addnorm_1(X, multi_head_attention(self.attention_1, X, X, X, causal, tiled=self.tiled))
        keys, lengths = (Y, causal) if self.keys_from_decoder else (state[0], state[1])
        Z = self.addnorm_2(Y, multi_head_attention(self.attention_2, Y, keys, keys, lengths, tiled=self.tiled))
        return self.addnorm_3(Z, self.ffn(Z)), state


MISTAKES = [  # (what the mistake is, the variant's knobs)
    (HEAD_MAJOR, dict(tiled=True)),
    ({"en": "the self-attention has no look-ahead mask in training mode", "zh": "训练模式下自注意力没有前瞻掩码"},
     dict(look_ahead=False)),
    ({"en": "the encoder-decoder attention takes its keys and values from the decoder instead of the encoder outputs",
      "zh": "编码器-解码器注意力的键和值取自解码器，而不是编码器的输出"}, dict(keys_from_decoder=True)),
]


def test_look_ahead(submission, device):
    block = submission.build("transformer:DecoderBlock", D, FFN, HEADS, 0.0, 0, device=device, seed=1).train()
    X, enc = torch.randn(3, 5, D), torch.randn(3, 6, D)
    before = output_of(block(X, fresh_state(enc)), "DecoderBlock.forward(X, state)")
    X[:, 3:] = torch.randn(3, 2, D) * 5
    after = output_of(block(X, fresh_state(enc)), "DecoderBlock.forward(X, state)")
    seen = [t for t in range(3) if not torch.allclose(before[:, t], after[:, t], atol=1e-5)]
    assert not seen, say({
        "en": f"in training mode, changing target positions 3 and 4 changed the outputs at positions {seen}: a position "
              "sees later ones, so the self-attention lacks the look-ahead mask. Hint: in training mode, give query t "
              "the valid length t + 1: torch.arange(1, seq_len + 1).repeat(batch_size, 1)",
        "zh": f"训练模式下，改变目标序列的位置 3 和 4 改变了位置 {seen} 的输出：一个位置看到了它之后的位置，"
              "说明自注意力缺少前瞻掩码。提示：训练模式下，给查询 t 的有效长度为 t + 1："
              "torch.arange(1, seq_len + 1).repeat(batch_size, 1)"})


def test_encoder_attention(submission, device):
    block = submission.build("transformer:DecoderBlock", D, FFN, HEADS, 0.0, 0, device=device, seed=2).train()
    X, enc = torch.randn(3, 5, D), torch.randn(3, 6, D)
    before = output_of(block(X, fresh_state(enc.clone())), "DecoderBlock.forward(X, state)")
    padded = enc.clone()
    for b, n in enumerate(ENC_LENGTHS):
        padded[b, n:] = torch.randn_like(padded[b, n:]) * 5
    after = output_of(block(X, fresh_state(padded)), "DecoderBlock.forward(X, state)")
    leaked = [b for b in range(3) if not torch.allclose(before[b], after[b], atol=1e-5)]
    assert not leaked, say({
        "en": f"with encoder valid lengths {ENC_LENGTHS}, changing the encoder outputs beyond them changed the outputs of "
              f"example(s) {leaked}. Hint: the encoder-decoder attention takes state[1] as its valid_length; "
              f"{say(PADDING_HINT)}",
        "zh": f"编码器有效长度为 {ENC_LENGTHS} 时，改变超出有效长度的编码器输出，改变了样本 {leaked} 的输出。"
              f"提示：编码器-解码器注意力以 state[1] 作为 valid_length；{say(PADDING_HINT)}"})
    changed = enc.clone()
    changed[:, :2] = torch.randn(3, 2, D) * 5
    moved = output_of(block(X, fresh_state(changed)), "DecoderBlock.forward(X, state)")
    assert not torch.allclose(before, moved, atol=1e-4), say({
        "en": "changing the encoder outputs within their valid lengths left the decoder's outputs as they were: the "
              "encoder-decoder attention must take its keys and values from the encoder outputs, state[0]",
        "zh": "改变有效长度以内的编码器输出后，解码器的输出没有变化：编码器-解码器注意力的键和值必须取自"
              "编码器的输出 state[0]"})


def test_matches_reference(submission, reference, device):
    block = submission.build("transformer:DecoderBlock", D, FFN, HEADS, 0.0, 0, device=device).train()
    ref = copy.deepcopy(reference.DecoderBlock(D, FFN, HEADS, 0.0, 0)).train()
    shapes = block.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(say({
            "en": f"your parameters have shapes {shapes}, which cannot hold the course's "
                  f"{[tuple(p.shape) for p in ref.parameters()]}",
            "zh": f"你的参数形状为 {shapes}，装不下课程中的参数 {[tuple(p.shape) for p in ref.parameters()]}"}))
    X, enc = torch.randn(3, 5, D), torch.randn(3, 6, D)
    probe, first = (X, fresh_state(enc)), (lambda out: out[0])
    if not block.load_parameters_from(ref, probe=probe, atol=1e-4, output=first):
        for mistake, knobs in MISTAKES:
            if block.load_parameters_from(Variant(ref, **knobs).train(), probe=probe, atol=1e-4, output=first):
                pytest.fail(say({
                    "en": f"with the course's weights loaded, your DecoderBlock computes what you get when {say(mistake)}",
                    "zh": f"载入课程的权重后，你的 DecoderBlock 算出的正是这种情况下得到的结果：{say(mistake)}"}))
        pytest.fail(say({
            "en": "with the course's weights loaded into your DecoderBlock, its training-mode outputs differ. Hint: "
                  "Y = AddNorm(X, self-attention(X, X, X) with the look-ahead mask); Z = AddNorm(Y, attention(Y, "
                  "enc_outputs, enc_outputs, enc_valid_length)); return AddNorm(Z, ffn(Z)), state",
            "zh": "把课程的权重载入你的 DecoderBlock 后，它在训练模式下的输出不同。提示："
                  "Y = AddNorm(X, 带前瞻掩码的自注意力(X, X, X))；Z = AddNorm(Y, attention(Y, "
                  "enc_outputs, enc_outputs, enc_valid_length))；return AddNorm(Z, ffn(Z)), state"}))
    X, enc = torch.randn(3, 5, D), torch.randn(3, 6, D)
    with torch.no_grad():
        expected = ref(X, fresh_state(enc))[0]
    expect_close(output_of(block(X, fresh_state(enc)), "DecoderBlock.forward(X, state)"), expected,
                 {"en": "the training-mode output under the course's weights", "zh": "载入课程的权重后训练模式下的输出"},
                 atol=1e-4)


def decode(blocks, X, enc, slots):
    """Token by token through `blocks` sharing one state, the way prediction runs; the outputs joined."""
    state, outputs = fresh_state(enc, slots), []
    for t in range(X.shape[1]):
        Y = X[:, t : t + 1]
        for block in blocks:
            result = block(Y, state)
            Y = output_of(result, {"en": f"DecoderBlock.forward(X, state) in eval mode at step {t}",
                                   "zh": f"评估模式下第 {t} 步的 DecoderBlock.forward(X, state)"})
            state = result[1]
        outputs.append(Y)
    return torch.cat(outputs, dim=1), state


def whole(blocks, X, enc, slots):
    state, Y = fresh_state(enc, slots), X
    for block in blocks:
        result = block(Y, state)
        Y, state = output_of(result, {"en": "DecoderBlock.forward(X, state) in training mode",
                                      "zh": "训练模式下的 DecoderBlock.forward(X, state)"}), result[1]
    return Y


def test_step_by_step(submission, device):
    block = submission.build("transformer:DecoderBlock", D, FFN, HEADS, 0.0, 1, device=device, seed=4)
    X, enc = torch.randn(3, 5, D), torch.randn(3, 6, D)
    trained = whole([block.train()], X, enc, slots=2)
    stepped, state = decode([block.eval()], X, enc, slots=2)
    if stepped.shape != trained.shape:
        raise AssertionError(say({
            "en": f"decoding 5 tokens one at a time gave outputs of shape {tuple(stepped.shape)}, "
                  f"expected {tuple(trained.shape)}",
            "zh": f"逐个解码 5 个词元得到的输出形状为 {tuple(stepped.shape)}，期望 {tuple(trained.shape)}"}))
    wrong = [t for t in range(5) if not torch.allclose(stepped[:, t], trained[:, t], atol=1e-4)]
    assert not wrong, say({
        "en": f"decoding one token at a time in eval mode gives other outputs than training mode at positions {wrong}. "
              "Hint: in eval mode, append each new input to the block's cache state[2][i] (torch.cat along the time "
              "axis), attend over the whole cache without a mask, and keep the look-ahead mask in training mode",
        "zh": f"评估模式下逐个词元解码，在位置 {wrong} 给出的输出与训练模式不同。"
              "提示：评估模式下，把每个新输入追加到该块的缓存 state[2][i]（沿时间轴 torch.cat），"
              "不加掩码地对整个缓存做注意力；训练模式下保留前瞻掩码"})
    caches = state[2] if isinstance(state, (list, tuple)) and len(state) == 3 else None
    assert isinstance(caches, (list, tuple)) and len(caches) == 2 and caches[1] is not None, say({
        "en": "after decoding, the returned state should be [encoder outputs, encoder valid lengths, caches] with the "
              "block's cache in state[2][i] (i = 1 here, of two slots)",
        "zh": "解码之后，返回的 state 应为 [编码器输出, 编码器有效长度, 缓存]，该块的缓存在 state[2][i] 中"
              "（这里 i = 1，共两个槽位）"})


def test_stacked_blocks(submission, device):
    blocks = [submission.build("transformer:DecoderBlock", D, FFN, HEADS, 0.0, i, device=device, seed=10 + i)
              for i in range(2)]
    X, enc = torch.randn(2, 4, D), torch.randn(2, 6, D)
    trained = whole([block.train() for block in blocks], X, enc, slots=2)
    stepped, _ = decode([block.eval() for block in blocks], X, enc, slots=2)
    expect_close(stepped, trained, {"en": "two blocks (i = 0 and i = 1) sharing one state, decoding one token at a time, "
                                          "compared with their training-mode outputs",
                                    "zh": "共用一个 state、逐个词元解码的两个块（i = 0 和 i = 1）（与它们在训练模式下的输出比较）"},
                 atol=1e-4, hint={"en": "each block keeps its cache in its own slot state[2][self.i]",
                                  "zh": "每个块把缓存存在自己的槽位 state[2][self.i] 中"})
