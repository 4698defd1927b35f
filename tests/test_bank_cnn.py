"""The modern-CNN code exercises: alexnet, vgg-block, nin-block, inception.

One selftest grades every reference (full marks) and every mutant (it loses the checks its
docstring names, with a message that names the mistake); correct blocks written in other
styles (own names, submodules registered out of order, functional layers) get full marks.
AlexNet is heavy on a 2-core CPU, so everything here shares one grader and one selftest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.bank.loading import load_exercise
from grader.bank.resources import bundled
from grader.checking.codegrade import CodeGrader
from grader.proofs.selftest import selftest
from grader.reports.results import Status

EXERCISES = ["alexnet", "vgg-block", "nin-block", "inception"]
REQUIRED_MUTANTS = {
    "alexnet": {"sigmoid", "no_dropout", "functional_dropout"},
    "vgg-block": {"pool_stride_one", "no_padding"},
    "nin-block": {"three_by_three", "no_last_relu"},
    "inception": {"pool_path_without_pool", "five_by_five_padding_one", "concat_on_batch_dim"},
}
# A phrase that the failing check's message must hold, naming the mistake (mutant: (check, phrase)).
MESSAGES = {
    "sigmoid": ("matches-reference", "not sigmoid"),
    "no_dropout": ("dropout", "nn.Dropout(0.5)"),
    "functional_dropout": ("eval-determinism", "training=self.training"),
    "padded_first_conv": ("matches-reference", "the first convolution unpadded"),
    "sigmoid_dense": ("matches-reference", "not sigmoid"),
    "dense_without_dropout": ("dropout", "nn.Dropout(0.5)"),
    "first_conv_unpadded": ("matches-reference", "the first convolution padded by 1"),
    "average_pooling": ("matches-reference", "3x3 max pooling"),
    "dropout_always_on": ("eval-determinism", "training=self.training"),
    "three_by_three_no_padding": ("stage-shapes", "padding 1"),
    "pool_stride_one": ("output-shape", "stride=2"),
    "no_padding": ("output-shape", "padding=1"),
    "channels_not_updated": ("output-shape", "every later one takes out_channels"),
    "shared_conv": ("parameter-count", "share one set of weights"),
    "relu_once": ("matches-reference", "ReLU after every convolution"),
    "three_by_three": ("pointwise", "must be 1x1"),
    "kernel_args_reused": ("output-shape", "the two 1x1 convolutions have kernel_size=1"),
    "stride_padding_swapped": ("output-shape", "kernel_size, stride, padding"),
    "no_last_relu": ("matches-reference", "needs a ReLU after it"),
    "pool_path_without_pool": ("path-pool", "3x3 max pooling"),
    "avg_pool_path": ("path-pool", "3x3 max pooling"),
    "no_relu_after_reduce": ("path-3x3", "path 2 is a 1x1 convolution"),
    "five_by_five_padding_one": ("output-shape", "the 5x5 with padding=2"),
    "concat_on_batch_dim": ("output-shape", "dim=1"),
}

ALEXNET_HEAD_FIRST = '''
import torch.nn.functional as F
from torch import nn


class AlexNet(nn.Module):
    """The dense head registered first, the 3x3 convolutions out of order, functional pooling."""

    def __init__(self):
        super().__init__()
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(p=0.5),
                                  nn.Linear(4096, 10))
        self.c1 = nn.Conv2d(1, 96, 11, stride=4)
        self.c5 = nn.Conv2d(384, 256, 3, padding=1)
        self.c2 = nn.Conv2d(96, 256, 5, padding=2)
        self.c4 = nn.Conv2d(384, 384, 3, padding=1)
        self.c3 = nn.Conv2d(256, 384, 3, padding=1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 3, 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 3, 2)
        x = F.relu(self.c4(F.relu(self.c3(x))))
        return self.head(F.max_pool2d(F.relu(self.c5(x)), 3, 2))
'''

VGG_MODULE_LIST = '''
import torch.nn.functional as F
from torch import nn


class VGGBlock(nn.Module):
    def __init__(self, n, c_in, c_out):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(c_in if i == 0 else c_out, c_out, (3, 3), padding=(1, 1)) for i in range(n))

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return F.max_pool2d(x, 2)


vgg_block = VGGBlock
'''

NIN_ORDERED_DICT = '''
from collections import OrderedDict

from torch import nn


def nin_block(in_channels, out_channels, kernel_size, stride, padding):
    return nn.Sequential(OrderedDict([
        ("spatial", nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, stride=stride, padding=padding)),
        ("act0", nn.ReLU(inplace=True)),
        ("mlp1", nn.Conv2d(out_channels, out_channels, 1)),
        ("act1", nn.ReLU(inplace=True)),
        ("mlp2", nn.Conv2d(out_channels, out_channels, (1, 1))),
        ("act2", nn.ReLU(inplace=True)),
    ]))
'''

INCEPTION_REVERSED = '''
import torch
import torch.nn.functional as F
from torch import nn


class Inception(nn.Module):
    """Branches registered last to first; the pooling is functional."""

    def __init__(self, in_c, c1, c2, c3, c4):
        super().__init__()
        self.pool_proj = nn.Conv2d(in_c, c4, 1)
        self.b5 = nn.Sequential(nn.Conv2d(in_c, c3[0], 1), nn.ReLU(), nn.Conv2d(c3[0], c3[1], 5, padding=2), nn.ReLU())
        self.b3 = nn.Sequential(nn.Conv2d(in_c, c2[0], 1), nn.ReLU(), nn.Conv2d(c2[0], c2[1], 3, padding=1), nn.ReLU())
        self.b1 = nn.Conv2d(in_c, c1, 1)

    def forward(self, x):
        pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        return torch.cat([F.relu(self.b1(x)), self.b3(x), self.b5(x), F.relu(self.pool_proj(pooled))], dim=-3)
'''

OTHER_STYLES = {
    "alexnet": ("alexnet.py", ALEXNET_HEAD_FIRST),
    "vgg-block": ("vgg.py", VGG_MODULE_LIST),
    "nin-block": ("nin.py", NIN_ORDERED_DICT),
    "inception": ("googlenet.py", INCEPTION_REVERSED),
}


@pytest.fixture(scope="module")
def grader():
    with CodeGrader() as grader:
        yield grader


@pytest.fixture(scope="module")
def proof(grader):
    return selftest(EXERCISES, grader=grader)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_gets_full_marks(proof, exercise_id):
    outcome = next(r for r in proof.references if r.exercise_id == exercise_id)
    assert outcome.full_marks, [(i.item_id, i.message) for i in outcome.result.items if i.status == Status.FAILED]


def test_every_mutant_is_caught_by_the_checks_it_names(proof):
    assert proof.ok and proof.mutation_score == 1.0, [(m.name, m.caught_by, m.lost) for m in proof.mutants if not m.caught]
    for exercise_id, required in REQUIRED_MUTANTS.items():
        names = {m.name for m in proof.mutants if m.exercise_id == exercise_id}
        assert required <= names and len(names) >= 3, (exercise_id, names)


@pytest.mark.parametrize("mutant", sorted(MESSAGES))
def test_the_failing_check_names_the_mistake(proof, mutant):
    outcome = next(m for m in proof.mutants if m.name == mutant)
    check, phrase = MESSAGES[mutant]
    item = next(i for i in outcome.result.items if i.item_id == check)
    assert item.status == Status.FAILED and phrase in item.message, item.message


def test_every_mutant_has_its_message_here(proof):
    assert {m.name for m in proof.mutants} == set(MESSAGES)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_a_correct_block_in_another_style_gets_full_marks(grader, tmp_path, exercise_id):
    file, source = OTHER_STYLES[exercise_id]
    (tmp_path / file).write_text(source)
    result = grader.grade(load_exercise(bundled("exercises") / exercise_id), tmp_path)
    assert result.score == result.max_score and result.passed, [
        (i.item_id, i.message) for i in result.items if i.status != Status.PASSED and i.message]


def test_the_example_student_loses_points_only_on_the_nin_block(grader):
    example = Path(__file__).resolve().parent.parent / "examples" / "submission"
    if not (example / "nin.py").is_file():
        pytest.skip("the example submission is not in this checkout")
    lost = {}
    for exercise_id in ("vgg-block", "nin-block", "inception"):  # alexnet's are graded above in another style
        result = grader.grade(load_exercise(bundled("exercises") / exercise_id), example)
        lost[exercise_id] = {i.item_id for i in result.items if i.score < i.max_score}
    # 3x3 where 1x1 belongs: no evidence check passes, so its right output shape does not count either
    assert lost == {"vgg-block": set(), "nin-block": {"parameter-count", "pointwise", "matches-reference", "output-shape"},
                    "inception": set()}
