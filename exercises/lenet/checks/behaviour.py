"""Hidden checks for lenet.py: same function as the reference, gradients, training, determinism."""

import copy

import pytest
import torch

from grader.bank.course_code import course_module
from grader.checking import align
from grader.checking.checks import expect_close, say
from grader.checking.evidence import expect_true_gradients

differences = course_module(__file__, "differences")  # the bank's: solutions/_course/

ACTIVATION_HINTS = {
    "boyu": {"en": "sigmoid after each convolution and the first two dense layers, and average (not max) pooling",
             "zh": "每个卷积层和前两个全连接层之后接 sigmoid，并且用平均池化（不是最大池化）"},
    "d2l-v1": {"en": "the first edition's LeNet: sigmoid after each convolution and the first two dense layers, and max "
                     "(not average) pooling",
               "zh": "第一版的 LeNet：每个卷积层和前两个全连接层之后接 sigmoid，并且用最大池化（不是平均池化）"},
}


def test_matches_reference(submission, reference, device, edition):
    hint = ACTIVATION_HINTS.get(edition, ACTIVATION_HINTS["boyu"])
    net = submission.build("lenet:net", device=device).eval()
    ref = copy.deepcopy(reference.net).eval()
    ref_params = [p.detach() for p in ref.parameters()]
    shapes = net.parameter_shapes()
    if next(align.assignments(ref_params, shapes), None) is None:
        why = _why(net, ref)
        pytest.fail(say({"en": f"your parameters have shapes {shapes}, which cannot hold LeNet's "
                               f"{[tuple(p.shape) for p in ref_params]}.{why}",
                         "zh": f"你的参数形状为 {shapes}，装不下 LeNet 的参数 {[tuple(p.shape) for p in ref_params]}。"
                               f"{why}"}))
    if not net.load_parameters_from(ref, probe=torch.randn(3, 1, 28, 28), atol=1e-4):
        why = _why(net, ref)
        pytest.fail(say({"en": f"with the course LeNet's weights loaded into your net, its outputs differ.{why} "
                               f"Hint: {hint['en']}",
                         "zh": f"把课程中 LeNet 的权重载入你的网络后，它的输出不同。{why}提示：{hint['zh']}"}))
    x = torch.randn(5, 1, 28, 28)
    with torch.no_grad():
        expected = ref(x)
    expect_close(net(x), expected, {"en": "the output under the course LeNet's weights",
                                    "zh": "载入课程中 LeNet 的权重后的输出"}, atol=1e-4, hint=hint)


def _why(net, ref) -> str:
    """The differences from the reference that the layers show (max vs average pooling, a padding, ...), in the
    language grader speaks."""
    return differences.why(net, ref, torch.randn(2, 1, 28, 28))


def test_gradients(submission):
    net = submission.build("lenet:net")
    assert net.parameter_shapes(), say({"en": "net has no trainable parameters", "zh": "net 没有可训练参数"})
    expect_true_gradients(net, torch.randn(4, 1, 28, 28), what="net", hint={
        "en": "do not detach intermediate results or compute them through .data, and keep requires_grad on every "
              "parameter",
        "zh": "不要 detach 中间结果，也不要通过 .data 计算它们，并让每个参数都保持 requires_grad"})


def test_trains(submission, device):
    data = torch.Generator().manual_seed(1234)
    x, y = torch.randn(16, 1, 28, 28, generator=data), torch.randint(0, 10, (16,), generator=data)
    net = submission.build("lenet:net", device=device, seed=0)
    losses = net.train_steps(x, target=y, loss="cross_entropy", steps=10, lr=0.1, seed=0)
    assert len(losses) == 10 and all(l == l and abs(l) != float("inf") for l in losses), say({
        "en": f"the loss is not a finite number while training: {losses}",
        "zh": f"训练时损失不是有限的数：{losses}"})
    assert losses[-1] <= 0.99 * losses[0], say({
        "en": f"10 SGD steps (lr 0.1) on one batch took the loss from {losses[0]:.4f} only to {losses[-1]:.4f}; "
              "a LeNet lowers it by at least 1% (the course LeNet by about 20%)",
        "zh": f"在一个批量上做 10 步 SGD（学习率 0.1），损失只从 {losses[0]:.4f} 降到 {losses[-1]:.4f}；"
              "LeNet 至少能把它降低 1%（课程中的 LeNet 约降低 20%）"})


def test_eval_determinism(submission):
    net = submission.build("lenet:net").eval()
    x = torch.randn(4, 1, 28, 28)
    first, second = net(x), net(x)
    assert isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor) and torch.equal(first, second), say({
        "en": "in eval mode, two forward passes over the same input gave different outputs. Hint: no random noise "
              "in forward; dropout is off in eval mode",
        "zh": "评估模式下，对同一输入的两次前向传播给出了不同的输出。提示：forward 中不要有随机噪声；"
              "评估模式下暂退法是关闭的"})
