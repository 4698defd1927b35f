"""Grades out of the gradebook: a plain CSV, and score imports for Gradescope, Canvas and Moodle.

Every export reads the students' current gradings (`Gradebook.current`), with the
instructor's overrides applied (grader.classroom.overrides). A student whose current
grading failed gets empty cells (no grade is better than a wrong zero); the functions
return those students so the caller can name them. Where a format has a place for text,
each override is said there with its comment.

Gradescope assumptions (an assignment's "Import Scores", on its Review Grades page): the
CSV needs a header row, a column that identifies the student (Email or SID) and a score
column. We know no Gradescope emails, so our student id fills SID (give students their
Gradescope SID as `id:` in student.yaml), and Email too where the id is an address.

Canvas assumptions (its gradebook import, "Import" in the Gradebook's actions):
- Canvas matches a row to a student by the ID column (Canvas's internal user id), else by
  SIS User ID, else by SIS Login ID. We do not know Canvas's ids, so ID is left empty and
  our student id (from student.yaml, else the folder name) fills SIS User ID and SIS
  Login ID: give students their SIS id as `id:` in student.yaml.
- Student (the display name) holds our student id too; Canvas does not match on it.
  Section is left empty.
- The assignment column's header should name an existing assignment as Canvas writes it,
  "Name (123)" with its assignment id, or Canvas offers to create a new assignment.
- The second row, "Points Possible", carries the bank's maximum; Canvas reads it as the
  assignment's points when it creates one. Scores are points, not percentages.

Moodle assumptions (Grade administration > Import > CSV file): one row per student, a
column to match users by (we write our student id under "ID number": map it to the
user's ID number), a grade column and a feedback column (map them to the grade item and
its feedback).

Every cell goes through `untrusted_text.for_spreadsheet`: scores are written as numbers,
text (student ids above all) cannot start a formula (OWASP's CSV injection rule).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from grader.classroom.gradebook import Entry
from grader.i18n import _
from grader.paths import output_file
from grader.reports.render import points
from grader.reports.results import SubmissionResult
from grader.reports.untrusted_text import for_spreadsheet

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
GRADESCOPE_COLUMNS = ["SID", "Email", "Total Score"]
MOODLE_COLUMNS = ["ID number", "Grade", "Feedback"]


def number(value: float) -> int | float:
    """A score for a spreadsheet: 7.5, 2, 0.3333 (four decimals at most), a number, never text."""
    value = round(value, 4)
    return int(value) if value == int(value) else value


def _row(writer, cells) -> None:
    writer.writerow([for_spreadsheet(cell) for cell in cells])


def exercise_columns(entries: Sequence[Entry]) -> list[str]:
    """Exercise ids in bank order, over every graded entry (banks may differ between students)."""
    ids: dict[str, None] = {}
    for entry in entries:
        if entry.result is not None:
            ids.update((e.exercise_id, None) for e in entry.result.exercises)
    return list(ids)


def _writer(path: Path):
    return open(output_file(path, _("the CSV")), "w", newline="", encoding="utf-8")


def overrides_text(result: SubmissionResult) -> str:
    """Every override of `result` in one line: `lenet/shape: 2 (graded 0): accepted late fix; ...`."""
    return "; ".join((_("{target}: {score} (graded {graded}, {then} when it was set): {comment}") if o.changed else
                      _("{target}: {score} (graded {graded}): {comment}")).format(
        target=target, score=points(o.score), graded=points(o.graded), then=points(o.graded_then), comment=o.comment)
        for target, o in result.overrides)


def _write(path: Path, entries: Sequence[Entry], header: list, graded, blank=None, before: tuple = ()) -> list[str]:
    """A CSV of `header` (and the `before` rows), then a row per student: `graded(entry)` for a graded
    one, `blank(entry)` for one whose grading failed (no row without `blank`). Returns those students."""
    failed = []
    with _writer(path) as f:
        writer = csv.writer(f)
        for row in (header, *before):
            _row(writer, row)
        for entry in entries:
            if entry.result is None:
                failed.append(entry.student_id)
                if blank is not None:
                    _row(writer, blank(entry))
            else:
                _row(writer, graded(entry))
    return failed


def write_csv(entries: Sequence[Entry], path: Path) -> list[str]:
    """One row per student: `student`, a column per exercise, `total`, `overrides` (with their comments).
    Returns the students left blank."""
    columns = exercise_columns(entries)

    def graded(entry: Entry) -> list:
        scores = {e.exercise_id: number(e.score) for e in entry.result.exercises}
        return [entry.student_id, *[scores.get(c, "") for c in columns], number(entry.result.score),
                overrides_text(entry.result)]

    return _write(path, entries, ["student", *columns, "total", "overrides"], graded,
                  lambda entry: [entry.student_id, *[""] * len(columns), "", ""])


def write_gradescope(entries: Sequence[Entry], path: Path) -> list[str]:
    """A CSV for a Gradescope assignment's "Import Scores" (see the module's assumptions); a student
    whose grading failed has no row, so Gradescope keeps what it has rather than a blank."""
    return _write(path, entries, GRADESCOPE_COLUMNS, lambda entry: [
        entry.student_id, entry.student_id if "@" in entry.student_id else "", number(entry.result.score)])


def write_moodle(entries: Sequence[Entry], path: Path) -> list[str]:
    """A CSV for Moodle's grade import: ID number, grade, feedback (overrides and their comments)."""
    return _write(path, entries, MOODLE_COLUMNS,
                  lambda entry: [entry.student_id, number(entry.result.score), overrides_text(entry.result)],
                  lambda entry: [entry.student_id, "", ""])


def write_canvas(entries: Sequence[Entry], path: Path, assignment: str) -> list[str]:
    """A Canvas gradebook-import CSV with one assignment column (see the module's assumptions)."""
    maximum = max((e.result.max_score for e in entries if e.result is not None), default=0)

    def ids(entry: Entry) -> list:  # Student, ID (Canvas's own: unknown to us), SIS User ID, SIS Login ID, Section
        return [entry.student_id, "", entry.student_id, entry.student_id, ""]

    return _write(path, entries, [*CANVAS_COLUMNS, assignment], lambda entry: [*ids(entry), number(entry.result.score)],
                  lambda entry: [*ids(entry), ""], before=(["Points Possible", "", "", "", "", number(maximum)],))
