"""Hidden checks for googlenet.py: each path's channels under the course block's weights.

The widths are all different, so every parameter has a shape of its own and the course
block's weights fit a correct block whatever its names or the order of its layers.
"""

import pytest
import torch

from grader.checking import align
from grader.checking.checks import expect_close, expect_shape, say, tolerance

CONFIG = (6, 4, (5, 7), (2, 3), 8)
X_SHAPE = (2, 6, 9, 8)
PATHS = {  # check id: (first channel, last channel + 1, what the path is)
    "path-1x1": (0, 4, {"en": "path 1 is a 1x1 convolution from in_c to c1 channels and a ReLU; "
                              "its c1 channels come first",
                        "zh": "路径 1 是一个从 in_c 到 c1 个通道的 1x1 卷积加一个 ReLU；它的 c1 个通道排在最前面"}),
    "path-3x3": (4, 11, {"en": "path 2 is a 1x1 convolution from in_c to c2[0] channels and a ReLU, then a 3x3 "
                               "convolution with padding=1 to c2[1] channels and a ReLU; its channels follow path 1's",
                         "zh": "路径 2 是一个从 in_c 到 c2[0] 个通道的 1x1 卷积加一个 ReLU，再接一个 padding=1、"
                               "输出 c2[1] 个通道的 3x3 卷积加一个 ReLU；它的通道紧跟在路径 1 之后"}),
    "path-5x5": (11, 14, {"en": "path 3 is a 1x1 convolution from in_c to c3[0] channels and a ReLU, then a 5x5 "
                                "convolution with padding=2 to c3[1] channels and a ReLU; its channels follow path 2's",
                          "zh": "路径 3 是一个从 in_c 到 c3[0] 个通道的 1x1 卷积加一个 ReLU，再接一个 padding=2、"
                                "输出 c3[1] 个通道的 5x5 卷积加一个 ReLU；它的通道紧跟在路径 2 之后"}),
    "path-pool": (14, 22, {"en": "path 4 is a 3x3 max pooling (stride=1, padding=1) over the input, then a 1x1 "
                                 "convolution to c4 channels and a ReLU; its channels come last",
                           "zh": "路径 4 先对输入做 3x3 最大池化（stride=1, padding=1），再接一个输出 c4 个通道的 "
                                 "1x1 卷积加一个 ReLU；它的通道排在最后"}),
}


def _compare(path: str, submission, reference, device) -> None:
    block = submission.build("googlenet:Inception", *CONFIG, device=device).eval()
    ref = reference.Inception(*CONFIG).eval()
    source = [p.detach() for p in ref.parameters()]
    shapes = block.parameter_shapes()
    if next(align.assignments(source, shapes), None) is None:
        pytest.fail(say({
            "en": f"Inception{CONFIG} has parameters of shapes {shapes}, which cannot hold the course block's "
                  f"{[tuple(t.shape) for t in source]} (six convolutions with bias)",
            "zh": f"Inception{CONFIG} 的参数形状为 {shapes}，装不下课程中该块的参数 "
                  f"{[tuple(t.shape) for t in source]}（六个带偏置的卷积）"}))
    atol = tolerance(device, kind="layers").atol  # a few convolutions: TF32 on a GPU (grader.checking.tolerances)
    if not block.load_parameters_from(ref, probe=torch.randn(2, 6, 7, 7), atol=atol):
        block.load_parameters_from(ref)  # the likeliest filling, to find the path that differs
    x = torch.randn(X_SHAPE)
    with torch.no_grad():
        expected = ref(x)
    what = {"en": f"Inception{CONFIG} applied to a batch of shape {X_SHAPE}",
            "zh": f"Inception{CONFIG} 作用于形状为 {X_SHAPE} 的一批输入"}
    out = expect_shape(block(x), expected.shape, what, hint={"en": "22 = 4 + 7 + 3 + 8 channels, height and width kept",
                                                             "zh": "22 = 4 + 7 + 3 + 8 个通道，高和宽保持不变"})
    first, last, hint = PATHS[path]
    wanted = out.clone()  # the other paths' channels as they came: only this path's are compared
    wanted[:, first:last] = expected[:, first:last]
    expect_close(out, wanted, {"en": f"under the course block's weights, the block of output channels {first} to {last - 1}",
                               "zh": f"载入课程中该块的权重后，第 {first} 到第 {last - 1} 个输出通道"},
                 device=device, kind="layers", hint=hint)


def test_path_1x1(submission, reference, device):
    _compare("path-1x1", submission, reference, device)


def test_path_3x3(submission, reference, device):
    _compare("path-3x3", submission, reference, device)


def test_path_5x5(submission, reference, device):
    _compare("path-5x5", submission, reference, device)


def test_path_pool(submission, reference, device):
    _compare("path-pool", submission, reference, device)
