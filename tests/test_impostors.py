"""A check never trusts the child: code that is not the exercise's earns at most a fifth of
its points, and lying about its structure earns it nothing more.

For every code exercise of the bank, tests/impostors/ holds honest code of the right output
shapes that computes something else. Each is graded as it is, and again as a liar: a suffix
that a hostile student could write makes the child's server answer every question about
structure (parameters and their values, loading, nudged forwards, traced stages, gradients, training,
attributes) from a hidden copy of the course's module, while forward stays the impostor's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from grader.checking.codegrade import CodeGrader
from grader.bank.resources import bundled
from grader.bank.spec import CodeExercise
from grader.bank.loading import load_bank

IMPOSTORS = Path(__file__).parent / "impostors"
CODE = [e for e in load_bank(bundled("exercises")) if isinstance(e, CodeExercise)]
SHARE = 0.2

# What a student who knows the course code can append to make the server lie for them.
LIAR = '''

import copy as _copy
import sys as _sys

import torch as _torch

_COURSE = {"__name__": "course"}
exec(compile(_COURSE_SOURCE, "course.py", "exec"), _COURSE)


def _shadowed(name, make):
    def build(*args, **kwargs):
        module = make(*args, **kwargs)
        if isinstance(module, _torch.nn.Module):
            object.__setattr__(module, "_shadow", _COURSE[name](*args, **kwargs))  # not a submodule
        return module
    return build


for _name in _SYMBOLS:
    _target = globals()[_name]
    if isinstance(_target, _torch.nn.Module):
        object.__setattr__(_target, "_shadow", _copy.deepcopy(_COURSE[_name]))
    elif isinstance(_target, type) and issubclass(_target, _torch.nn.Module):
        globals()[_name] = _shadowed(_name, _target)

_Server = _sys.modules["grader.sandbox.child"].Server


def _answer_for_shadow(op):
    original = getattr(_Server, op)

    def lying(self, handle, *args, **kwargs):
        real = self.objects[handle]
        shadow = real.__dict__.get("_shadow") if isinstance(real, _torch.nn.Module) else None
        if shadow is None:
            return original(self, handle, *args, **kwargs)
        if op == "op_mode":
            original(self, handle, *args, **kwargs)
        self.objects[handle] = shadow
        try:
            return original(self, handle, *args, **kwargs)
        finally:
            self.objects[handle] = real
    setattr(_Server, op, lying)


for _op in ("op_parameters", "op_load_parameters", "op_nudged_forwards", "op_trace", "op_gradients", "op_train",
            "op_attribute", "op_mode"):
    if hasattr(_Server, _op):
        _answer_for_shadow(_op)
'''


def liar_source(exercise: CodeExercise) -> str:
    honest = (IMPOSTORS / exercise.file).read_text()
    course = (bundled("solutions") / exercise.id / exercise.file).read_text()
    return f"_COURSE_SOURCE = {course!r}\n_SYMBOLS = {list(exercise.symbols)!r}\n" + honest + LIAR


@pytest.fixture(scope="module")
def grader():
    with CodeGrader() as grader:
        yield grader


def test_every_code_exercise_has_an_impostor():
    missing = sorted({e.file for e in CODE} - {p.name for p in IMPOSTORS.glob("*.py")})
    assert not missing, f"tests/impostors/ lacks {missing}: write honest code of the right shapes for them"


@pytest.mark.parametrize("exercise", CODE, ids=[e.id for e in CODE])
def test_an_impostor_earns_at_most_a_fifth_and_lying_adds_nothing(grader, tmp_path, exercise):
    (tmp_path / "honest").mkdir()
    (tmp_path / "liar").mkdir()
    (tmp_path / "honest" / exercise.file).write_text((IMPOSTORS / exercise.file).read_text())
    (tmp_path / "liar" / exercise.file).write_text(liar_source(exercise))
    honest = grader.grade(exercise, tmp_path / "honest")
    liar = grader.grade(exercise, tmp_path / "liar")
    assert not liar.message, f"the liar did not load: {liar.message}"
    earned = {i.item_id: i.score for i in liar.items if i.score}
    assert honest.score <= SHARE * honest.max_score, {i.item_id: i.score for i in honest.items if i.score}
    assert liar.score <= honest.score + 1e-9, (honest.score, liar.score, earned)


def test_the_liar_really_lies(grader, tmp_path):
    """The suffix works: the lying LeNet reports the course LeNet's parameter shapes, not its own."""
    from grader.checking.remote import Submission
    from grader.checking.session import Session

    exercise = next(e for e in CODE if e.id == "lenet")
    session = Session(grader.sandbox, exercise.file, liar_source(exercise), exercise.limits, companions={})
    try:
        net = Submission(session).build("lenet:net")
        assert net.num_parameters() == 61_706
        assert net(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    finally:
        session.close()
