"""Public checks for attention.py: the softmax without a mask, masking per example, shapes."""

import torch

from grader.checking.checks import expect_close, expect_shape, say


def softmax_with_lengths(X, row_lengths, fill=-1e6):
    """Softmax over the last axis of X (B, Q, K), row (b, q) keeping its first row_lengths[b*Q + q] keys."""
    rows = X.reshape(-1, X.shape[-1])
    keep = torch.arange(X.shape[-1])[None, :] < row_lengths[:, None]
    return torch.softmax(rows.masked_fill(~keep, fill), dim=-1).reshape(X.shape)


def matches(value, expected) -> bool:
    return (isinstance(value, torch.Tensor) and value.shape == expected.shape
            and torch.allclose(value.double(), expected.double(), atol=1e-5, rtol=1e-4))


def test_softmax_unmasked(submission):
    X = torch.randn(2, 3, 5)
    got = submission.call("attention:masked_softmax", X, None)
    if matches(got, torch.softmax(X, dim=1)):
        raise AssertionError(say({"en": "masked_softmax(X, None) takes the softmax over the queries (dim 1); "
                                        "it belongs over the keys, the last axis",
                                  "zh": "masked_softmax(X, None) 在查询维（第 1 维）上做了 softmax；"
                                        "它应在键所在的最后一维上做"}))
    expect_close(got, torch.softmax(X, dim=-1), {"en": "masked_softmax(X, None) for X of shape (2, 3, 5)",
                                                 "zh": "X 形状为 (2, 3, 5) 时的 masked_softmax(X, None)"},
                 hint={"en": "without a mask, take the softmax over the last axis (the keys)",
                       "zh": "没有掩码时，在最后一维（键）上做 softmax"})


def test_mask_per_example(submission):
    for shape, lengths in (((2, 2, 4), [2, 3]), ((3, 4, 6), [1, 6, 3])):
        X = torch.randn(shape) * 3
        valid_length = torch.tensor(lengths)
        what = {"en": f"masked_softmax(X, torch.tensor({lengths})) for X of shape {shape}",
                "zh": f"X 形状为 {shape} 时的 masked_softmax(X, torch.tensor({lengths}))"}
        got = submission.call("attention:masked_softmax", X, valid_length)
        expected = softmax_with_lengths(X, valid_length.repeat_interleave(shape[1]))
        if matches(got, expected):
            continue
        expect_shape(got, shape, what)
        if matches(got, softmax_with_lengths(X, valid_length.repeat_interleave(shape[1]), fill=0.0)):
            raise AssertionError(say({
                "en": f"{what['en']} gives weight to masked keys: the masked scores are set to 0, and exp(0) "
                      "is not small. Hint: fill them with a large negative number such as -1e6",
                "zh": f"{what['zh']} 给被掩蔽的键分配了权重：被掩蔽的分数设成了 0，而 exp(0) 并不小。"
                      "提示：用一个很大的负数（如 -1e6）填充它们"}))
        if matches(got, softmax_with_lengths(X, valid_length.repeat(shape[1]))):
            raise AssertionError(say({
                "en": f"{what['en']} gives the queries of one example the lengths of other examples: the "
                      "lengths were tiled (valid_length.repeat(queries)) where each must be repeated in "
                      "place (torch.repeat_interleave(valid_length, queries))",
                "zh": f"{what['zh']} 让一个样本的查询用上了其他样本的长度：长度被整体平铺了"
                      "（valid_length.repeat(queries)），而每个长度应原地重复"
                      "（torch.repeat_interleave(valid_length, queries)）"}))
        expect_close(got, expected, what, hint={"en": "example b keeps keys 0 .. valid_length[b] - 1 for every query",
                                                "zh": "样本 b 的每个查询都保留第 0 .. valid_length[b] - 1 个键"})


def test_attention_shape(submission):
    attention = submission.build("attention:DotProductAttention", 0.0).eval()
    query, key, value = torch.randn(2, 3, 8), torch.randn(2, 5, 8), torch.randn(2, 5, 6)
    expect_shape(attention(query, key, value, None), (2, 3, 6),
                 {"en": "DotProductAttention(0.0)(query, key, value, None) for 3 queries, 5 keys of size 8 "
                        "and values of size 6",
                  "zh": "3 个查询、5 个长度为 8 的键、长度为 6 的值时的 DotProductAttention(0.0)(query, key, value, None)"},
                 hint={"en": "torch.bmm(weights, value) with weights of shape (batch, queries, keys)",
                       "zh": "torch.bmm(weights, value)，其中 weights 的形状为 (batch, queries, keys)"})
