"""Hidden checks for attention.py: per-query masks, the 1/sqrt(d) scale, masked attention, dropout."""

import math

import torch

from grader.checking.checks import expect_close, expect_shape, say


MASKED_TO_ZERO = {"en": "masked scores are set to 0 instead of a large negative number",
                  "zh": "被掩蔽的分数设成了 0，而不是一个很大的负数"}
NOT_SCALED = {"en": "the scores are not divided by sqrt(d)", "zh": "分数没有除以 sqrt(d)"}


def softmax_with_lengths(X, row_lengths, fill=-1e6):
    """Softmax over the last axis of X (B, Q, K), row (b, q) keeping its first row_lengths[b*Q + q] keys."""
    rows = X.reshape(-1, X.shape[-1])
    keep = torch.arange(X.shape[-1])[None, :] < row_lengths[:, None]
    return torch.softmax(rows.masked_fill(~keep, fill), dim=-1).reshape(X.shape)


def rows_of(valid_length, queries):
    if valid_length is None:
        return None
    return valid_length.repeat_interleave(queries) if valid_length.dim() == 1 else valid_length.reshape(-1)


def attend(query, key, value, valid_length=None, scale=None, fill=-1e6, tiled=False):
    scores = query @ key.transpose(1, 2) / (math.sqrt(query.shape[-1]) if scale is None else scale)
    lengths = rows_of(valid_length, query.shape[1])
    if tiled and valid_length is not None and valid_length.dim() == 1:
        lengths = valid_length.repeat(query.shape[1])
    weights = torch.softmax(scores, dim=-1) if lengths is None else softmax_with_lengths(scores, lengths, fill)
    return weights @ value


def matches(value, expected) -> bool:
    return (isinstance(value, torch.Tensor) and value.shape == expected.shape
            and torch.allclose(value.double(), expected.double(), atol=1e-5, rtol=1e-4))


def expect_same(value, expected, what, mistakes=(), hint=""):
    """Like expect_close, but first names a known mistake whose result `value` equals."""
    if matches(value, expected):
        return
    for mistake, wrong in mistakes:
        if matches(value, wrong):
            raise AssertionError(say({"en": f"{say(what)} is wrong: it is what you get when {say(mistake)}",
                                      "zh": f"{say(what)} 不对：这正是{say(mistake)}时得到的结果"}))
    expect_close(value, expected, what, hint=hint)


def test_mask_per_query(submission):
    X = torch.randn(3, 4, 6) * 3
    valid_length = torch.tensor([[1, 2, 3, 4], [6, 5, 4, 3], [2, 2, 6, 1]])
    got = submission.call("attention:masked_softmax", X, valid_length)
    expect_same(got, softmax_with_lengths(X, valid_length.reshape(-1)),
                {"en": "masked_softmax(X, valid_length) with a (3, 4) valid_length, one length per query",
                 "zh": "valid_length 形状为 (3, 4)、每个查询一个长度时的 masked_softmax(X, valid_length)"},
                mistakes=[(MASKED_TO_ZERO, softmax_with_lengths(X, valid_length.reshape(-1), fill=0.0)),
                          ({"en": "every query of an example takes the first query's length",
                            "zh": "一个样本的每个查询都取了第一个查询的长度"},
                           softmax_with_lengths(X, valid_length[:, 0].repeat_interleave(4)))],
                hint={"en": "a 2-D valid_length holds one length per (example, query): flatten it with reshape(-1) "
                            "to match the rows of X.reshape(-1, keys)",
                      "zh": "二维的 valid_length 为每个（样本, 查询）存一个长度：用 reshape(-1) 把它展平，"
                            "与 X.reshape(-1, keys) 的各行对应"})


def test_scaled_scores(submission, device):
    attention = submission.build("attention:DotProductAttention", 0.0, device=device).eval()
    query, key, value = torch.randn(2, 3, 16), torch.randn(2, 5, 16), torch.randn(2, 5, 4)
    got = attention(query, key, value, None)
    expect_same(got, attend(query, key, value), {"en": "DotProductAttention(0.0) with queries and keys of size 16",
                                                 "zh": "查询和键的长度都为 16 时的 DotProductAttention(0.0)"},
                mistakes=[(NOT_SCALED, attend(query, key, value, scale=1.0)),
                          ({"en": "the scores are divided by d instead of sqrt(d)", "zh": "分数除以 d 而不是 sqrt(d)"},
                           attend(query, key, value, scale=16.0)),
                          ({"en": "the scores are divided by sqrt of the number of keys, not of the size d",
                            "zh": "分数除以键的个数的平方根，而不是长度 d 的平方根"},
                           attend(query, key, value, scale=math.sqrt(5)))],
                hint={"en": "scores = query @ key^T / sqrt(d), d the size of a query (query.shape[-1])",
                      "zh": "scores = query @ key^T / sqrt(d)，d 是查询的长度（query.shape[-1]）"})


def test_attention_masked(submission, device):
    attention = submission.build("attention:DotProductAttention", 0.0, device=device).eval()
    query, key, value = torch.randn(3, 2, 8), torch.randn(3, 6, 8), torch.randn(3, 6, 5)
    for valid_length in (torch.tensor([2, 6, 4]), torch.tensor([[1, 5], [6, 2], [3, 3]])):
        what = {"en": f"DotProductAttention(0.0) with valid_length {valid_length.tolist()}",
                "zh": f"valid_length 为 {valid_length.tolist()} 时的 DotProductAttention(0.0)"}
        mistakes = [({"en": "valid_length is ignored", "zh": "忽略了 valid_length"}, attend(query, key, value)),
                    (MASKED_TO_ZERO, attend(query, key, value, valid_length, fill=0.0)),
                    (NOT_SCALED, attend(query, key, value, valid_length, scale=1.0))]
        if valid_length.dim() == 1:
            mistakes.append(({"en": "the lengths are tiled over the queries (repeat) instead of repeated in place "
                                    "(repeat_interleave)",
                              "zh": "长度在各查询上整体平铺（repeat），而不是逐个原地重复（repeat_interleave）"},
                             attend(query, key, value, valid_length, tiled=True)))
        expect_same(attention(query, key, value, valid_length), attend(query, key, value, valid_length), what,
                    mistakes=mistakes, hint={"en": "pass valid_length on to masked_softmax over the scaled scores",
                                             "zh": "把 valid_length 传给作用在缩放后分数上的 masked_softmax"})


def test_dropout_train_only(submission):
    """Judged against the submission's own dropout-free attention: other mistakes are other checks' business."""
    query, key, value = torch.randn(2, 4, 8), torch.randn(2, 6, 8), torch.randn(2, 6, 5)
    valid_length = torch.tensor([3, 6])
    plain = submission.build("attention:DotProductAttention", 0.0).eval()(query, key, value, valid_length)
    plain = expect_shape(plain, (2, 4, 5), {"en": "DotProductAttention(0.0) in eval mode",
                                            "zh": "评估模式下的 DotProductAttention(0.0)"})
    attention = submission.build("attention:DotProductAttention", 0.5, seed=1)
    expect_close(attention.eval()(query, key, value, valid_length), plain,
                 {"en": "DotProductAttention(0.5) in eval mode, compared with DotProductAttention(0.0)",
                  "zh": "评估模式下的 DotProductAttention(0.5)（与 DotProductAttention(0.0) 比较）"},
                 hint={"en": "dropout must be off in eval mode: use nn.Dropout, or F.dropout(..., training=self.training)",
                       "zh": "评估模式下必须关闭暂退法：使用 nn.Dropout，或 F.dropout(..., training=self.training)"})
    trained = expect_shape(attention.train()(query, key, value, valid_length), (2, 4, 5),
                           {"en": "DotProductAttention(0.5) in training mode", "zh": "训练模式下的 DotProductAttention(0.5)"})
    assert torch.isfinite(trained).all() and not matches(trained, plain), say({
        "en": "DotProductAttention(0.5) in training mode gives the same output as without dropout: the dropout is not "
              "applied. Hint: apply nn.Dropout(dropout) to the attention weights",
        "zh": "训练模式下 DotProductAttention(0.5) 的输出与不用暂退法时相同：暂退法没有生效。"
              "提示：对注意力权重应用 nn.Dropout(dropout)"})
