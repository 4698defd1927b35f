"""Quizzes are marked in the quiz worker (grader.quiz.process): the same items as marking in the
grader's own process, each question under its own deadline, answers carried with their types,
the author's errors as loading tells them, and no sympy in the grader."""

import datetime
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import FIXTURE_BANK, REPO
from grader.bank.loading import load_bank
from grader.bank.resources import bundled
from grader.bank.spec import QuizExercise
from grader.errors import SpecError, SpecErrors
from grader.judge.equivalence import judge_in_process
from grader.quiz.marking import mark_questions
from grader.quiz.process import QuizWorker, QuizWorkerError, _item, answer_data, answer_from_data
from grader.reports.results import Status
from grader.submissions.reading import read_submission

EXAMPLE = REPO / "examples" / "submission"


def _untimed(items):
    return [replace(item, duration=0.0) for item in items]


@pytest.fixture(scope="module")
def bank_quizzes():
    return [e for e in load_bank(bundled("exercises")) if isinstance(e, QuizExercise)]


def test_the_worker_marks_every_bundled_quiz_as_the_grader_itself_would(bank_quizzes):
    submission = read_submission(EXAMPLE, {e.id: e for e in bank_quizzes})
    statuses = set()
    with QuizWorker() as worker:
        for exercise in bank_quizzes:
            answers = submission.answers.get(exercise.id) or {}
            here = list(mark_questions(exercise, answers, submission.student_id, judge_in_process))
            there = worker.mark(exercise, answers, submission.student_id)
            assert _untimed(there) == _untimed(here), exercise.id
            statuses |= {item.status for item in there}
        assert worker.starts == 1
    assert {Status.PASSED, Status.FAILED} <= statuses  # the example has right and wrong answers


def test_other_students_get_other_variants_and_the_same_marks_as_here(bank_quizzes):
    exercise = next(e for e in bank_quizzes if e.id == "conv-shape")
    with QuizWorker() as worker:
        for student in ("ana", "ben", "0042"):
            answers = {q.id: "7" for q in exercise.questions}
            here = list(mark_questions(exercise, answers, student, judge_in_process))
            assert _untimed(worker.mark(exercise, answers, student)) == _untimed(here)


def test_the_grader_never_imports_sympy_for_a_check():
    script = ("import sys\nfrom grader.cli import app\nsys.argv = ['grader', 'check', %r, '-q']\n"
              "try:\n    app()\nexcept SystemExit as done:\n    print('sympy' in sys.modules, done.code)\n") % str(EXAMPLE)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.stdout.split()[-2:] == ["False", "1"], run.stdout + run.stderr


def _layer_count():
    return load_bank(FIXTURE_BANK, only=["layer-count"])[0]


def test_a_question_that_overruns_is_an_error_alone_and_a_fresh_worker_marks_the_rest():
    exercise = _layer_count()
    answers = {"count": 1, "ratio": "1/3", "out-height": "floor((n_h + p_h - k_h + s_h) / s_h)"}
    with QuizWorker() as worker:
        first = worker.mark(exercise, answers, "ana")
    # ratio has no feedback rule: its deadline is 1 x (1 s + 0.5 s); the others' twice that
    with QuizWorker(judge_seconds=1.0, grace=0.5) as worker:
        worker.start()
        pid = worker.worker_pid
        # the hook blocks the worker's alarm and sleeps, as a computation stuck in C would
        items = worker.mark(exercise, answers, "ana", _test_stall={"ratio": 30})
        assert [i.status for i in items] == [first[0].status, Status.ERROR, first[2].status]
        assert items[1].message.startswith("could not judge this answer (could not judge within 1 s")
        assert items[1].answer == "1/3" and items[1].max_score == first[1].max_score
        assert worker.starts == 2 and worker.worker_pid != pid and not _alive(pid)
        assert _untimed(items[::2]) == _untimed(first[::2])


def test_a_worker_that_dies_mid_quiz_costs_that_question_only():
    exercise = _layer_count()
    answers = {"count": 1, "ratio": "1/3", "out-height": "n_h"}
    with QuizWorker() as worker:
        worker.mark(exercise, answers, "ana")  # started and ready: a slow start is not this test's death
        threading.Thread(target=_kill_when_stalling, args=(worker.worker_pid,)).start()
        items = worker.mark(exercise, answers, "ana", _test_stall={"count": 30})
        assert items[0].status is Status.ERROR and "the judge worker failed: it exited" in items[0].message
        assert items[1].status is Status.PASSED and items[2].status is Status.FAILED
        assert worker.starts == 2


def _kill_when_stalling(pid: int) -> None:
    """SIGKILL the worker once it stalls in the test hook, which blocks SIGALRM (on a loaded
    machine a fixed delay may fall before the request arrives, or before the worker is ready)."""
    alarm = 1 << (signal.SIGALRM - 1)
    for _ in range(6000):
        with open(f"/proc/{pid}/status") as status:
            blocked = next(int(line.split()[1], 16) for line in status if line.startswith("SigBlk:"))
        if blocked & alarm:
            break
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)


def test_a_worker_that_cannot_start_fails_the_exercise_once_not_question_by_question():
    class Broken(QuizWorker):
        worker_module = "grader.quiz.no_such_worker"

    exercise = _layer_count()
    with Broken() as worker:
        items = worker.mark(exercise, {"count": 1, "ratio": "1/3"}, "ana")
        assert worker.starts == 1
    assert all(i.status is Status.ERROR and "the judge worker could not start" in i.message for i in items)
    assert items[0].answer == "1" and items[2].answer is None


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, float("inf"), "x+1", [1, [2, "a"]], {"a": 1, 2: [3], None: {True: "t"}},
    datetime.date(2026, 12, 1), datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.timezone.utc),
    b"\x00\xff", {1, 2}, [("k", "v")],
])
def test_answers_travel_with_their_types(value):
    import json

    back = answer_from_data(json.loads(json.dumps(answer_data(value))))
    assert back == value and type(back) is type(value) and repr(back) == repr(value)


def test_answers_of_yaml_types_are_marked_as_the_grader_itself_would(tmp_path):
    exercise = _layer_count()
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "answers.yaml").write_text("layer-count:\n  count: 2026-12-01\n  ratio: !!binary AAE=\n"
                                         "  out-height: !!set {a: null}\n")
    answers = read_submission(folder, {exercise.id: exercise}).answers["layer-count"]
    assert isinstance(answers["count"], datetime.date) and isinstance(answers["ratio"], bytes)
    here = list(mark_questions(exercise, answers, "ana", judge_in_process))
    with QuizWorker() as worker:
        assert _untimed(worker.mark(exercise, answers, "ana")) == _untimed(here)
    assert all(item.status is Status.ERROR for item in here) and "date" in here[0].message


def _broken_bank(folder: Path) -> Path:
    bank = folder / "bank"
    shutil.copytree(FIXTURE_BANK, bank)
    spec = bank / "layer-count" / "spec.yaml"
    spec.write_text(spec.read_text().replace("c_out*c_in*k*k + c_out", "c_outt*c_in*k*k + c_out", 1))
    return bank


def test_names_are_checked_in_the_worker_as_loading_checks_them(tmp_path):
    bank = _broken_bank(tmp_path)
    with pytest.raises(SpecErrors) as loading:
        load_bank(bank)
    with QuizWorker() as worker:
        with pytest.raises(SpecErrors) as there:
            worker.check_names(load_bank(bank, names=False))
        worker.check_names(load_bank(FIXTURE_BANK, names=False))  # a sound bank: nothing raised
        worker.check_names([])
    assert [str(e) for e in there.value.errors] == [str(e) for e in loading.value.errors]
    assert "c_outt" in str(there.value) and "spec.yaml:" in str(there.value)


def test_a_bank_given_by_a_relative_path_is_told_by_that_path(tmp_path):
    _broken_bank(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "answers.yaml").write_text("layer-count: {count: 1}\n")
    run = subprocess.run([sys.executable, "-m", "grader.cli", "check", "sub", "--bank", "bank", "-q"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 2, run.stdout + run.stderr
    assert "bank/layer-count/spec.yaml:" in run.stderr and "c_outt" in run.stderr
    assert str(tmp_path) not in run.stderr and "Traceback" not in run.stderr


def test_constraints_no_variant_meets_are_the_authors_error_from_the_worker():
    exercise = _layer_count()
    impossible = exercise.model_copy(update={"constraints": ["c_in > 100"]})
    with QuizWorker() as worker:
        with pytest.raises(SpecError) as caught:
            worker.mark(impossible, {"count": 1}, "ana")
    assert "no draw of params satisfied the constraints" in str(caught.value)
    assert str(caught.value).startswith(str(exercise.folder / "spec.yaml"))


@pytest.mark.parametrize("reply", [
    {"id": 1, "item": {"question": "ratio", "score": 1, "max_score": 1, "status": "passed", "message": "", "hint": "",
                       "answer": None, "duration": 0}},  # another question's item
    {"id": 2, "item": {"question": "count", "score": 1, "max_score": 2, "status": "passed", "message": "", "hint": "",
                       "answer": None, "duration": 0}},  # another request's
    {"id": 1, "item": {"question": "count", "score": 9, "max_score": 2, "status": "passed", "message": "", "hint": "",
                       "answer": None, "duration": 0}},  # more than the question is worth
    {"id": 1, "item": {"question": "count", "score": 2, "max_score": 50, "status": "passed", "message": "", "hint": "",
                       "answer": None, "duration": 0}},  # a worth of its own
    {"id": 1, "item": {"question": "count", "score": 2, "max_score": 2, "status": "great", "message": "", "hint": "",
                       "answer": None, "duration": 0}},
    {"id": 1, "item": {"question": "count", "score": 2, "max_score": 2, "status": "passed", "message": ["x"], "hint": "",
                       "answer": None, "duration": 0}},
    {"id": 1, "verdict": "undecided", "reason": "the judge failed: KeyError"},
])
def test_an_item_the_request_did_not_ask_for_is_refused(reply):
    exercise = _layer_count()
    with pytest.raises(QuizWorkerError):
        _item(reply, 1, exercise, exercise.questions[0])


def _alive(pid) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
