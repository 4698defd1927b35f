"""Hidden checks for alexnet.py: same function as the course's AlexNet, and dropout on only while training.

AlexNet's weights are 120 MB, so the matching goes the cheap way round
(grader.checking.evidence.load_claimed_weights): the student's weights come over once and are tried
in the reference here, rather than each candidate filling being sent to the child.
"""

import pytest
import torch

from grader.bank.course_code import course_module
from grader.checking import align
from grader.checking.checks import expect_close, shared_reference, tolerance
from grader.checking.evidence import close_to_scale, load_claimed_weights

differences = course_module(__file__, "differences")  # the bank's: solutions/_course/

TRIES = 8  # fillings tried: pairs of biases share a shape (conv 3 and 4: 384; conv 2 and 5: 256; two hidden 4096)
ACTIVATION_HINT = ("a ReLU after every convolution and after the hidden dense layer (not sigmoid), 3x3 max pooling "
                   "with stride 2, and dropout only in training mode")
EDITION_HINTS = {
    "d2l-v1": "the first edition's AlexNet: the first convolution unpadded, a ReLU after every convolution and after "
              "both hidden dense layers (not sigmoid), 3x3 max pooling with stride 2, and dropout only in training mode",
    "d2l-zh-2": "d2l-zh 2.x's AlexNet: the first convolution padded by 1, a ReLU after every convolution and after "
                "both hidden dense layers (not sigmoid), 3x3 max pooling with stride 2, and dropout only in training "
                "mode",
}


def _shape_gap(shapes: list[tuple], ref: torch.nn.Module) -> str:
    """What the student's parameter shapes have that the course's lack, and the other way round."""
    extra, missing = list(shapes), []
    for p in ref.parameters():
        if tuple(p.shape) in extra:
            extra.remove(tuple(p.shape))
        else:
            missing.append(tuple(p.shape))
    return f"yours have parameters of shapes {extra} where the course's have {missing}"


def test_matches_reference(submission, reference, device, edition):
    net = submission.build("alexnet:AlexNet", device=device).eval()
    ref = shared_reference(reference, "AlexNet").eval()  # load_claimed_weights overwrites every weight
    shapes = net.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        pytest.fail(f"AlexNet()'s parameters cannot hold the course AlexNet's weights: {_shape_gap(shapes, ref)}."
                    f"{_why(net, ref)}")
    rel = tolerance(device, kind="network")  # relative to the largest output; TF32 on a GPU (grader.checking.tolerances)
    x = torch.randn(2, 1, 224, 224)
    got = net(x)
    if isinstance(got, torch.Tensor) and got.shape == (2, 10):
        # the claimed weights come over once and are tried in the reference here; one image tells them apart
        load_claimed_weights(net, ref, (x[:1],), got[:1], lambda got, want: close_to_scale(got, want, rel), tries=TRIES)
    with torch.no_grad():
        expected = ref(x)
    hint = EDITION_HINTS.get(edition, ACTIVATION_HINT)
    try:
        expect_close(got, expected, "the output of your AlexNet, compared with the course's under the same weights",
                     device=device, kind="network", hint=hint)
    except AssertionError as differ:
        raise AssertionError(f"{differ}.{_why(net, ref)}") from None


def _why(net, ref) -> str:
    """The differences from the reference that the layers show (a padding, max vs average pooling, a layer too many)."""
    return differences.why(net, ref, torch.randn(1, 1, 224, 224))


def _two_of_one_image() -> torch.Tensor:
    return torch.randn(1, 1, 224, 224).expand(2, 1, 224, 224).contiguous()


def test_dropout(submission):
    net = submission.build("alexnet:AlexNet").train()  # the exercise's one build, copied
    out = net(_two_of_one_image())
    assert isinstance(out, torch.Tensor) and out.shape == (2, 10), "AlexNet()(X) should give a (2, 10) tensor"
    gap = (out[0] - out[1]).abs().max().item()
    assert gap > 1e-3 * out.abs().max().item(), (
        "in training mode, the same image twice in one batch gave the same outputs, so nothing is dropped. "
        "Hint: put nn.Dropout(0.5) after the ReLU of the hidden dense layer")


def test_eval_determinism(submission):
    net = submission.build("alexnet:AlexNet").eval()
    x = _two_of_one_image()
    first, second = net(x), net(x)
    assert isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor) and first.shape == (2, 10), (
        "AlexNet()(X) should give a (2, 10) tensor")
    atol = 1e-4 * first.abs().max().item() + 1e-7  # dropout left on moves outputs by far more
    same = torch.allclose(first, second, rtol=1e-4, atol=atol) and torch.allclose(first[0], first[1], rtol=1e-4, atol=atol)
    assert same, ("in eval mode, the same image gave different outputs. Hint: nn.Dropout switches off by itself in "
                  "eval mode; F.dropout(x, 0.5) keeps dropping unless given training=self.training")
