"""Per-student parameter values, drawn from a seed of (student id, exercise id).

The draw uses SHA-256 rather than `random`, so a student's variant is the same on every
machine and every Python version: regrading never changes what a student was asked.
"""

from __future__ import annotations

import hashlib

from grader.bank.spec import IntRange, Question, QuizExercise
from grader.errors import SpecError
from grader.i18n import _
from grader.judge.expr import AUTHOR_LIMITS, parse_relation
from grader.judge.scope import exact, param_symbols, put_numbers

MAX_REDRAWS = 1000
PRACTICE = "practice"  # the variant of practice questions (and of `grader quiz` without an id)


def _pick(values, digest: bytes):
    number = int.from_bytes(digest[:8], "big")
    if isinstance(values, IntRange):
        return values.min + number % (values.max - values.min + 1)
    return values[number % len(values)]


def _draw_once(exercise: QuizExercise, student_id: str, attempt: int) -> dict[str, object]:
    chosen = {}
    for name, values in exercise.params.items():
        seed = f"{student_id}\x00{exercise.id}\x00{name}\x00{attempt}".encode()
        chosen[name] = _pick(values, hashlib.sha256(seed).digest())
    return chosen


def satisfies(exercise: QuizExercise, values: dict[str, object]) -> bool:
    """Do these parameter values meet the exercise's constraints?"""
    symbols = param_symbols(exercise.params)
    mapping = {symbols[n]: exact(v) for n, v in values.items() if n in symbols}
    return all(bool(put_numbers(parse_relation(text, symbols, AUTHOR_LIMITS), mapping)) for text in exercise.constraints)


def draw(exercise: QuizExercise, student_id: str) -> dict[str, object]:
    """The parameter values `student_id` sees in `exercise` (empty if it has no params)."""
    if not exercise.params:
        return {}
    for attempt in range(MAX_REDRAWS):
        values = _draw_once(exercise, student_id, attempt)
        if satisfies(exercise, values):
            return values
    raise SpecError(
        exercise.folder / "spec.yaml", _("no draw of params satisfied the constraints in {tries} tries").format(tries=MAX_REDRAWS),
        field="constraints", fix=_("widen the params or loosen the constraints"),
    )


def question_values(exercise: QuizExercise, question: Question, values: dict[str, object]) -> dict[str, object]:
    """The values `question` is asked with: the student's (`values`), or the practice variant's."""
    return draw(exercise, PRACTICE) if question.practice else values
