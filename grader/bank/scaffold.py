"""`grader init-bank DIR`: a small working bank to start a course from.

One quiz (a feedback rule limited to variants with `when_params:`) and one code exercise
with hidden and public checks, an evidence check against the reference, and two mutants.
It passes `grader validate --bank DIR` and `grader selftest --bank DIR` as written
(tests/test_init_bank.py holds it to that), so an author edits from a bank that works.
"""

from __future__ import annotations

from pathlib import Path

from grader.i18n import _
from grader.paths import output_folder

QUIZ_SPEC = '''\
id: conv-output
title: Output size of a convolution
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
    prompt: >
      An {{ n }}x{{ n }} input goes through nn.Conv2d(1, 1, kernel_size={{ k }}, padding={{ p }}).
      How wide is the output?
    answer: "n + 2*p - k + 1"
    feedback:
      - when: "n - k + 1"
        when_params: {p: [1, 2]}   # with p = 0 this is the right answer: name the mistake only where it is one
        say: "PyTorch's padding= pads each side: the width grows by 2*padding."
    verify:                        # trusted Python, run by validate: torch agrees with the key
      - "nn.Conv2d(1, 1, k, padding=p)(torch.zeros(1, 1, n, n)).shape[-1]"
  - id: pooling-channels
    type: choice
    prompt: "A 2x2 max-pooling layer takes 16 channels in. How many channels come out?"
    options: ["8", "16", "32", "4"]
    answer: b
'''

CODE_SPEC = '''\
id: corr2d
title: Two-dimensional cross-correlation
kind: code
topic: cnn-basics
description: Write conv.py with corr2d(X, K), the course's 2-D cross-correlation.
file: conv.py                # the student's file this exercise grades
symbols: [corr2d]
devices: [cpu]               # add cuda to run each device check on a GPU too, where there is one
checks:
  - id: matches-reference
    points: 3
    title: "corr2d equals the reference on random inputs"
    evidence: true           # only a correct corr2d can pass it: the other checks count once it passed
  - id: output-shape
    points: 1
    title: "corr2d's output has shape (n_h - k_h + 1, n_w - k_w + 1)"
'''

HIDDEN_CHECKS = '''\
"""Hidden checks for corr2d: the student's outputs against the reference's, on fresh inputs."""

import torch

from grader.checking.checks import expect_close


def test_matches_reference(submission, reference):
    corr2d = submission.function("conv:corr2d")
    for x_shape, k_shape in (((6, 7), (2, 3)), ((5, 5), (1, 4))):
        X, K = torch.randn(x_shape), torch.randn(k_shape)
        expect_close(corr2d(X, K), reference.corr2d(X, K), f"corr2d(X, K) for X {x_shape} and K {k_shape}",
                     hint="K is not flipped: that would be a convolution, not a cross-correlation")
'''

PUBLIC_CHECKS = '''\
"""Public checks for corr2d: students get these to test their own work."""

import torch

from grader.checking.checks import expect_shape


def test_output_shape(submission):
    Y = submission.call("conv:corr2d", torch.ones(6, 8), torch.ones(3, 2))
    expect_shape(Y, (4, 7), "corr2d(X, K) for X 6x8 and K 3x2",
                 hint="the output is (n_h - k_h + 1) x (n_w - k_w + 1)")
'''

REFERENCE = '''\
"""Reference solution for corr2d; mutants.yaml holds known-wrong edits of it."""

import torch


def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y
'''

MUTANTS = '''\
# Known-wrong versions of conv.py: `grader selftest` grades each and expects the checks
# named in caught-by to lose points on it.

flipped_kernel:
  mistake: The kernel is flipped (a convolution, not a cross-correlation).
  caught-by: [matches-reference]
  edits:
    - replace: |
        Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
      with: |
        Y[i, j] = (X[i : i + h, j : j + w] * K.flip(0, 1)).sum()

one_row_short:
  mistake: The output is one row and one column short.
  caught-by: [matches-reference, output-shape]
  edits:
    - replace: |
        Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
      with: |
        Y = torch.zeros((X.shape[0] - h, X.shape[1] - w))
'''

README = '''\
# A grader bank

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
    "exercises/conv-output/spec.yaml": QUIZ_SPEC,
    "exercises/corr2d/spec.yaml": CODE_SPEC,
    "exercises/corr2d/checks/reference.py": HIDDEN_CHECKS,
    "exercises/corr2d/public/shapes.py": PUBLIC_CHECKS,
    "solutions/corr2d/conv.py": REFERENCE,
    "solutions/corr2d/mutants.yaml": MUTANTS,
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
