"""Hidden checks for PositionalEncoding: the values, added to X, lengths, fixed, dropout."""

import torch

from grader.checking.checks import expect_close, say


def encoding(length, d, swap=False, exponent=2, start=0):
    """P of shape (1, length, d) in float64; the knobs give known wrong versions."""
    positions = torch.arange(start, start + length, dtype=torch.float64)[:, None]
    j = torch.arange(0, d // 2, dtype=torch.float64)
    angles = positions / torch.pow(10000.0, exponent * j / d)
    first, second = (torch.cos, torch.sin) if swap else (torch.sin, torch.cos)
    P = torch.zeros(length, d, dtype=torch.float64)
    P[:, 0::2], P[:, 1::2] = first(angles), second(angles)
    return P[None]


MISTAKES = [  # (what the mistake is, the knobs of `encoding` that make it)
    ({"en": "sin and cos are swapped (column 2j must take the sine, column 2j+1 the cosine)",
      "zh": "sin 和 cos 用反了（第 2j 列应取正弦，第 2j+1 列取余弦）"}, dict(swap=True)),
    ({"en": "the exponent is j/d instead of 2j/d (j counts pairs of columns)",
      "zh": "指数用了 j/d 而不是 2j/d（j 数的是列的对数）"}, dict(exponent=1)),
    ({"en": "the positions start at 1; the first position is i = 0",
      "zh": "位置从 1 开始了；第一个位置是 i = 0"}, dict(start=1)),
]


def matches(value, expected):
    return (isinstance(value, torch.Tensor) and value.shape == expected.shape
            and torch.allclose(value.double(), expected, atol=1e-4, rtol=1e-4))


def test_encoding_values(submission, device):
    layer = submission.build("transformer:PositionalEncoding", 32, 0.0, device=device).eval()
    got, expected = layer(torch.zeros(2, 50, 32)), encoding(50, 32).expand(2, 50, 32)
    if not matches(got, expected):
        for mistake, knobs in MISTAKES:
            if matches(got, encoding(50, 32, **knobs).expand(2, 50, 32)):
                raise AssertionError(say({
                    "en": f"PositionalEncoding(32, 0.0) on zeros of shape (2, 50, 32) is wrong: {mistake['en']}",
                    "zh": f"PositionalEncoding(32, 0.0) 作用于形状为 (2, 50, 32) 的全零输入时结果不对：{mistake['zh']}"}))
    expect_close(got, expected.float(), {"en": "PositionalEncoding(32, 0.0) on zeros of shape (2, 50, 32)",
                                         "zh": "PositionalEncoding(32, 0.0) 作用于形状为 (2, 50, 32) 的全零输入"},
                 atol=1e-4,
                 hint={"en": "P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(i / 10000^(2j/d)), the same P for "
                             "every example",
                       "zh": "P[i, 2j] = sin(i / 10000^(2j/d))，P[i, 2j+1] = cos(i / 10000^(2j/d))，每个样本用同一个 P"})


def test_added_to_input(submission):
    layer = submission.build("transformer:PositionalEncoding", 16, 0.0).eval()
    X = torch.randn(3, 7, 16)
    got = layer(X)
    if matches(got, encoding(7, 16).expand(3, 7, 16)):
        raise AssertionError(say({"en": "PositionalEncoding returns the encoding P and drops X: it must return X + P",
                                  "zh": "PositionalEncoding 返回的是位置编码 P，丢掉了 X：它必须返回 X + P"}))
    expect_close(got, X + encoding(7, 16).float(), {"en": "PositionalEncoding(16, 0.0)(X) for X of shape (3, 7, 16)",
                                                    "zh": "X 形状为 (3, 7, 16) 时的 PositionalEncoding(16, 0.0)(X)"},
                 atol=1e-4, hint={"en": "return X + P[:, :X.shape[1], :] (then the dropout)",
                                  "zh": "返回 X + P[:, :X.shape[1], :]（再做暂退法）"})


def test_any_length(submission):
    layer = submission.build("transformer:PositionalEncoding", 8, 0.0, max_len=40).eval()
    for length in (1, 13, 40):
        X = torch.randn(2, length, 8)
        expect_close(layer(X), X + encoding(length, 8).float(),
                     {"en": f"PositionalEncoding(8, 0.0, max_len=40) on an input of length {length}",
                      "zh": f"PositionalEncoding(8, 0.0, max_len=40) 作用于长度为 {length} 的输入"}, atol=1e-4,
                     hint={"en": "build P for max_len positions once, and slice the first X.shape[1] of them",
                           "zh": "一次性为 max_len 个位置构造 P，再取出其中前 X.shape[1] 个"})
    X = torch.randn(1, 1000, 8)
    expect_close(submission.build("transformer:PositionalEncoding", 8, 0.0).eval()(X), X + encoding(1000, 8).float(),
                 {"en": "PositionalEncoding(8, 0.0) (max_len 1000 by default) on an input of length 1000",
                  "zh": "PositionalEncoding(8, 0.0)（max_len 默认为 1000）作用于长度为 1000 的输入"}, atol=1e-3)


def test_not_learned(submission):
    layer = submission.build("transformer:PositionalEncoding", 16, 0.0)
    shapes = layer.parameter_shapes()
    assert not shapes, say({
        "en": f"PositionalEncoding has trainable parameters of shapes {shapes}; the sinusoidal encoding "
              "is fixed. Hint: keep P as a tensor or register_buffer it, not nn.Parameter",
        "zh": f"PositionalEncoding 有形状为 {shapes} 的可训练参数；正弦位置编码是固定的。"
              "提示：把 P 存为普通张量或用 register_buffer 注册，不要用 nn.Parameter"})


def test_dropout_train_only(submission):
    layer = submission.build("transformer:PositionalEncoding", 16, 0.5, seed=1)
    X = torch.randn(2, 9, 16)
    plain = submission.build("transformer:PositionalEncoding", 16, 0.0).eval()(X)
    expect_close(layer.eval()(X), plain, {"en": "PositionalEncoding(16, 0.5) in eval mode, compared with dropout 0.0",
                                          "zh": "评估模式下的 PositionalEncoding(16, 0.5)（与暂退概率 0.0 比较）"},
                 atol=1e-5, hint={"en": "dropout is off in eval mode (nn.Dropout does that)",
                                  "zh": "评估模式下暂退法关闭（nn.Dropout 会自动做到）"})
    trained = layer.train()(X)
    assert isinstance(trained, torch.Tensor) and not torch.allclose(trained, plain, atol=1e-5), say({
        "en": "PositionalEncoding(16, 0.5) in training mode gives the eval-mode output: the dropout is missing",
        "zh": "训练模式下 PositionalEncoding(16, 0.5) 给出的是评估模式的输出：缺少暂退法"})
