"""Hidden checks for lenet.py: same function as the reference, gradients, training, determinism."""

import copy

import pytest
import torch

from grader.bank.course_code import course_module
from grader.checking import align
from grader.checking.checks import expect_close
from grader.checking.evidence import expect_true_gradients

differences = course_module(__file__, "differences")  # the bank's: solutions/_course/

ACTIVATION_HINTS = {
    "boyu": "sigmoid after each convolution and the first two dense layers, and average (not max) pooling",
    "d2l-v1": "the first edition's LeNet: sigmoid after each convolution and the first two dense layers, and max "
              "(not average) pooling",
}


def test_matches_reference(submission, reference, device, edition):
    hint = ACTIVATION_HINTS.get(edition, ACTIVATION_HINTS["boyu"])
    net = submission.build("lenet:net", device=device).eval()
    ref = copy.deepcopy(reference.net).eval()
    ref_params = [p.detach() for p in ref.parameters()]
    shapes = net.parameter_shapes()
    if next(align.assignments(ref_params, shapes), None) is None:
        pytest.fail(f"your parameters have shapes {shapes}, which cannot hold LeNet's "
                    f"{[tuple(p.shape) for p in ref_params]}.{_why(net, ref)}")
    if not net.load_parameters_from(ref, probe=torch.randn(3, 1, 28, 28), atol=1e-4):
        pytest.fail(f"with the course LeNet's weights loaded into your net, its outputs differ.{_why(net, ref)} "
                    f"Hint: {hint}")
    x = torch.randn(5, 1, 28, 28)
    with torch.no_grad():
        expected = ref(x)
    expect_close(net(x), expected, "the output under the course LeNet's weights", atol=1e-4, hint=hint)


def _why(net, ref) -> str:
    """The differences from the reference that the layers show (max vs average pooling, a padding, ...)."""
    return differences.why(net, ref, torch.randn(2, 1, 28, 28))


def test_gradients(submission):
    net = submission.build("lenet:net")
    assert net.parameter_shapes(), "net has no trainable parameters"
    expect_true_gradients(net, torch.randn(4, 1, 28, 28), what="net", hint=(
        "do not detach intermediate results or compute them through .data, and keep requires_grad on every "
        "parameter"))


def test_trains(submission, device):
    data = torch.Generator().manual_seed(1234)
    x, y = torch.randn(16, 1, 28, 28, generator=data), torch.randint(0, 10, (16,), generator=data)
    net = submission.build("lenet:net", device=device, seed=0)
    losses = net.train_steps(x, target=y, loss="cross_entropy", steps=10, lr=0.1, seed=0)
    assert len(losses) == 10 and all(l == l and abs(l) != float("inf") for l in losses), (
        f"the loss is not a finite number while training: {losses}")
    assert losses[-1] <= 0.99 * losses[0], (
        f"10 SGD steps (lr 0.1) on one batch took the loss from {losses[0]:.4f} only to {losses[-1]:.4f}; "
        "a LeNet lowers it by at least 1% (the course LeNet by about 20%)")


def test_eval_determinism(submission):
    net = submission.build("lenet:net").eval()
    x = torch.randn(4, 1, 28, 28)
    first, second = net(x), net(x)
    assert isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor) and torch.equal(first, second), (
        "in eval mode, two forward passes over the same input gave different outputs. Hint: no random noise "
        "in forward; dropout is off in eval mode")
