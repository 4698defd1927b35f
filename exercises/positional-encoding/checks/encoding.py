"""Hidden checks for PositionalEncoding: the values, added to X, lengths, fixed, dropout."""

import torch

from grader.checking.checks import expect_close


def encoding(length, d, swap=False, exponent=2, start=0):
    """P of shape (1, length, d) in float64; the knobs give known wrong versions."""
    positions = torch.arange(start, start + length, dtype=torch.float64)[:, None]
    j = torch.arange(0, d // 2, dtype=torch.float64)
    angles = positions / torch.pow(10000.0, exponent * j / d)
    first, second = (torch.cos, torch.sin) if swap else (torch.sin, torch.cos)
    P = torch.zeros(length, d, dtype=torch.float64)
    P[:, 0::2], P[:, 1::2] = first(angles), second(angles)
    return P[None]


MISTAKES = {
    "sin and cos are swapped (column 2j must take the sine, column 2j+1 the cosine)": dict(swap=True),
    "the exponent is j/d instead of 2j/d (j counts pairs of columns)": dict(exponent=1),
    "the positions start at 1; the first position is i = 0": dict(start=1),
}


def matches(value, expected):
    return (isinstance(value, torch.Tensor) and value.shape == expected.shape
            and torch.allclose(value.double(), expected, atol=1e-4, rtol=1e-4))


def test_encoding_values(submission, device):
    layer = submission.build("transformer:PositionalEncoding", 32, 0.0, device=device).eval()
    got, expected = layer(torch.zeros(2, 50, 32)), encoding(50, 32).expand(2, 50, 32)
    if not matches(got, expected):
        for mistake, knobs in MISTAKES.items():
            if matches(got, encoding(50, 32, **knobs).expand(2, 50, 32)):
                raise AssertionError(f"PositionalEncoding(32, 0.0) on zeros of shape (2, 50, 32) is wrong: {mistake}")
    expect_close(got, expected.float(), "PositionalEncoding(32, 0.0) on zeros of shape (2, 50, 32)", atol=1e-4,
                 hint="P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(i / 10000^(2j/d)), the same P for every "
                      "example")


def test_added_to_input(submission):
    layer = submission.build("transformer:PositionalEncoding", 16, 0.0).eval()
    X = torch.randn(3, 7, 16)
    got = layer(X)
    if matches(got, encoding(7, 16).expand(3, 7, 16)):
        raise AssertionError("PositionalEncoding returns the encoding P and drops X: it must return X + P")
    expect_close(got, X + encoding(7, 16).float(), "PositionalEncoding(16, 0.0)(X) for X of shape (3, 7, 16)",
                 atol=1e-4, hint="return X + P[:, :X.shape[1], :] (then the dropout)")


def test_any_length(submission):
    layer = submission.build("transformer:PositionalEncoding", 8, 0.0, max_len=40).eval()
    for length in (1, 13, 40):
        X = torch.randn(2, length, 8)
        expect_close(layer(X), X + encoding(length, 8).float(),
                     f"PositionalEncoding(8, 0.0, max_len=40) on an input of length {length}", atol=1e-4,
                     hint="build P for max_len positions once, and slice the first X.shape[1] of them")
    X = torch.randn(1, 1000, 8)
    expect_close(submission.build("transformer:PositionalEncoding", 8, 0.0).eval()(X), X + encoding(1000, 8).float(),
                 "PositionalEncoding(8, 0.0) (max_len 1000 by default) on an input of length 1000", atol=1e-3)


def test_not_learned(submission):
    layer = submission.build("transformer:PositionalEncoding", 16, 0.0)
    shapes = layer.parameter_shapes()
    assert not shapes, (f"PositionalEncoding has trainable parameters of shapes {shapes}; the sinusoidal encoding "
                        "is fixed. Hint: keep P as a tensor or register_buffer it, not nn.Parameter")


def test_dropout_train_only(submission):
    layer = submission.build("transformer:PositionalEncoding", 16, 0.5, seed=1)
    X = torch.randn(2, 9, 16)
    plain = submission.build("transformer:PositionalEncoding", 16, 0.0).eval()(X)
    expect_close(layer.eval()(X), plain, "PositionalEncoding(16, 0.5) in eval mode, compared with dropout 0.0",
                 atol=1e-5, hint="dropout is off in eval mode (nn.Dropout does that)")
    trained = layer.train()(X)
    assert isinstance(trained, torch.Tensor) and not torch.allclose(trained, plain, atol=1e-5), (
        "PositionalEncoding(16, 0.5) in training mode gives the eval-mode output: the dropout is missing")
