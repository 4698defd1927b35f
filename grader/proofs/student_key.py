"""`grader key --student ID`: one student's quiz variant with every key, proven on that variant.

For an instructor settling a dispute: the numbers the student was asked with, each
question's key as the author wrote it, its value on this variant, and whether
`grader validate`'s proof holds on this very variant (feedback rules and `verify:`
expressions agree). Only the full bank has graded keys: a handout's bank is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from grader.bank.prompts import render_text
from grader.bank.spec import CodeExercise, QuizExercise
from grader.bank.variants import PRACTICE, draw, question_values
from grader.errors import GraderError
from grader.proofs.validate import Validation, prove_on
from grader.quiz.keys import key_value


class KeySheetError(GraderError):
    """A key sheet that cannot be made as asked (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class KeyLine:
    question_id: str
    points: float
    practice: bool  # asked with the practice variant's numbers, the same for everyone
    prompt: str
    key: str  # as the author wrote it
    value: str  # on this student's variant (or the practice one)
    proof: tuple[str, ...]  # what failed when it was proven on this variant; () when it holds


@dataclass(frozen=True)
class KeySheet:
    exercise_id: str
    title: str
    student_id: str
    params: dict[str, object]
    practice_params: dict[str, object]
    lines: tuple[KeyLine, ...]
    verified: int  # verify expressions that agreed on this variant


def _shown(value) -> str:
    if isinstance(value, sympy.Basic):
        return str(int(value)) if value.is_Integer else sympy.sstr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value)


def key_sheet(exercise: QuizExercise, student_id: str) -> KeySheet:
    """`student_id`'s variant of `exercise`, each key with its value, proven on that variant."""
    if exercise.handout:
        raise KeySheetError(f"{exercise.id} comes from a handout's bank, which has no graded keys; run grader key with "
                        "the course's full bank (--bank DIR of the course repository)")
    values, practice = draw(exercise, student_id), draw(exercise, PRACTICE)
    lines, verified = [], 0
    for index, question in enumerate(exercise.questions):
        asked = question_values(exercise, question, values)
        report = Validation()
        prove_on(exercise, index, question, [asked], report)
        verified += report.verified
        key = question.answer if not isinstance(question.answer, list) else ", ".join(map(str, question.answer))
        value = _shown(key_value(exercise, question, asked))
        if question.type in ("choice", "multi"):
            options = question.option_map
            letters = value.strip("[]").split(", ")
            value = "; ".join(f"{letter}) {render_text(options.get(letter, ''), asked)}" for letter in letters)
        lines.append(KeyLine(question.id, question.points, question.practice, render_text(question.prompt, asked),
                             str(key), value, tuple(str(f) for f in report.findings)))
    return KeySheet(exercise.id, exercise.title, student_id, values, practice, tuple(lines), verified)


def key_sheets(exercises, student_id: str, only: list[str] | None = None) -> list[KeySheet]:
    """The key sheets of every quiz (or those `only` names); a code exercise named there has no key."""
    for exercise in exercises:
        if only and exercise.id in only and isinstance(exercise, CodeExercise):
            raise KeySheetError(f"{exercise.id} is a code exercise: its checks compare the student's code with the "
                            "reference, there is no key to show; see the student's report")
    return [key_sheet(e, student_id) for e in exercises
            if isinstance(e, QuizExercise) and (not only or e.id in only)]
