"""The gradebook: every grading of a class in one SQLite file.

Students, their submissions (a content hash of the folder's files), the runs that graded
them, and per-exercise and per-item results with scores, messages and timings, each with
the hash of the bank it was graded with; and the instructor's overrides (`grader override`),
kept apart from the gradings so that every regrade keeps them (grader.classroom.overrides). One transaction per graded submission, in WAL
mode: a run killed at any point leaves every committed grading whole and nothing half
written, and exactly one grading per student is `current` (a unique index says so).
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from grader.classroom.overrides import Adjustment, apply_overrides
from grader.errors import GraderError
from grader.i18n import _
from grader.paths import output_file
from grader.reports.resultdata import submission_from_data, submission_to_data
from grader.reports.results import SubmissionResult

SCHEMA_VERSION = 2
FEEDBACK_RULES = "feedback_rules"  # SubmissionResult.extra key: item name -> the feedback rule's message
DEFAULT_PATH = Path("gradebook.sqlite")

# version 2: overrides (item_id '' = the whole exercise); graded_then is the grade under it when it was made
OVERRIDES_TABLE = """
CREATE TABLE overrides (
  student_id TEXT NOT NULL REFERENCES students(id), exercise_id TEXT NOT NULL, item_id TEXT NOT NULL DEFAULT '',
  score NOT NULL, comment TEXT NOT NULL, made_at TEXT NOT NULL, graded_then NOT NULL,
  PRIMARY KEY (student_id, exercise_id, item_id));
"""
MIGRATIONS = {1: OVERRIDES_TABLE}  # from version N to N + 1: one statement each

# Scores and points carry no declared type: SQLite keeps ints as ints and floats as floats,
# so a stored grading renders exactly as it did when it was graded.
SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,  -- finished_at NULL: interrupted
  bank_hash TEXT NOT NULL, bank_path TEXT NOT NULL, submissions_dir TEXT NOT NULL, jobs INTEGER NOT NULL,
  grader_version TEXT NOT NULL, graded INTEGER, skipped INTEGER, failed INTEGER);
CREATE TABLE students (id TEXT PRIMARY KEY, first_seen TEXT NOT NULL);
CREATE TABLE submissions (
  id INTEGER PRIMARY KEY, student_id TEXT NOT NULL REFERENCES students(id), run_id INTEGER NOT NULL REFERENCES runs(id),
  folder TEXT NOT NULL, content_hash TEXT NOT NULL, bank_hash TEXT NOT NULL, graded_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('graded', 'failed')), message TEXT NOT NULL DEFAULT '',
  score, max_score, problems TEXT NOT NULL DEFAULT '[]', protections TEXT NOT NULL DEFAULT '[]',
  public_only INTEGER NOT NULL DEFAULT 0, duration REAL NOT NULL DEFAULT 0, grader_version TEXT NOT NULL DEFAULT '',
  current INTEGER NOT NULL DEFAULT 1);
CREATE UNIQUE INDEX one_current_grading ON submissions(student_id) WHERE current = 1;
CREATE TABLE exercise_results (
  submission_id INTEGER NOT NULL REFERENCES submissions(id), position INTEGER NOT NULL, exercise_id TEXT NOT NULL,
  title TEXT NOT NULL, kind TEXT NOT NULL, topic TEXT NOT NULL, score NOT NULL, max_score NOT NULL,
  message TEXT NOT NULL, hidden_remaining INTEGER NOT NULL, PRIMARY KEY (submission_id, exercise_id));
CREATE TABLE item_results (
  submission_id INTEGER NOT NULL REFERENCES submissions(id), position INTEGER NOT NULL, exercise_id TEXT NOT NULL,
  item_id TEXT NOT NULL, title TEXT NOT NULL, score NOT NULL, max_score NOT NULL, status TEXT NOT NULL,
  message TEXT NOT NULL, hint TEXT NOT NULL, feedback_rule TEXT NOT NULL DEFAULT '', answer TEXT,
  hidden INTEGER NOT NULL, device TEXT, duration REAL NOT NULL, PRIMARY KEY (submission_id, exercise_id, item_id));
""" + OVERRIDES_TABLE



@dataclass(frozen=True)
class Entry:
    """A student's current grading: a result, or the message saying why grading failed."""

    student_id: str
    folder: str
    status: str  # graded | failed
    message: str
    graded_at: str
    content_hash: str
    bank_hash: str
    result: SubmissionResult | None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Gradebook:
    """An open gradebook file; use as a context manager or call `close`."""

    def __init__(self, path: Path = DEFAULT_PATH, *, create: bool = True):
        self.path = Path(path)
        if not create and not os.path.lexists(self.path):
            raise GraderError(_("{path}: no gradebook here; grade a class first with `grader grade SUBMISSIONS_DIR "
                                "--gradebook {path}`").format(path=self.path))
        if create or self.path.is_dir():  # one only read need not be writable
            output_file(self.path, _("the gradebook"))
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self._prepare()
        except sqlite3.DatabaseError as error:
            raise GraderError(_("{path}: cannot be read as a gradebook ({reason}); pass another --gradebook path").format(
                path=self.path, reason=error)) from None

    def _prepare(self) -> None:
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            self.db.executescript(f"BEGIN; {SCHEMA} INSERT INTO schema_version VALUES ({SCHEMA_VERSION}); COMMIT;")
            return
        if "schema_version" not in tables:
            raise GraderError(_("{path}: an SQLite file but not a gradebook; pass another --gradebook path").format(path=self.path))
        version = self._version()
        if version in MIGRATIONS:
            self._migrate()
        elif version != SCHEMA_VERSION:
            said = {"path": self.path, "version": version, "supported": SCHEMA_VERSION}
            raise GraderError((_("{path}: gradebook schema version {version}; this grader reads version {supported} (it was "
                                 "written by a newer grader: upgrade grader)") if (version or 0) > SCHEMA_VERSION else
                               _("{path}: gradebook schema version {version}; this grader reads version {supported}"))
                              .format(**said))

    def _version(self) -> int | None:
        return self.db.execute("SELECT max(version) FROM schema_version").fetchone()[0]

    def _migrate(self) -> None:
        """Bring an older gradebook up to SCHEMA_VERSION in one transaction: tables are only added."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = self._version()  # another process may have migrated it meanwhile
            while version in MIGRATIONS:
                self.db.execute(MIGRATIONS[version])  # one statement each: executescript would commit midway
                version += 1
                self.db.execute("INSERT INTO schema_version VALUES (?)", (version,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # runs ------------------------------------------------------------------------------
    def start_run(self, bank_hash: str, bank_path: Path, submissions_dir: Path, jobs: int, grader_version: str) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (started_at, bank_hash, bank_path, submissions_dir, jobs, grader_version) VALUES (?, ?, ?, ?, ?, ?)",
            (_now(), bank_hash, str(bank_path), str(submissions_dir), jobs, grader_version))
        return cursor.lastrowid

    def finish_run(self, run_id: int, graded: int, skipped: int, failed: int) -> None:
        self.db.execute("UPDATE runs SET finished_at = ?, graded = ?, skipped = ?, failed = ? WHERE id = ?",
                        (_now(), graded, skipped, failed, run_id))

    # writing -------------------------------------------------------------------------
    def record(self, run_id: int, student_id: str, folder: str, content_hash: str, bank_hash: str,
               result: SubmissionResult | None, failure: str = "") -> None:
        """Store one grading (or one failure to grade) as the student's current one, in one transaction."""
        data = submission_to_data(result) if result is not None else None
        rules = (result.extra.get(FEEDBACK_RULES) or {}) if result is not None else {}
        now = _now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("INSERT OR IGNORE INTO students (id, first_seen) VALUES (?, ?)", (student_id, now))
            self.db.execute("UPDATE submissions SET current = 0 WHERE student_id = ? AND current = 1", (student_id,))
            row = (student_id, run_id, folder, content_hash, bank_hash, now)
            if data is None:
                self.db.execute("INSERT INTO submissions (student_id, run_id, folder, content_hash, bank_hash, graded_at,"
                                " status, message) VALUES (?, ?, ?, ?, ?, ?, 'failed', ?)", (*row, failure))
            else:
                self._insert_result(row, result, data, rules)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _insert_result(self, row: tuple, result: SubmissionResult, data: dict, rules: dict) -> None:
        submission_id = self.db.execute(
            "INSERT INTO submissions (student_id, run_id, folder, content_hash, bank_hash, graded_at, status, score,"
            " max_score, problems, protections, public_only, duration, grader_version)"
            " VALUES (?, ?, ?, ?, ?, ?, 'graded', ?, ?, ?, ?, ?, ?, ?)",
            (*row, result.score, result.max_score, json.dumps(data["problems"]), json.dumps(data["protections"]),
             int(result.public_only), result.duration, result.grader_version)).lastrowid
        position = 0
        for index, exercise in enumerate(data["exercises"]):
            self.db.execute(
                "INSERT INTO exercise_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (submission_id, index, exercise["exercise_id"], exercise["title"], exercise["kind"], exercise["topic"],
                 result.exercises[index].score, result.exercises[index].max_score, exercise["message"],
                 exercise["hidden_remaining"]))
            for item in exercise["items"]:
                name = f"{item['exercise_id']}/{item['item_id']}"
                self.db.execute(
                    "INSERT INTO item_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (submission_id, position, item["exercise_id"], item["item_id"], item["title"], item["score"],
                     item["max_score"], item["status"], item["message"], item["hint"], rules.get(name, ""),
                     item["answer"], int(item["hidden"]), item["device"], item["duration"]))
                position += 1

    # overrides ----------------------------------------------------------------------
    def set_override(self, adjustment: Adjustment) -> None:
        """Store `adjustment` (replacing the student's earlier one on the same exercise or item)."""
        a = adjustment
        self.db.execute("INSERT OR REPLACE INTO overrides VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (a.student_id, a.exercise_id, a.item_id, a.score, a.comment, a.made_at, a.graded_then))

    def clear_override(self, student_id: str, exercise_id: str, item_id: str = "") -> bool:
        """Remove one override; whether there was one."""
        return self.db.execute("DELETE FROM overrides WHERE student_id = ? AND exercise_id = ? AND item_id = ?",
                               (student_id, exercise_id, item_id)).rowcount > 0

    def adjustments(self, student_id: str | None = None) -> list[Adjustment]:
        """Every override (of one student), oldest first."""
        where, args = ("WHERE student_id = ?", (student_id,)) if student_id is not None else ("", ())
        rows = self.db.execute(f"SELECT * FROM overrides {where} ORDER BY made_at, student_id, exercise_id, item_id", args)
        return [Adjustment(r["student_id"], r["exercise_id"], r["item_id"], r["score"], r["comment"], r["made_at"],
                           r["graded_then"]) for r in rows]

    # reading -------------------------------------------------------------------------
    def unchanged(self, student_id: str, content_hash: str, bank_hash: str) -> bool:
        """Whether the student's current grading is of this content, on this bank, and succeeded."""
        row = self.db.execute("SELECT 1 FROM submissions WHERE student_id = ? AND current = 1 AND status = 'graded'"
                              " AND content_hash = ? AND bank_hash = ?", (student_id, content_hash, bank_hash)).fetchone()
        return row is not None

    def current_scores(self, student_ids: list[str]) -> list[tuple[float, float]]:
        """(score, max score) of these students' current gradings that succeeded."""
        rows = [self.db.execute("SELECT score, max_score FROM submissions WHERE student_id = ? AND current = 1"
                                " AND status = 'graded'", (student,)).fetchone() for student in student_ids]
        return [(row[0], row[1]) for row in rows if row is not None]

    def students(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT id FROM students ORDER BY id")]

    def current(self, *, graded_only: bool = False) -> list[Entry]:
        """Every student's current grading, by student id, results rebuilt from their rows with the
        instructor's overrides applied (`graded_only`: as graded, without them)."""
        rows = self.db.execute("SELECT * FROM submissions WHERE current = 1 ORDER BY student_id").fetchall()
        adjustments: dict[str, list[Adjustment]] = {}
        if not graded_only:
            for adjustment in self.adjustments():
                adjustments.setdefault(adjustment.student_id, []).append(adjustment)
        entries = [self._entry(row) for row in rows]
        return [replace(e, result=apply_overrides(e.result, adjustments[e.student_id]))
                if e.result is not None and e.student_id in adjustments else e for e in entries]

    def _entry(self, row: sqlite3.Row) -> Entry:
        result = None
        if row["status"] == "graded":
            exercises = [dict(e) for e in self.db.execute(
                "SELECT * FROM exercise_results WHERE submission_id = ? ORDER BY position", (row["id"],))]
            items = [dict(i) for i in self.db.execute(
                "SELECT * FROM item_results WHERE submission_id = ? ORDER BY position", (row["id"],))]
            for exercise in exercises:
                exercise["items"] = [i for i in items if i["exercise_id"] == exercise["exercise_id"]]
            rules = {f"{i['exercise_id']}/{i['item_id']}": i["feedback_rule"] for i in items if i["feedback_rule"]}
            result = submission_from_data({
                "student_id": row["student_id"], "submission": row["folder"], "exercises": exercises,
                "problems": json.loads(row["problems"]), "protections": json.loads(row["protections"]),
                "public_only": row["public_only"], "duration": row["duration"], "grader_version": row["grader_version"],
                "extra": {FEEDBACK_RULES: rules}})
        return Entry(row["student_id"], row["folder"], row["status"], row["message"], row["graded_at"],
                     row["content_hash"], row["bank_hash"], result)
