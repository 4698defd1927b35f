"""Code exercises graded at once (`grader check --jobs 2`): the same grades as one by one,
one budget over all of them, an author's broken check still stops the run, and the sandbox's
control socket never mixes two threads' replies."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from grader.bank.loading import load_bank
from grader.bank.resources import bundled
from grader.bank.spec import CodeExercise
from grader.checking.codegrade import CodeGrader
from grader.errors import CheckError
from grader.grading import grade_submission
from grader.sandbox.confine import ChildLimits
from grader.sandbox.launcher import Sandbox
from test_caps import SOLUTIONS, assert_budget_held, sleepy_bank, sleepy_student

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "submission"


@pytest.fixture(scope="module")
def runner():
    with CodeGrader() as grader:
        yield grader


def graded(result) -> list[tuple]:
    """What a grade is made of, item by item, in report order (durations left out)."""
    return [(e.exercise_id, e.message, i.item_id, i.status, i.score, i.max_score)
            for e in result.exercises for i in e.items]


def test_at_once_gives_the_grades_of_one_by_one(runner):
    bank = load_bank(bundled("exercises"))
    code = {e.id for e in bank if isinstance(e, CodeExercise)}
    assert len(code) >= 10
    one = grade_submission(EXAMPLE, bank, runner=runner, only=code, jobs=1)
    two = grade_submission(EXAMPLE, bank, runner=runner, only=code, jobs=2)
    assert graded(two) == graded(one)
    assert [e.exercise_id for e in two.exercises] == [e.id for e in bank if e.id in code]  # the bank's order
    assert 0 < two.score < two.max_score  # the example student gets some right and some wrong


def test_one_budget_holds_over_exercises_graded_at_once(tmp_path):
    bank = load_bank(sleepy_bank(tmp_path))
    with CodeGrader(solutions=SOLUTIONS, sandbox=Sandbox()) as grader:
        result = grade_submission(sleepy_student(tmp_path), bank, runner=grader, budget_seconds=2.5, jobs=2)
    assert_budget_held(result, 2.5, lanes=2)


def test_a_broken_check_stops_the_run_at_once_too(runner, tmp_path):
    bank_dir = sleepy_bank(tmp_path)
    (bank_dir / "slow-b" / "checks" / "doubling.py").write_text("import not_a_module_anywhere\n")
    bank = load_bank(bank_dir)
    with pytest.raises(CheckError, match="not_a_module_anywhere"):
        grade_submission(sleepy_student(tmp_path), bank, runner=CodeGrader(solutions=SOLUTIONS, sandbox=runner.sandbox),
                         jobs=2)


def test_threads_spawning_children_at_once_each_get_their_own():
    limits = ChildLimits(cpu_seconds=5, memory_mb=512)
    seen, failures = [], []
    with Sandbox() as sandbox:
        sandbox.wait_ready()

        def churn():
            try:
                for _ in range(6):
                    child = sandbox.spawn(limits)
                    seen.append(child.id)
                    sandbox.end(child)
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(repr(error))

        threads = [threading.Thread(target=churn) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        alive = sandbox.sync()
    assert not failures
    assert len(seen) == len(set(seen)) == 36
    assert alive <= 1  # only the spare the zygote forks ahead for the next spawn
