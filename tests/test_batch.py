"""`grader grade` on whole classes, as real subprocesses over real SQLite files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from classfolders import answers_for, grader, make_class, write_student
from conftest import FIXTURE_BANK, REPO
from grader.classroom.workers import WorkerPool


def final_grades(gradebook: Path) -> dict:
    """student -> (total, {item: score}) of every current grading."""
    db = sqlite3.connect(gradebook)
    grades = {}
    for sid, student, score in db.execute("SELECT id, student_id, score FROM submissions WHERE current = 1"):
        items = dict(db.execute("SELECT exercise_id || '/' || item_id, score FROM item_results WHERE submission_id = ?", (sid,)))
        grades[student] = (score, items)
    db.close()
    return grades


def committed(gradebook: Path) -> int:
    if not gradebook.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM submissions").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:  # the schema is not there yet
        return 0


def test_the_new_commands_have_help_with_examples():
    for command in ("grade", "export", "report"):
        result = grader(command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Examples" in result.stdout and f"grader {command}" in result.stdout


def killed_midway_then_rerun(tmp_path: Path, size: int, first: list[str], rerun: list[str], wait: float) -> None:
    """Grade a class of `size` once cleanly; grade it again with `first` (grade's options) and
    SIGKILL the whole process group once three gradings are committed; grade once more with
    `rerun`. The rerun grades exactly what is missing, records nothing twice, and ends with the
    clean run's grades; the killed run shows as unfinished."""
    subs = make_class(tmp_path / "class", size=size)
    clean = grader("grade", subs, "--bank", FIXTURE_BANK, "--gradebook", tmp_path / "clean.sqlite", "--jobs", "2")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"graded {size}, skipped 0 (unchanged), failed to grade 0" in clean.stdout

    book = tmp_path / "crash.sqlite"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "400"}
    proc = subprocess.Popen([sys.executable, "-m", "grader.cli", "grade", str(subs), "--bank", str(FIXTURE_BANK),
                             "--gradebook", str(book), *first], cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + wait
    while committed(book) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the grader and all it started: workers, judges, a local cluster
    proc.wait()
    before = committed(book)
    assert 3 <= before < size, f"the kill came too late to test anything ({before} committed)"

    again = grader("grade", subs, "--bank", FIXTURE_BANK, "--gradebook", book, *rerun)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"graded {size - before}, skipped {before} (unchanged), failed to grade 0" in again.stdout
    assert final_grades(book) == final_grades(tmp_path / "clean.sqlite")
    db = sqlite3.connect(book)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == size  # nothing graded twice
    runs = db.execute("SELECT finished_at, graded, skipped FROM runs ORDER BY id").fetchall()
    assert runs[0] == (None, None, None) and runs[1][1:] == (size - before, before)


def test_killed_midway_then_rerun_ends_with_the_grades_of_one_clean_run(tmp_path):
    killed_midway_then_rerun(tmp_path, 20, ["--jobs", "1"], ["--jobs", "2"], wait=120)


def test_unchanged_work_is_skipped_and_student_and_force_regrade(tmp_path):
    subs = tmp_path / "class"
    for student in ("ann", "bob", "cat"):
        write_student(subs / student, student, answers_for(student))
    book = ["--exercises", FIXTURE_BANK, "--gradebook", tmp_path / "gb.sqlite", "--jobs", "1"]
    assert "graded 3, skipped 0" in grader("grade", subs, *book).stdout
    write_student(subs / "bob", "bob", answers_for("bob", {"no-bias"}))
    second = grader("grade", subs, *book)
    assert second.returncode == 0 and "graded 1, skipped 2" in second.stdout
    assert final_grades(tmp_path / "gb.sqlite")["bob"][0] == 8
    assert "graded 1, skipped 0" in grader("grade", subs, *book, "--student", "ann").stdout
    assert "graded 3, skipped 0" in grader("grade", subs, *book, "--force").stdout
    unknown = grader("grade", subs, *book, "--student", "zed")
    assert unknown.returncode == 2 and "no submission of student 'zed'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_two_folders_claiming_one_student_both_fail_and_exit_1(tmp_path):
    subs = tmp_path / "class"
    write_student(subs / "one", "dup", answers_for("dup"))
    write_student(subs / "two", "dup", answers_for("dup"))
    write_student(subs / "solo", "solo", answers_for("solo"))
    result = grader("grade", subs, "--exercises", FIXTURE_BANK, "--gradebook", tmp_path / "gb.sqlite", "--jobs", "1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "graded 1, skipped 0 (unchanged), failed to grade 2" in result.stdout
    assert "is claimed by" in result.stderr


def test_operator_mistakes_exit_2_with_a_message(tmp_path):
    subs = tmp_path / "class"
    write_student(subs / "ann", "ann", answers_for("ann"))
    (tmp_path / "not-a-db").write_text("hello, I am a text file" * 100)
    (tmp_path / "empty").mkdir()
    cases = [
        (["--gradebook", tmp_path], "is a folder"),
        (["--gradebook", tmp_path / "not-a-db"], "cannot be read as a gradebook"),
        (["--gradebook", tmp_path / "missing" / "gb.sqlite"], "does not exist"),
    ]
    for extra, message in cases:
        result = grader("grade", subs, "--exercises", FIXTURE_BANK, *extra)
        assert result.returncode == 2 and message in result.stderr, result.stderr
    empty = grader("grade", tmp_path / "empty", "--exercises", FIXTURE_BANK, "--gradebook", tmp_path / "gb.sqlite")
    assert empty.returncode == 2 and "no submission folders" in empty.stderr


def test_a_code_batch_goes_on_past_broken_and_hostile_submissions(tmp_path):
    bank = tmp_path / "bank"
    shutil.copytree(REPO / "exercises" / "corr2d", bank / "corr2d")
    spec = bank / "corr2d" / "spec.yaml"
    spec.write_text(spec.read_text().replace("call_seconds: 10", "call_seconds: 2"))
    subs = tmp_path / "class"
    for name, source in {"good": (REPO / "solutions" / "corr2d" / "conv.py").read_text(),
                         "syntax": "def corr2d(X, K:\n    return X\n",
                         "loops": "while True:\n    pass\n"}.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "conv.py").write_text(source)
    result = grader("grade", subs, "--exercises", bank, "--gradebook", tmp_path / "gb.sqlite", "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "graded 3, skipped 0 (unchanged), failed to grade 0" in result.stdout
    grades = final_grades(tmp_path / "gb.sqlite")
    assert grades["good"][0] == 10 and grades["syntax"][0] == 0 and grades["loops"][0] == 0
    db = sqlite3.connect(tmp_path / "gb.sqlite")
    messages = dict(db.execute("SELECT s.student_id, i.message FROM item_results i JOIN submissions s ON s.id = i.submission_id"
                               " WHERE i.item_id = 'corr2d-example'"))
    assert "syntax error" in messages["syntax"] and "timed out" in messages["loops"]


# The pool itself, with stand-in workers that die or hang (module-level: spawn imports them).

def flaky_serve(conn, bank, public_only):
    conn.send_bytes(json.dumps({"ready": True}).encode())
    while True:
        task = json.loads(conn.recv_bytes())
        if task is None:
            return
        name = Path(task["folder"]).name
        if name == "dies":
            os._exit(9)
        if name == "hangs":
            time.sleep(60)
        conn.send_bytes(json.dumps({"index": task["index"], "result": {"folder": name}, "peak_rss_kb": 1}).encode())


def test_a_dying_or_hanging_worker_fails_only_its_submission(tmp_path):
    folders = [tmp_path / n for n in ("a", "dies", "b", "hangs", "c", "d")]
    pool = WorkerPool(tmp_path, 2, deadline=3, serve=flaky_serve)
    outcomes = {folders[o.index].name: o for o in pool.run(folders)}
    assert sorted(outcomes) == sorted(f.name for f in folders)  # one outcome each, none lost
    assert {n for n, o in outcomes.items() if o.result} == {"a", "b", "c", "d"}
    assert "died (exit code 9)" in outcomes["dies"].error
    assert "longer than 3 s" in outcomes["hangs"].error


def test_an_exception_of_ours_fails_only_that_submission_and_the_worker_goes_on(monkeypatch, tmp_path):
    import multiprocessing
    import threading

    from grader import grading
    from grader.classroom.workers import _serve

    real = grading.grade_submission

    def buggy(folder, *args, **kwargs):
        if Path(folder).name == "boom":
            raise ZeroDivisionError("a bug of ours")
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(grading, "grade_submission", buggy)
    folders = [write_student(tmp_path / name, name, answers_for(name)) for name in ("ann", "boom", "bob")]
    ours, theirs = multiprocessing.Pipe()
    worker = threading.Thread(target=_serve, args=(theirs, str(FIXTURE_BANK), False))  # the worker's loop, in a thread
    worker.start()
    for index, folder in enumerate(folders):
        ours.send_bytes(json.dumps({"index": index, "folder": str(folder)}).encode())
    replies = []
    while len(replies) < 3:
        message = json.loads(ours.recv_bytes())
        if "index" in message:
            replies.append(message)
    ours.send_bytes(json.dumps(None).encode())
    worker.join(30)
    assert [r["index"] for r in replies] == [0, 1, 2]
    assert replies[1]["error"] == "internal error while grading: ZeroDivisionError: a bug of ours"
    assert replies[0]["result"]["student_id"] == "ann" and replies[2]["result"]["student_id"] == "bob"


def test_grade_e_grades_only_the_named_exercises_and_another_choice_regrades(tmp_path):
    subs = make_class(tmp_path / "class", size=3)
    book = tmp_path / "gb.sqlite"
    part = grader("grade", subs, "--bank", FIXTURE_BANK, "--gradebook", book, "-e", "layer-count", "-j", "1")
    assert part.returncode == 0, part.stdout + part.stderr
    db = sqlite3.connect(book)
    assert {row[0] for row in db.execute("SELECT DISTINCT exercise_id FROM exercise_results")} == {"layer-count"}
    db.close()
    again = grader("grade", subs, "--bank", FIXTURE_BANK, "--gradebook", book, "-e", "layer-count", "-j", "1")
    assert "graded 0, skipped 3" in again.stdout
    whole = grader("grade", subs, "--bank", FIXTURE_BANK, "--gradebook", book, "-j", "1")
    assert "graded 3, skipped 0" in whole.stdout
    assert {e for _, (_, items) in final_grades(book).items() for e in {i.split("/")[0] for i in items}} == \
        {"layer-count", "shapes-and-choices"}
    unknown = grader("grade", subs, "--bank", FIXTURE_BANK, "--gradebook", book, "-e", "lenet")
    assert unknown.returncode == 2 and "no exercise 'lenet'" in unknown.stderr and "Traceback" not in unknown.stderr
