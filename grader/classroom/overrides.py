"""Hand adjustments: an instructor's score, with a comment, over a graded item or exercise.

    adjustment = adjust(gradebook.current(graded_only=True), "s1234", "lenet/shape", 2, "accepted late fix")
    gradebook.set_override(adjustment)

An override is kept in the gradebook apart from the gradings (grader.classroom.gradebook), so
every regrade, `grade --force` too, leaves it standing: it is applied each time a grading is
read (`apply_overrides`), and every report and export shows it. It remembers the grade under
it when it was made; when a regrade changes that grade, the override is flagged (`changed`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from grader.errors import GraderError
from grader.i18n import _, listed
from grader.reports.results import ExerciseResult, Override, SubmissionResult


@dataclass(frozen=True)
class Adjustment:
    """One stored override: whose, on what (`item_id` "" for the whole exercise), and why."""

    student_id: str
    exercise_id: str
    item_id: str
    score: float
    comment: str
    made_at: str
    graded_then: float  # the grade under it when it was made

    @property
    def target(self) -> str:
        return f"{self.exercise_id}/{self.item_id}" if self.item_id else self.exercise_id


def apply_overrides(result: SubmissionResult, adjustments: Sequence[Adjustment]) -> SubmissionResult:
    """`result` with `adjustments` (this student's) applied; one on an exercise or item the
    grading does not hold (graded with `-e`, or the bank changed) is left out."""
    by_target = {(a.exercise_id, a.item_id): a for a in adjustments}
    exercises = []
    for exercise in result.exercises:
        items = []
        for item in exercise.items:
            a = by_target.get((exercise.exercise_id, item.item_id))
            if a is not None:
                item = replace(item, score=a.score, override=_override(a, item.score))
            items.append(item)
        exercise = replace(exercise, items=tuple(items))
        a = by_target.get((exercise.exercise_id, ""))
        if a is not None:
            exercise = replace(exercise, override=_override(a, exercise.graded_score))
        exercises.append(exercise)
    return replace(result, exercises=tuple(exercises))


def _override(adjustment: Adjustment, graded: float) -> Override:
    return Override(adjustment.score, adjustment.comment, adjustment.made_at, graded, adjustment.graded_then)


class OverrideError(GraderError):
    """An override that names no graded student, exercise or check, or a score out of range (exit 2)."""

    exit_code = 2


def adjust(entries, student_id: str, target: str, score: float, comment: str) -> Adjustment:
    """A new override of `target` (`EXERCISE` or `EXERCISE/CHECK`) for `student_id`, checked against
    the student's current grading as graded (`entries`: `Gradebook.current(graded_only=True)`)."""
    exercise, item = _graded_target(entries, student_id, target)
    maximum = item.max_score if item is not None else exercise.max_score
    if not math.isfinite(score) or not 0 <= score <= maximum:
        raise OverrideError(_("--score {score:g} is out of range for {target}: give a score from 0 to {maximum:g}").format(
            score=score, target=target, maximum=maximum))
    if not comment.strip():
        raise OverrideError(_("--comment is empty: say why the score changes (the student's report shows it)"))
    graded = item.score if item is not None else exercise.graded_score
    return Adjustment(student_id, exercise.exercise_id, item.item_id if item is not None else "", score,
                      comment.strip(), datetime.now(timezone.utc).isoformat(timespec="seconds"), graded)


def split_target(target: str) -> tuple[str, str]:
    """`EXERCISE[/CHECK]` as (exercise id, item id or "")."""
    exercise_id, _slash, item_id = target.partition("/")
    if not exercise_id:
        raise OverrideError(_("{target!r}: name an exercise, as EXERCISE or EXERCISE/CHECK (e.g. lenet/shape)").format(
            target=target))
    return exercise_id, item_id


def _graded_target(entries, student_id: str, target: str):
    by_student = {e.student_id: e for e in entries}
    entry = by_student.get(student_id)
    if entry is None:
        known = listed(sorted(by_student)[:20]) or _("none yet")
        raise OverrideError(_("no student {student!r} in the gradebook (students: {known})").format(student=student_id,
                                                                                                   known=known))
    if entry.result is None:
        raise OverrideError(_("{student}'s current grading failed ({reason}); regrade it before overriding").format(
            student=student_id, reason=entry.message))
    exercise_id, item_id = split_target(target)
    exercises = {e.exercise_id: e for e in entry.result.exercises}
    exercise: ExerciseResult | None = exercises.get(exercise_id)
    if exercise is None:
        raise OverrideError(_("{student} was not graded on an exercise {exercise!r} (graded: {graded})").format(
            student=student_id, exercise=exercise_id, graded=listed(exercises) or _("none")))
    if not item_id:
        return exercise, None
    items = {i.item_id: i for i in exercise.items}
    if item_id not in items:
        raise OverrideError(_("{exercise} has no check or question {item!r} in {student}'s grading (its items: {items})")
                            .format(exercise=exercise_id, item=item_id, student=student_id, items=listed(items) or _("none")))
    return exercise, items[item_id]
