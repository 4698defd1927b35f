"""Answers that blow up: a judge that never guesses, and a fault that stays with its question.

Crafted on the bundled bank's symbolic questions (issue 20): a wrong formula plus a term that is
0 on a slice of the domain and too large to compute everywhere else scored full marks, since the
points it could not evaluate were skipped; an answer whose params made a two-million-digit
number ended `grader check` with exit 3; another forced "ask your instructor to review it" with
Python's 4,300-digit error text; numbers in scientific notation were refused by a digit cap.
Real parser, real sympy, the real quiz worker and the real CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import sympy

from conftest import REPO
from grader.bank.loading import load_bank
from grader.bank.resources import bundled
from grader.bank.spec import QuizExercise
from grader.bank.variants import draw
from grader.judge.equivalence import Domain, Verdict, judge_in_process
from grader.judge.evaluate import show
from grader.judge.expr import STUDENT_LIMITS, parse_expression
from grader.quiz.marking import mark, mark_questions
from grader.quiz.process import QuizWorker
from grader.reports.results import Status

STUDENT = "ana"
REVIEW = "ask your instructor"


@pytest.fixture(scope="module")
def bank() -> dict[str, QuizExercise]:
    return {e.id: e for e in load_bank(bundled("exercises")) if isinstance(e, QuizExercise)}


@pytest.fixture(scope="module")
def worker():
    with QuizWorker() as quiz_worker:
        yield quiz_worker


# (exercise, question, answer): wrong, but right on a slice of the domain where the added term is 0;
# off it, the term is too large to compute (exp of more than 230,000)
EXPLODING = [
    ("conv-shape", "out-height", "n_h + p_h - k_h + 1 + exp(99999*(s_h - 1)*(s_h + 1)) - 1"),  # stride 1 only
    ("positional-encoding-quiz", "odd-entry", "cos(i*10000^(2*j/d)) + exp(99999*j*(j + 3)) - 1"),  # j = 0 only
    ("positional-encoding-quiz", "formula", "i*10000^(2*j/d) + exp(99999*j*(j + 3)) - 1"),
    ("rnn-gradients", "power", "w^t + exp(99999*(t - 1)*(t + 1)) - 1"),  # t = 1 only, w real
]
# right answers, some of them written unlike the key
RIGHT = [
    ("conv-shape", "out-height", "floor((n_h + p_h - k_h + s_h) / s_h)"),
    ("conv-shape", "out-height", "floor((n_h + p_h - k_h) / s_h) + 1"),
    ("positional-encoding-quiz", "odd-entry", "cos(i / 10000^(2*j/d))"),
    ("positional-encoding-quiz", "odd-entry", "cos(i*exp(-2*j*log(10000)/d))"),
    ("positional-encoding-quiz", "formula", "i*10000^(-2*j/d)"),
    ("rnn-gradients", "power", "w^t"),
]


def _one(items, question_id):
    (item,) = [item for item in items if item.item_id == question_id]
    return item


@pytest.mark.parametrize(("exercise_id", "question_id", "answer"), EXPLODING, ids=[f"{e}/{q}" for e, q, _ in EXPLODING])
def test_a_wrong_formula_that_explodes_off_a_slice_scores_nothing(bank, worker, exercise_id, question_id, answer):
    exercise = bank[exercise_id]
    answers = {question_id: answer}
    there = _one(worker.mark(exercise, answers, STUDENT), question_id)
    here = _one(mark_questions(exercise, answers, STUDENT, judge_in_process), question_id)
    for item in (there, here):
        assert item.status is Status.FAILED and item.score == 0, item.message
        assert "too large to compute at " in item.message and "where a correct answer is" in item.message
        assert REVIEW not in item.message and len(item.message) < 400


@pytest.mark.parametrize(("exercise_id", "question_id", "answer"), RIGHT, ids=[f"{e}/{q}: {a}" for e, q, a in RIGHT])
def test_right_answers_still_score_full(bank, worker, exercise_id, question_id, answer):
    exercise = bank[exercise_id]
    item = _one(worker.mark(exercise, {question_id: answer}, STUDENT), question_id)
    assert item.status is Status.PASSED and item.score == item.max_score > 0, item.message


def test_a_point_too_large_to_compute_is_not_agreement():
    """The judge itself: without the points it cannot evaluate, too few are left to call it equal."""
    s, n = sympy.Symbol("s", integer=True), sympy.Symbol("n", integer=True)
    domains = {s: Domain("integer", 1, 4), n: Domain("integer", 1, 10_000)}
    key = parse_expression("floor((n + s - 1)/s)", {"s": s, "n": n})
    answer = parse_expression("n + exp(99999*(s - 1)*(s + 1)) - 1", {"s": s, "n": n}, STUDENT_LIMITS)
    judgement = judge_in_process(answer, key, domains)
    assert judgement.verdict is Verdict.DIFFERENT and judgement.counterexample["s"] != "1"
    assert judgement.reason.startswith("differs at ") and "too large to compute" in judgement.reason
    # the same answer where it can be computed everywhere: equal (a cap on values, not on notation)
    assert judge_in_process(answer, key, {s: Domain("integer", 1, 1), n: domains[n]}).verdict is Verdict.EQUAL


def test_a_huge_value_is_shown_short():
    assert show(Fraction(2) ** 100_000).startswith("9.99002093014e+30102")  # Python refuses str() past 4,300 digits
    assert show(Fraction(1, 3)) == "1/3" and show(Fraction(10) ** 50) == str(10 ** 50)


@pytest.mark.parametrize("answer", ["n_h + 2^(99999*s_h)", "n_h + 2^(99999*s_h*k_h)",
                                    "2^(99999*n_h) - 2^(99999*n_h - 1)"])
def test_a_crafted_answer_cannot_force_a_review(bank, worker, answer):
    """An answer the judge could not decide for its own blow-up was sent to the instructor, with
    Python's 4,300-digit error text: now it is wrong, with a short message."""
    item = _one(worker.mark(bank["conv-shape"], {"out-height": answer}, STUDENT), "out-height")
    assert item.status is Status.FAILED and item.score == 0, item.message
    assert REVIEW not in item.message and "4300" not in item.message and len(item.message) < 400


@pytest.mark.parametrize("number", ["6.626e-34", "9.1e-31", "1e31", "1.05e33", "10000000000000000000000000000000"])
def test_numbers_in_scientific_notation_are_numbers(bank, worker, number):
    """A digit cap refused them; the caps bound a number's size (10^100) and significant digits."""
    answer = f"floor((n_h + p_h - k_h + s_h) / s_h) + {number} - {number}"
    item = _one(worker.mark(bank["conv-shape"], {"out-height": answer}, STUDENT), "out-height")
    assert item.status is Status.PASSED, item.message
    exact = Fraction(number)
    assert parse_expression(number, {}, STUDENT_LIMITS) == sympy.Rational(exact.numerator, exact.denominator)


def test_a_fault_while_marking_is_that_questions_error_alone(bank):
    """The judge raising (here a stand-in for any fault) costs one question, with a short message."""
    def broken(*args, **kwargs):
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion; " + "x" * 5000)

    exercise = bank["conv-shape"]
    answers = {"out-height": "n_h", "out-size": 7}
    items = list(mark_questions(exercise, answers, STUDENT, broken))
    failed = _one(items, "out-height")
    assert failed.status is Status.ERROR and "ValueError" in failed.message and len(failed.message) < 200
    assert _one(items, "out-size").status in (Status.PASSED, Status.FAILED)  # numeric: no judge needed
    values = draw(exercise, STUDENT)
    question = next(q for q in exercise.questions if q.id == "out-height")
    assert mark(exercise, question, values, "n_h", broken).status is Status.ERROR


def _check(submission: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader.cli", "check", str(submission), *args], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=300)


def test_grader_check_marks_a_blow_up_as_the_questions_fault(tmp_path):
    """`w + 10**(99999*steps)` made sympy compute a two-million-digit number as steps went in, and
    its text ended the run with exit 3. The params now go in as the answer is parsed, under its caps."""
    submission = tmp_path / "sub"
    submission.mkdir()
    (submission / "student.yaml").write_text(f"id: {STUDENT}\n")
    (submission / "answers.yaml").write_text(
        "rnn-gradients:\n"
        "  power: 'w + 10**(99999*steps)'\n"
        "  tanh-derivative: '1 - tanh(u)^2'\n"
        "conv-shape:\n"
        "  out-height: 'n_h + p_h - k_h + 1 + exp(99999*(s_h - 1)*(s_h + 1)) - 1'\n"
        "  same-padding: 1.05e33\n")
    report = tmp_path / "results.json"
    run = _check(submission, "-e", "rnn-gradients", "-e", "conv-shape", "--json", str(report))
    assert run.returncode == 1, run.stdout + run.stderr  # wrong answers, not an internal error
    tests = {test["name"]: test for test in json.loads(report.read_text())["tests"]}
    power, height = tests["rnn-gradients/power"], tests["conv-shape/out-height"]
    assert power["score"] == 0 and "exponent cap" in power["output"] and len(power["output"]) < 600
    assert height["score"] == 0 and "too large to compute at" in height["output"]
    assert tests["rnn-gradients/tanh-derivative"]["score"] == tests["rnn-gradients/tanh-derivative"]["max_score"] > 0
    assert "safety cap" not in tests["conv-shape/same-padding"]["output"]  # 1.05e33: a number, and wrong
    assert "Exceeds the limit" not in run.stdout + run.stderr and REVIEW not in power["output"] + height["output"]


def test_an_answer_that_takes_the_judges_time_is_wrong_not_for_review():
    """floor(sin(pi*x)^2 + cos(pi*x)^2) is 1, but within rounding of a jump at every point: each
    is computed exactly by sympy, and the answer uses up the time limit where the key takes none."""
    from grader.judge.equivalence import judge

    x = sympy.Symbol("x", real=True)
    slow = parse_expression("x*floor(sin(pi*x)^2 + cos(pi*x)^2)", {"x": x}, STUDENT_LIMITS)
    judgement = judge(slow, x, {x: Domain("real", 0.5, 4)}, time_limit=2.0)
    assert judgement.verdict is Verdict.DIFFERENT, judgement.reason
    assert "takes too long to evaluate" in judgement.note and "simplify it" in judgement.note


def test_validate_warns_when_the_key_is_too_large_to_compute_on_much_of_its_domain():
    from grader.judge.key_domain import key_gap

    x = sympy.Symbol("x", real=True)
    gap = key_gap(sympy.exp(sympy.exp(x)), {"x": Domain("real", -50, 50)})
    assert gap is not None and "too large to compute" in gap
    assert key_gap(sympy.exp(sympy.exp(x)), {"x": Domain("real", -50, 12)}) is None


def test_a_number_too_long_to_print_does_not_travel_to_the_judge():
    """An author's key with a 5,000-digit number raised Python's ValueError in the encoder (its
    str()); now it is the encoder's own refusal, which the judge's client answers as undecided."""
    from grader.judge.process import Judgements
    from grader.judge.wire import WireError, decode, encode

    assert decode(encode(sympy.Integer(10) ** 3999)) == sympy.Integer(10) ** 3999
    with pytest.raises(WireError, match="more than 4,000 digits"):
        encode(sympy.Integer(10) ** 5000 + sympy.Symbol("x"))
    x = sympy.Symbol("x", real=True)
    judgement = Judgements().judge(x, x + sympy.Integer(10) ** 5000, {x: Domain("real", 0, 1)}, [], time_limit=1.0,
                                   answer=lambda request, seconds: pytest.fail("nothing should be sent"))
    assert judgement.verdict is Verdict.UNDECIDED and len(judgement.reason) < 100


@pytest.mark.parametrize("number", [10 ** 4000, -(10 ** 150), 1e300])
def test_a_huge_number_from_yaml_is_refused_by_the_cap_not_sent_for_review(bank, worker, number):
    """A 4,000-digit integer in answers.yaml went to the judge whole: too long to print, it came
    back 'ask your instructor to review it'. YAML's numbers now meet the cap on the size of numbers."""
    for exercise_id, question_id in (("conv-shape", "out-height"), ("conv-shape", "out-size")):
        item = _one(worker.mark(bank[exercise_id], {question_id: number}, STUDENT), question_id)
        assert item.status is Status.ERROR and item.message.startswith("answer refused by a safety cap"), item.message
        assert REVIEW not in item.message and len(item.message) < 300
