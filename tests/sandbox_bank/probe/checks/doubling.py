"""Hidden checks of the probe exercise; SECRET-CHECK-SOURCE must never reach a report."""

import torch


def test_doubles(submission):
    x = torch.rand(3) + 1  # positive: hostile submissions may crash on these only
    out = submission.call("probe:double", x)
    assert isinstance(out, torch.Tensor) and torch.equal(out, 2 * x), "double(x) should be 2 * x"


def test_doubles_again(submission):
    x = -torch.rand(3) - 1
    out = submission.call("probe:double", x)
    assert isinstance(out, torch.Tensor) and torch.equal(out, 2 * x), "double(x) should be 2 * x"
