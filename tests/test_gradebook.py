"""The SQLite gradebook: what it stores, what it rebuilds, and how it fails."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace

import pytest

from classfolders import answers_for, write_student
from conftest import FIXTURE_BANK
from grader.bank.loading import load_bank
from grader.classroom.batch import folder_hash
from grader.classroom.gradebook import FEEDBACK_RULES, Gradebook
from grader.classroom.overrides import OverrideError, adjust
from grader.classroom.workers import feedback_rules
from grader.errors import GraderError
from grader.grading import grade_submission
from grader.reports.render import render


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Two real gradings of the fixture bank: one right, one with mistakes that rules name."""
    root = tmp_path_factory.mktemp("subs")
    bank = load_bank(FIXTURE_BANK)
    results = {}
    for student, mistakes in (("ann", set()), ("bob", {"no-bias", "gru-gate"})):
        folder = write_student(root / student, student, answers_for(student, mistakes))
        result = grade_submission(folder, bank)
        result.extra[FEEDBACK_RULES] = feedback_rules(result, bank)
        results[student] = (folder, result)
    return results


def new_book(tmp_path, graded, **kwargs) -> Gradebook:
    book = Gradebook(tmp_path / "gb.sqlite", **kwargs)
    book.run = book.start_run("bank-1", FIXTURE_BANK, tmp_path, 1, "test")
    return book


def test_a_grading_comes_back_whole(tmp_path, graded):
    with new_book(tmp_path, graded) as book:
        for student, (folder, result) in graded.items():
            book.record(book.run, student, str(folder), folder_hash(folder), "bank-1", result)
        entries = {e.student_id: e for e in book.current()}
    for student, (_folder, result) in graded.items():
        again = entries[student].result
        assert again == result  # every exercise, item, score, message, hint, answer and timing
        assert render(again, "json") == render(result, "json")
    assert entries["bob"].result.extra[FEEDBACK_RULES] == {"layer-count/count": "One bias per output channel is missing."}
    assert "shapes-and-choices/gates" not in entries["bob"].result.extra[FEEDBACK_RULES]  # the general hint, not a rule


def test_one_current_grading_per_student_and_unchanged_means_same_files_and_bank(tmp_path, graded):
    folder, result = graded["ann"]
    content = folder_hash(folder)
    with new_book(tmp_path, graded) as book:
        assert not book.unchanged("ann", content, "bank-1")
        book.record(book.run, "ann", str(folder), content, "bank-1", result)
        assert book.unchanged("ann", content, "bank-1")
        assert not book.unchanged("ann", content, "bank-2") and not book.unchanged("ann", "other", "bank-1")
        book.record(book.run, "ann", str(folder), content, "bank-1", None, failure="worker died")
        assert not book.unchanged("ann", content, "bank-1")  # a failed grading is always retried
        (entry,) = book.current()
        assert (entry.status, entry.message, entry.result) == ("failed", "worker died", None)
        assert book.db.execute("SELECT count(*) FROM submissions WHERE student_id = 'ann'").fetchone()[0] == 2
        with pytest.raises(sqlite3.IntegrityError):  # the schema itself forbids two current gradings
            book.db.execute("UPDATE submissions SET current = 1")
        assert book.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_grading_that_cannot_be_stored_leaves_nothing_half_written(tmp_path, graded):
    folder, result = graded["ann"]
    with new_book(tmp_path, graded) as book:
        book.record(book.run, "ann", str(folder), "v1", "bank-1", result)
        twice = replace(result, exercises=(result.exercises[0], result.exercises[0]))  # a duplicate key midway
        with pytest.raises(sqlite3.IntegrityError):
            book.record(book.run, "ann", str(folder), "v2", "bank-1", twice)
        assert book.db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1
        assert book.unchanged("ann", "v1", "bank-1")  # the old grading is still the current one


def test_files_that_are_not_gradebooks_are_operator_errors(tmp_path):
    (tmp_path / "text").write_text("not a database, " * 200)
    other = sqlite3.connect(tmp_path / "other.sqlite")
    other.execute("CREATE TABLE notes (x)")
    other.commit()
    other.close()
    with Gradebook(tmp_path / "newer.sqlite") as book:
        book.db.execute("UPDATE schema_version SET version = 99")
    cases = {tmp_path: "is a folder", tmp_path / "text": "cannot be read", tmp_path / "other.sqlite": "not a gradebook",
             tmp_path / "newer.sqlite": "schema version 99", tmp_path / "none" / "gb.sqlite": "does not exist"}
    for path, message in cases.items():
        with pytest.raises(GraderError, match=message):
            Gradebook(path)
    with pytest.raises(GraderError, match="no gradebook here"):
        Gradebook(tmp_path / "absent.sqlite", create=False)


def test_the_folder_hash_follows_content_not_caches(tmp_path):
    folder = write_student(tmp_path / "s", "s", {"layer-count": {"count": 1}})
    first = folder_hash(folder)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (folder / ".DS_Store").write_bytes(b"junk")
    assert folder_hash(folder) == first
    (folder / "answers.yaml").write_text("layer-count: {count: 2}")
    assert folder_hash(folder) != first


def test_an_old_gradebook_is_migrated_in_place_and_keeps_its_gradings(tmp_path, graded):
    """A version-1 file (before overrides) opens, gains the overrides table, and loses nothing."""
    folder, result = graded["bob"]
    with new_book(tmp_path, graded) as book:
        book.record(book.run, "bob", str(folder), folder_hash(folder), "bank-1", result)
    db = sqlite3.connect(tmp_path / "gb.sqlite")
    db.executescript("DROP TABLE overrides; DELETE FROM schema_version; INSERT INTO schema_version VALUES (1);")
    db.close()
    with Gradebook(tmp_path / "gb.sqlite", create=False) as book:
        (entry,) = book.current()
        assert entry.result == result
        book.set_override(adjust(book.current(), "bob", "layer-count/count", 2, "the bias was in a comment"))
    db = sqlite3.connect(tmp_path / "gb.sqlite")
    assert db.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 2
    assert db.execute("SELECT comment FROM overrides").fetchall() == [("the bias was in a comment",)]
    db.close()


def test_a_newer_gradebook_is_refused_with_what_to_do(tmp_path, graded):
    with new_book(tmp_path, graded):
        pass
    db = sqlite3.connect(tmp_path / "gb.sqlite")
    db.execute("INSERT INTO schema_version VALUES (99)")
    db.commit()
    db.close()
    with pytest.raises(GraderError, match="newer grader"):
        Gradebook(tmp_path / "gb.sqlite", create=False)


def test_an_override_stands_over_a_new_grading_and_is_flagged_when_the_grade_under_it_changes(tmp_path, graded):
    folder, wrong = graded["bob"]  # layer-count/count: 0 of 2 (the bias is missing)
    with new_book(tmp_path, graded) as book:
        book.record(book.run, "bob", str(folder), "hash-1", "bank-1", wrong)
        book.set_override(adjust(book.current(graded_only=True), "bob", "layer-count/count", 1.5, "half: late fix"))
        book.set_override(adjust(book.current(graded_only=True), "bob", "shapes-and-choices", 4, "regrade request"))
        first = book.current()[0].result
        item = next(i for i in first.items if i.name == "layer-count/count")
        assert (item.score, item.override.graded, item.override.changed) == (1.5, 0, False)
        shapes = next(e for e in first.exercises if e.exercise_id == "shapes-and-choices")
        assert shapes.score == 4 and shapes.graded_score != 4
        assert first.score == wrong.score - 0 + 1.5 - shapes.graded_score + 4
        # a regrade (the student's files changed: now the count is right) keeps the override, flagged
        fixed = replace(wrong, exercises=tuple(
            replace(e, items=tuple(replace(i, score=i.max_score) if i.name == "layer-count/count" else i for i in e.items))
            for e in wrong.exercises))
        book.record(book.run, "bob", str(folder), "hash-2", "bank-1", fixed)
        again = next(i for i in book.current()[0].result.items if i.name == "layer-count/count")
        assert (again.score, again.override.graded, again.override.graded_then, again.override.changed) == (1.5, 2, 0, True)
        html = render(book.current()[0].result, "html")
        assert "half: late fix" in html and "changed since it was made" in html
        assert book.clear_override("bob", "layer-count", "count") and not book.clear_override("bob", "layer-count", "count")
        assert next(i for i in book.current()[0].result.items if i.name == "layer-count/count").score == 2


def test_an_override_names_a_graded_student_exercise_and_item_and_a_score_in_range(tmp_path, graded):
    folder, result = graded["ann"]
    with new_book(tmp_path, graded) as book:
        book.record(book.run, "ann", str(folder), "h", "bank-1", result)
        book.record(book.run, "cat", "f", "h", "bank-1", None, failure="two folders claim cat")
        entries = book.current(graded_only=True)
    for student, target, score, comment, message in (
            ("zed", "layer-count", 1, "x", "no student 'zed' in the gradebook (students: ann, cat)"),
            ("cat", "layer-count", 1, "x", "cat's current grading failed"),
            ("ann", "lenet", 1, "x", "ann was not graded on an exercise 'lenet'"),
            ("ann", "layer-count/nope", 1, "x", "layer-count has no check or question 'nope'"),
            ("ann", "layer-count/count", 3, "x", "--score 3 is out of range for layer-count/count: give a score from 0 to 2"),
            ("ann", "layer-count", -1, "x", "out of range"),
            ("ann", "layer-count", float("nan"), "x", "out of range"),
            ("ann", "layer-count", 1, "  ", "--comment is empty")):
        with pytest.raises(OverrideError, match=re.escape(message)):
            adjust(entries, student, target, score, comment)
    assert OverrideError.exit_code == 2
