"""What went wrong in a graded submission, sorted into the kinds an instructor acts on.

A grading can succeed and still say little of the student's work: the file died at import
(`ModuleNotFoundError: No module named 'd2l'`), was never handed in, was refused unread (a link,
over the size limit, not UTF-8), or ran out of time or memory. The class report lists those apart from the scores (grader.classroom.class_report).
The kinds are read from the statuses and the grader's own messages (checking/session.py,
grading.py), in whichever language they were said (grader.i18n.is_said), never from anything
the student's code said about itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.checking import session
from grader.grading import NO_ANSWER_FOR
from grader.i18n import N_, _, is_said
from grader.reports.results import ExerciseResult, Status, SubmissionResult
from grader.submissions.notebook_extract import without_note

IMPORT_FAILURE = N_("import failure")
NOT_SUBMITTED = N_("not submitted")
BUDGET = N_("time budget")
TIME_LIMIT = N_("time limit")
MEMORY_LIMIT = N_("memory limit")
SUBMISSION = N_("submission")  # a problem of the whole folder (an unreadable answers.yaml)
FILE_REFUSED = N_("file refused")  # a link, a pipe, too large, not UTF-8, a notebook that cannot be read

# (kind, messages of ours that say it), first match wins
_SIGNS = (
    (BUDGET, (session.BUDGET_RAN_OUT,)),
    (TIME_LIMIT, (session.TIMED_OUT, session.PAST_EXERCISE_LIMIT, session.EXERCISE_LIMIT_RAN_OUT)),
    (MEMORY_LIMIT, session.OUT_OF_MEMORY),
)


@dataclass(frozen=True)
class Trouble:
    student_id: str
    where: str  # the exercise id, or "" for the whole submission
    kind: str  # one of the kinds above, as written here (a template translates it)
    message: str


def _says(text: str, templates, *, start: bool = False) -> bool:
    return any(is_said(text, template, start=start) for template in templates)


def exercise_trouble(student_id: str, exercise: ExerciseResult) -> Trouble | None:
    """The one kind of trouble that best explains `exercise`'s score, if any."""
    if exercise.items and all(item.status is Status.NOT_SUBMITTED for item in exercise.items):
        return Trouble(student_id, exercise.exercise_id, NOT_SUBMITTED, exercise.message or _("not submitted"))
    ours = without_note(exercise.message)  # a notebook's extraction note quotes the student's code
    if exercise.kind == "code" and _says(ours, session.IMPORT_FAILURES, start=True):
        return Trouble(student_id, exercise.exercise_id, IMPORT_FAILURE, exercise.message)
    for kind, templates in _SIGNS:
        for text in (ours, *(item.message for item in exercise.items if not item.status.counts_as_pass)):
            # what follows "your code raised" is the student's exception: never read for a kind
            if not _says(text, session.RAISED, start=True) and _says(text, templates):
                return Trouble(student_id, exercise.exercise_id, kind, text)
    if is_said(exercise.message, NO_ANSWER_FOR, start=True):
        return Trouble(student_id, exercise.exercise_id, NOT_SUBMITTED, exercise.message)
    if exercise.kind == "code" and exercise.message and exercise.items and all(
            item.status is Status.FAILED and item.message == exercise.message for item in exercise.items):
        # the grader refused the file before any check ran (checking/codegrade.py): its one message, for every item
        return Trouble(student_id, exercise.exercise_id, FILE_REFUSED, exercise.message)
    return None


def troubles(result: SubmissionResult) -> list[Trouble]:
    """Every trouble of one graded submission: its folder's problems, then one per exercise at most."""
    found = [Trouble(result.student_id, "", SUBMISSION, problem) for problem in result.problems]
    return found + [t for e in result.exercises if (t := exercise_trouble(result.student_id, e)) is not None]
