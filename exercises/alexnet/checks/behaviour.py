"""Hidden checks for alexnet.py: same function as the course's AlexNet, and dropout on only while training.

AlexNet's weights are 120 MB, so the matching goes the cheap way round
(grader.checking.evidence.load_claimed_weights): the student's weights come over once and are tried
in the reference here, rather than each candidate filling being sent to the child.
"""

import pytest
import torch

from grader.bank.course_code import course_module
from grader.checking import align
from grader.checking.checks import expect_close, say, shared_reference, tolerance
from grader.checking.evidence import close_to_scale, load_claimed_weights

differences = course_module(__file__, "differences")  # the bank's: solutions/_course/

TRIES = 8  # fillings tried: pairs of biases share a shape (conv 3 and 4: 384; conv 2 and 5: 256; two hidden 4096)
ACTIVATION_HINT = {"en": "a ReLU after every convolution and after the hidden dense layer (not sigmoid), 3x3 max pooling "
                         "with stride 2, and dropout only in training mode",
                   "zh": "每个卷积层和隐藏全连接层之后都接 ReLU（不是 sigmoid），用步幅为 2 的 3x3 最大池化，"
                         "并且只在训练模式下使用暂退法"}
EDITION_HINTS = {
    "d2l-v1": {"en": "the first edition's AlexNet: the first convolution unpadded, a ReLU after every convolution and "
                     "after both hidden dense layers (not sigmoid), 3x3 max pooling with stride 2, and dropout only in "
                     "training mode",
               "zh": "第一版的 AlexNet：第一个卷积层没有填充，每个卷积层和两个隐藏全连接层之后都接 ReLU（不是 sigmoid），"
                     "用步幅为 2 的 3x3 最大池化，并且只在训练模式下使用暂退法"},
    "d2l-zh-2": {"en": "d2l-zh 2.x's AlexNet: the first convolution padded by 1, a ReLU after every convolution and after "
                       "both hidden dense layers (not sigmoid), 3x3 max pooling with stride 2, and dropout only in "
                       "training mode",
                 "zh": "d2l-zh 2.x 的 AlexNet：第一个卷积层填充为 1，每个卷积层和两个隐藏全连接层之后都接 ReLU"
                       "（不是 sigmoid），用步幅为 2 的 3x3 最大池化，并且只在训练模式下使用暂退法"},
}
TWO_BY_TEN = {"en": "AlexNet()(X) should give a (2, 10) tensor", "zh": "AlexNet()(X) 应给出形状为 (2, 10) 的张量"}


def _shape_gap(shapes: list[tuple], ref: torch.nn.Module) -> dict[str, str]:
    """What the student's parameter shapes have that the course's lack, and the other way round."""
    extra, missing = list(shapes), []
    for p in ref.parameters():
        if tuple(p.shape) in extra:
            extra.remove(tuple(p.shape))
        else:
            missing.append(tuple(p.shape))
    return {"en": f"yours have parameters of shapes {extra} where the course's have {missing}",
            "zh": f"你的网络有形状为 {extra} 的参数，而课程中的网络在相应处是 {missing}"}


def test_matches_reference(submission, reference, device, edition):
    net = submission.build("alexnet:AlexNet", device=device).eval()
    ref = shared_reference(reference, "AlexNet").eval()  # load_claimed_weights overwrites every weight
    shapes = net.parameter_shapes()
    if next(align.assignments([p.detach() for p in ref.parameters()], shapes), None) is None:
        gap, why = _shape_gap(shapes, ref), _why(net, ref)
        pytest.fail(say({"en": f"AlexNet()'s parameters cannot hold the course AlexNet's weights: {gap['en']}.{why}",
                         "zh": f"AlexNet() 的参数装不下课程中 AlexNet 的权重：{gap['zh']}。{why}"}))
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
        expect_close(got, expected, {"en": "the output of your AlexNet, compared with the course's under the same weights",
                                     "zh": "你的 AlexNet 的输出（与课程中的网络在相同权重下比较）"},
                     device=device, kind="network", hint=hint)
    except AssertionError as differ:
        why = _why(net, ref)
        raise AssertionError(say({"en": f"{differ}.{why}", "zh": f"{differ}。{why}"})) from None


def _why(net, ref) -> str:
    """The differences from the reference that the layers show (a padding, max vs average pooling, a layer too many),
    in the language grader speaks."""
    return differences.why(net, ref, torch.randn(1, 1, 224, 224))


def _two_of_one_image() -> torch.Tensor:
    return torch.randn(1, 1, 224, 224).expand(2, 1, 224, 224).contiguous()


def test_dropout(submission):
    net = submission.build("alexnet:AlexNet").train()  # the exercise's one build, copied
    out = net(_two_of_one_image())
    assert isinstance(out, torch.Tensor) and out.shape == (2, 10), say(TWO_BY_TEN)
    gap = (out[0] - out[1]).abs().max().item()
    assert gap > 1e-3 * out.abs().max().item(), say({
        "en": "in training mode, the same image twice in one batch gave the same outputs, so nothing is dropped. "
              "Hint: put nn.Dropout(0.5) after the ReLU of the hidden dense layer",
        "zh": "训练模式下，同一批量中两次出现的同一张图像给出了相同的输出，说明什么都没有被丢弃。"
              "提示：在隐藏全连接层的 ReLU 之后加上 nn.Dropout(0.5)"})


def test_eval_determinism(submission):
    net = submission.build("alexnet:AlexNet").eval()
    x = _two_of_one_image()
    first, second = net(x), net(x)
    assert isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor) and first.shape == (2, 10), say(
        TWO_BY_TEN)
    atol = 1e-4 * first.abs().max().item() + 1e-7  # dropout left on moves outputs by far more
    same = torch.allclose(first, second, rtol=1e-4, atol=atol) and torch.allclose(first[0], first[1], rtol=1e-4, atol=atol)
    assert same, say({
        "en": "in eval mode, the same image gave different outputs. Hint: nn.Dropout switches off by itself in "
              "eval mode; F.dropout(x, 0.5) keeps dropping unless given training=self.training",
        "zh": "评估模式下，同一张图像给出了不同的输出。提示：nn.Dropout 在评估模式下会自动关闭；"
              "F.dropout(x, 0.5) 除非传入 training=self.training，否则会一直丢弃"})
