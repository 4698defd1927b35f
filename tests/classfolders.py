"""A synthetic class for the fixture bank: folders of right, wrong and broken answers.

Each student's right answers follow their own quiz variant; the wrong ones are the
mistakes the bank's feedback rules name, plus a few that no rule matches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURE_BANK, REPO


def grader(*args, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess:
    """`grader ARGS...` as a subprocess, as an operator runs it."""
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


def answers_for(student: str, mistakes: set[str] = frozenset()) -> dict:
    """The fixture bank's answers of `student`: right, except the named mistakes."""
    from grader.bank.loading import load_bank
    from grader.bank.variants import draw

    bank = {e.id: e for e in load_bank(FIXTURE_BANK)}
    p, n = draw(bank["layer-count"], student), draw(bank["shapes-and-choices"], student)["n"]
    weights = p["c_out"] * p["c_in"] * p["k"] ** 2
    answers = {
        "layer-count": {"count": weights + p["c_out"], "ratio": "1/3", "out-height": "floor((n_h + p_h - k_h)/s_h) + 1"},
        "shapes-and-choices": {"pooled": [2, 6, n // 2, n // 2], "norm-axis": "b", "gates": ["a", "b", "c"]},
    }
    wrong = {
        "no-bias": ("layer-count", "count", weights),  # matches a feedback rule
        "count-typo": ("layer-count", "count", 7),  # matches none
        "no-floor": ("layer-count", "out-height", "(n_h + p_h - k_h)/s_h + 1"),  # a rule
        "channels": ("shapes-and-choices", "pooled", [2, 3, n // 2, n // 2]),  # a rule
        "batchnorm": ("shapes-and-choices", "norm-axis", "a"),  # a rule
        "gru-gate": ("shapes-and-choices", "gates", ["a", "b", "d"]),  # partly right
    }
    for mistake in mistakes:
        exercise, question, value = wrong[mistake]
        answers[exercise][question] = value
    return answers


MISTAKES = [set(), {"no-bias"}, {"no-floor", "batchnorm"}, {"channels"}, {"count-typo", "gru-gate"},
            {"no-bias", "no-floor"}, set(), {"batchnorm"}]


def write_student(folder: Path, student: str, answers: dict | str | None) -> Path:
    """A submission folder: student.yaml, and answers.yaml (a dict, raw text, or none)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "student.yaml").write_text(f"id: {student}\n")
    if answers is not None:
        (folder / "answers.yaml").write_text(answers if isinstance(answers, str) else json.dumps(answers))
    return folder


def make_class(root: Path, size: int = 20) -> Path:
    """`size` students s00.. with varied answers; one has an unreadable answers.yaml, one none."""
    for i in range(size):
        student = f"s{i:02d}"
        if i == size - 1:
            answers = "layer-count: {count: [\n"  # broken YAML: graded with a problem, scores 0
        elif i == size - 2:
            answers = None  # nothing answered
        else:
            answers = answers_for(student, MISTAKES[i % len(MISTAKES)])
        write_student(root / f"folder-{student}", student, answers)
    return root


PROBE_RIGHT = "def double(x):\n    return 2 * x\n"
PROBE_D2L = "from d2l import torch as d2l  # the course's helper library, not installed where grading runs\n\n\ndef double(x):\n    return 2 * x\n"


def mixed_bank(root: Path) -> Path:
    """A bank of the fixture quizzes and the sandbox tests' code exercise (`probe.py`: double(x))."""
    import shutil

    tests = Path(__file__).parent
    shutil.copytree(FIXTURE_BANK, root / "exercises")
    shutil.copytree(tests / "sandbox_bank" / "probe", root / "exercises" / "probe")
    shutil.copytree(tests / "sandbox_bank_solutions", root / "solutions")
    return root
