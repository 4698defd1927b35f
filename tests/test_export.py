"""`grader export`: a CSV, Gradescope results.json files and a Canvas CSV from a real gradebook."""

from __future__ import annotations

import csv

import pytest

from classfolders import answers_for, grader, make_class, write_student
from conftest import FIXTURE_BANK


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A class of 8 graded by `grader grade`, plus two folders claiming one id (failed to grade)."""
    root = tmp_path_factory.mktemp("export")
    subs = make_class(root / "class", size=8)
    write_student(subs / "twin-a", "twin", answers_for("twin"))
    write_student(subs / "twin-b", "twin", answers_for("twin"))
    result = grader("grade", subs, "--exercises", FIXTURE_BANK, "--gradebook", root / "gb.sqlite", "--jobs", "2")
    assert result.returncode == 1 and "graded 8, skipped 0 (unchanged), failed to grade 2" in result.stdout
    return root


def test_csv_has_a_row_per_student_a_column_per_exercise_and_the_total(book, tmp_path):
    result = grader("export", "--gradebook", book / "gb.sqlite", "--csv", tmp_path / "grades.csv")
    assert result.returncode == 0, result.stderr
    assert "no grade for 1 student(s) whose grading failed: twin" in result.stderr
    rows = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert list(rows[0]) == ["student", "layer-count", "shapes-and-choices", "total", "overrides"]
    by_student = {row["student"]: row for row in rows}
    assert sorted(by_student) == [f"s{i:02d}" for i in range(8)] + ["twin"]
    assert by_student["s00"] == {"student": "s00", "layer-count": "5", "shapes-and-choices": "5", "total": "10", "overrides": ""}
    assert by_student["s01"]["layer-count"] == "3"  # the bias was missing: 2 points lost
    assert by_student["s04"]["shapes-and-choices"] == "3"  # a multi-select with one wrong pick: 1 of 3 points
    assert by_student["twin"]["total"] == "" and by_student["s07"]["total"] == "0"


def test_gradescope_csv_is_what_its_import_scores_takes(book, tmp_path):
    result = grader("export", "--gradebook", book / "gb.sqlite", "--gradescope", tmp_path / "gs.csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader((tmp_path / "gs.csv").open()))
    assert rows[0] == ["SID", "Email", "Total Score"]
    assert ["s00", "", "10"] in rows and ["s01", "", "8"] in rows
    assert [row[0] for row in rows[1:]] == [f"s{i:02d}" for i in range(8)]  # no row for twin: Gradescope keeps its own
    folder = grader("export", "--gradebook", book / "gb.sqlite", "--gradescope", tmp_path)
    assert folder.returncode == 2 and "one CSV for Gradescope's Import Scores" in folder.stderr


def test_moodle_csv_has_id_number_grade_and_feedback(book, tmp_path):
    result = grader("export", "--gradebook", book / "gb.sqlite", "--moodle", tmp_path / "moodle.csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader((tmp_path / "moodle.csv").open()))
    assert rows[0] == ["ID number", "Grade", "Feedback"]
    assert ["s00", "10", ""] in rows and ["twin", "", ""] in rows


def test_canvas_csv_matches_students_by_sis_id_with_points_possible(book, tmp_path):
    result = grader("export", "--gradebook", book / "gb.sqlite", "--canvas", tmp_path / "canvas.csv",
                    "--assignment", "Quiz 3 (4711)")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader((tmp_path / "canvas.csv").open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Quiz 3 (4711)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "10"]
    assert ["s00", "", "s00", "s00", "", "10"] in rows and ["twin", "", "twin", "twin", "", ""] in rows


def test_export_mistakes_exit_2(book, tmp_path):
    nothing = grader("export", "--gradebook", book / "gb.sqlite")
    assert nothing.returncode == 2 and "--csv" in nothing.stderr
    missing = grader("export", "--gradebook", tmp_path / "none.sqlite", "--csv", tmp_path / "x.csv")
    assert missing.returncode == 2 and "no gradebook here" in missing.stderr
    assert not (tmp_path / "none.sqlite").exists()
