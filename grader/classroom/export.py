"""Grades out of the gradebook: a plain CSV, Gradescope results.json files, a Canvas CSV.

Every export reads the students' current gradings (`Gradebook.current`). A student whose
current grading failed gets empty cells (no grade is better than a wrong zero) and no
results.json; the functions return those students so the caller can name them.

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

Every cell goes through `untrusted_text.for_spreadsheet`: scores are written as numbers,
text (student ids above all) cannot start a formula (OWASP's CSV injection rule).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from grader.classroom.gradebook import Entry
from grader.paths import output_file, output_folder
from grader.reports.render import render
from grader.reports.untrusted_text import for_spreadsheet
from grader.submissions.reading import valid_id

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


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
    return open(output_file(path, "the CSV"), "w", newline="", encoding="utf-8")


def write_csv(entries: Sequence[Entry], path: Path) -> list[str]:
    """One row per student: `student`, a column per exercise, `total`. Returns the students left blank."""
    columns = exercise_columns(entries)
    blank = []
    with _writer(path) as f:
        writer = csv.writer(f)
        _row(writer, ["student", *columns, "total"])
        for entry in entries:
            if entry.result is None:
                blank.append(entry.student_id)
                _row(writer, [entry.student_id, *[""] * len(columns), ""])
                continue
            scores = {e.exercise_id: number(e.score) for e in entry.result.exercises}
            _row(writer, [entry.student_id, *[scores.get(c, "") for c in columns], number(entry.result.score)])
    return blank


def write_gradescope(entries: Sequence[Entry], folder: Path) -> list[str]:
    """`folder/<student>/results.json`, exactly as `grader check --json` writes it. Returns the students left out."""
    folder = output_folder(folder, "the folder for results.json files")
    skipped = []
    for entry in entries:
        if entry.result is None or not valid_id(entry.student_id):  # an id is a folder name: never '../x'
            skipped.append(entry.student_id)
            continue
        target = folder / entry.student_id
        target.mkdir(parents=True, exist_ok=True)
        (target / "results.json").write_text(render(entry.result, "json"), encoding="utf-8")
    return skipped


def write_canvas(entries: Sequence[Entry], path: Path, assignment: str) -> list[str]:
    """A Canvas gradebook-import CSV with one assignment column (see the module's assumptions)."""
    maximum = max((e.result.max_score for e in entries if e.result is not None), default=0)
    blank = []
    with _writer(path) as f:
        writer = csv.writer(f)
        _row(writer, [*CANVAS_COLUMNS, assignment])
        _row(writer, ["Points Possible", "", "", "", "", number(maximum)])
        for entry in entries:
            score = "" if entry.result is None else number(entry.result.score)
            if entry.result is None:
                blank.append(entry.student_id)
            _row(writer, [entry.student_id, "", entry.student_id, entry.student_id, "", score])
    return blank
