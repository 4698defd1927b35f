"""`grader init-bank DIR`: a small working bank to start a course from.

One quiz (a feedback rule limited to variants with `when_params:`) and one code exercise
with hidden and public checks, an evidence check against the reference, and two mutants. Its
bank.yaml declares English and Chinese, so every text a person reads (spec, checks' messages,
mutants' mistakes) is given in both, as in the bundled bank; `grader validate` proves it. The
code exercise is a warm-up of its own (a moving average), not a course's: the grader ships
no working solution of any exercise a course bank grades.
It passes `grader validate --bank DIR` and `grader selftest --bank DIR` as written
(tests/test_init_bank.py holds it to that), so an author edits from a bank that works.
"""

from __future__ import annotations

from pathlib import Path

from grader.i18n import _
from grader.paths import output_folder

QUIZ_SPEC = '''\
id: conv-output
title: {en: Output size of a convolution, zh: 卷积的输出大小}
kind: quiz
topic: cnn-basics
params:                      # each student gets their own values, seeded by their id
  n: {min: 8, max: 32}       # an integer range, inclusive
  k: [3, 5]                  # a list: one is picked
  p: [0, 1, 2]
questions:
  - id: width
    type: numeric
    points: 2
    prompt:
      en: >
        An {{ n }}x{{ n }} input goes through nn.Conv2d(1, 1, kernel_size={{ k }}, padding={{ p }}).
        How wide is the output?
      zh: "{{ n }}x{{ n }} 的输入经过 nn.Conv2d(1, 1, kernel_size={{ k }}, padding={{ p }})，输出有多宽？"
    answer: "n + 2*p - k + 1"
    feedback:
      - when: "n - k + 1"
        when_params: {p: [1, 2]}   # with p = 0 this is the right answer: name the mistake only where it is one
        say:
          en: "PyTorch's padding= pads each side: the width grows by 2*padding."
          zh: "PyTorch 的 padding= 在两侧都填充：宽度增加 2*padding。"
    verify:                        # trusted Python, run by validate: torch agrees with the key
      - "nn.Conv2d(1, 1, k, padding=p)(torch.zeros(1, 1, n, n)).shape[-1]"
  - id: pooling-channels
    type: choice
    prompt:
      en: "A 2x2 max-pooling layer takes 16 channels in. How many channels come out?"
      zh: "一个 2x2 最大池化层输入 16 个通道，输出多少个通道？"
    options: ["8", "16", "32", "4"]
    answer: b
'''

CODE_SPEC = '''\
id: moving-average
title: {en: Moving average of a sequence, zh: 序列的滑动平均}
kind: code
topic: warm-up
description:
  en: >
    Write smooth.py with moving_average(x, k): the mean of every k consecutive values of the
    1-D tensor x, a tensor of len(x) - k + 1 values.
  zh: "编写 smooth.py，其中 moving_average(x, k) 返回一维张量 x 中每 k 个相邻值的平均，共 len(x) - k + 1 个值。"
file: smooth.py              # the student's file this exercise grades
symbols: [moving_average]
devices: [cpu]               # add cuda to run each device check on a GPU too, where there is one
checks:
  - id: matches-reference
    points: 3
    title: {en: "moving_average equals the reference on random inputs", zh: "在随机输入上 moving_average 与参考解相同"}
    evidence: true           # only a correct moving_average can pass it: the other checks count once it passed
  - id: output-shape
    points: 1
    title: {en: "moving_average's output has len(x) - k + 1 values", zh: "moving_average 的输出有 len(x) - k + 1 个值"}
'''

HIDDEN_CHECKS = '''\
"""Hidden checks for moving_average: the student's outputs against the reference's, on fresh inputs."""

import torch

from grader.checking.checks import expect_close


def test_matches_reference(submission, reference):
    moving_average = submission.function("smooth:moving_average")
    for n, k in ((9, 3), (6, 1), (5, 5)):
        x = torch.randn(n)
        expect_close(moving_average(x, k), reference.moving_average(x, k),
                     {"en": f"moving_average(x, {k}) for {n} values", "zh": f"{n} 个值的 moving_average(x, {k})"},
                     hint={"en": "the mean of x[i], ..., x[i + k - 1] for each i: divide the window's sum by k",
                           "zh": "对每个 i 求 x[i], ..., x[i + k - 1] 的平均：窗口之和要除以 k"})
'''

PUBLIC_CHECKS = '''\
"""Public checks for moving_average: students get these to test their own work."""

import torch

from grader.checking.checks import expect_shape


def test_output_shape(submission):
    y = submission.call("smooth:moving_average", torch.ones(8), 3)
    expect_shape(y, (6,), {"en": "moving_average(x, 3) for 8 values", "zh": "8 个值的 moving_average(x, 3)"},
                 hint={"en": "a window fits len(x) - k + 1 times", "zh": "窗口能放下 len(x) - k + 1 次"})
'''

# The starter's code exercise is a warm-up of its own, not one of a course's: an installed
# grader carries no working solution of any exercise a course bank grades.
REFERENCE = '''\
"""Reference solution for moving-average; mutants.yaml holds known-wrong edits of it."""

import torch


def moving_average(x, k):
    y = torch.zeros(len(x) - k + 1)
    for i in range(len(y)):
        y[i] = x[i : i + k].sum() / k
    return y
'''

MUTANTS = '''\
# Known-wrong versions of smooth.py: `grader selftest` grades each and expects the checks
# named in caught-by to lose points on it. A mistake is said in each of the bank's languages.

sum_not_mean:
  mistake: {en: "The window's sum, not its mean.", zh: "算的是窗口之和，不是平均。"}
  caught-by: [matches-reference]
  edits:
    - replace: |
        y[i] = x[i : i + k].sum() / k
      with: |
        y[i] = x[i : i + k].sum()

one_short:
  mistake: {en: The output is one value short., zh: 输出少了一个值。}
  caught-by: [matches-reference, output-shape]
  edits:
    - replace: |
        y = torch.zeros(len(x) - k + 1)
      with: |
        y = torch.zeros(len(x) - k)
'''

# The bank's settings: the languages every text is given in (grader validate proves it).
BANK_SETTINGS = '''\
# Every text a person reads is given in English and Chinese: {en: ..., zh: ...}.
# grader validate proves it; delete this line to write in one language only.
languages: [en, zh]
'''

README = '''\
# A grader bank

    exercises/bank.yaml          the languages every text is given in (en and zh)
    exercises/<id>/spec.yaml     what an exercise asks and how it is graded (docs/specs.md)
    exercises/<id>/checks/*.py   hidden checks, test_<check_id> functions (docs/checks.md)
    exercises/<id>/public/*.py   checks students get
    solutions/<id>/<file>        the reference solution of a code exercise
    solutions/<id>/mutants.yaml  known-wrong edits of it that the checks must catch

    grader validate --bank .     every spec loads and every answer key is proven
    grader selftest --bank .     references score full marks, every mutant is caught
    grader check SUBMISSION --bank .
'''

FILES = {
    "README.md": README,
    "exercises/bank.yaml": BANK_SETTINGS,
    "exercises/conv-output/spec.yaml": QUIZ_SPEC,
    "exercises/moving-average/spec.yaml": CODE_SPEC,
    "exercises/moving-average/checks/reference.py": HIDDEN_CHECKS,
    "exercises/moving-average/public/shapes.py": PUBLIC_CHECKS,
    "solutions/moving-average/smooth.py": REFERENCE,
    "solutions/moving-average/mutants.yaml": MUTANTS,
}


def init_bank(folder: Path) -> list[Path]:
    """Write the starter bank into `folder` (new or empty); the files written, in order."""
    folder = output_folder(folder, _("the bank's folder"), empty=True)
    written = []
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
