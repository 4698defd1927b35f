"""What went wrong in a graded submission, sorted into the kinds an instructor acts on.

A grading can succeed and still say little of the student's work: the file died at import
(`ModuleNotFoundError: No module named 'd2l'`), was never handed in, or ran out of time or
memory. The class report lists those apart from the scores (grader.classroom.class_report).
The kinds are read from the statuses and the grader's own messages (checking/session.py,
grading.py), never from anything the student's code said about itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.reports.results import ExerciseResult, Status, SubmissionResult
from grader.submissions.notebook_extract import without_note

IMPORT_FAILURE = "import failure"
NOT_SUBMITTED = "not submitted"
BUDGET = "time budget"
TIME_LIMIT = "time limit"
MEMORY_LIMIT = "memory limit"
SUBMISSION = "submission"  # a problem of the whole folder (an unreadable answers.yaml)

# (kind, signs in a message of ours), first match wins
_SIGNS = (
    (BUDGET, ("the time budget for this submission",)),
    (TIME_LIMIT, ("timed out after", "ran past the time limit", "time limit for this exercise")),
    (MEMORY_LIMIT, ("your code ran out of memory (the limit is",)),
)
STUDENT_TEXT = "your code raised "  # what follows is the student's exception: never read for a kind
_IMPORT_SIGNS = ("has a syntax error at line", "exited at import", ", at import, ")  # and "importing X failed"


@dataclass(frozen=True)
class Trouble:
    student_id: str
    where: str  # the exercise id, or "" for the whole submission
    kind: str
    message: str


def exercise_trouble(student_id: str, exercise: ExerciseResult) -> Trouble | None:
    """The one kind of trouble that best explains `exercise`'s score, if any."""
    if exercise.items and all(item.status is Status.NOT_SUBMITTED for item in exercise.items):
        return Trouble(student_id, exercise.exercise_id, NOT_SUBMITTED, exercise.message or "not submitted")
    ours = without_note(exercise.message)  # a notebook's extraction note quotes the student's code
    if exercise.kind == "code" and (ours.startswith("importing ") or any(sign in ours for sign in _IMPORT_SIGNS)):
        return Trouble(student_id, exercise.exercise_id, IMPORT_FAILURE, exercise.message)
    for kind, signs in _SIGNS:
        for text in (ours, *(item.message for item in exercise.items if not item.status.counts_as_pass)):
            if not text.startswith(STUDENT_TEXT) and any(sign in text for sign in signs):
                return Trouble(student_id, exercise.exercise_id, kind, text)
    if exercise.message.startswith("no answer in answers.yaml"):
        return Trouble(student_id, exercise.exercise_id, NOT_SUBMITTED, exercise.message)
    return None


def troubles(result: SubmissionResult) -> list[Trouble]:
    """Every trouble of one graded submission: its folder's problems, then one per exercise at most."""
    found = [Trouble(result.student_id, "", SUBMISSION, problem) for problem in result.problems]
    return found + [t for e in result.exercises if (t := exercise_trouble(result.student_id, e)) is not None]
