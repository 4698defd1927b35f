"""The quiz bank itself: it loads, its keys get full marks, its feedback rules fire, its
proofs hold, and the proof helpers reject wrong answers."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import sympy as sp
import yaml
from torch import nn

from grader.bank.loading import load_bank
from grader.bank.prompts import render_text
from grader.bank.spec import QuizExercise
from grader.bank.variants import draw
from grader.bank.course_code import verify_names
from grader.bank.resources import bundled
from grader.proofs import helpers as proofs
from grader.proofs.validate import Validation, validate_exercise
from grader.quiz import keys
from grader.quiz.marking import mark
from grader.reports.results import Status

course = SimpleNamespace(**verify_names(bundled("exercises")))  # the bank's own: solutions/_course/

REPO = Path(__file__).resolve().parent.parent
BANK = REPO / "exercises"
EXAMPLE = REPO / "examples" / "submission"
QUIZ_IDS = [
    "alexnet-design", "attention-scaling", "bidirectional-rnn", "conv-1x1", "conv-params", "conv-shape",
    "ffn-quiz", "inception-channels", "layernorm", "lenet-params", "mha-params", "nin-design", "pooling",
    "positional-encoding-quiz", "qkv", "rnn-gradients", "self-attention", "seq2seq-attention",
    "softmax-derivative", "softmax-saturation", "transformer-decoder", "vgg-design",
]
STUDENTS = ["ada-lovelace", "alan-turing", "grace-hopper"]


@pytest.fixture(scope="module")
def quizzes() -> dict[str, QuizExercise]:
    return {e.id: e for e in load_bank(BANK) if isinstance(e, QuizExercise)}


def _as_answer(question, value):
    """A key or rule value written the way a student would submit it."""
    if question.type == "numeric":
        return sp.sstr(value)
    if question.type == "shape":
        return list(value)
    return value


def _questions(ids=QUIZ_IDS):
    exercises = {e.id: e for e in load_bank(BANK) if isinstance(e, QuizExercise)}
    return [(exercise_id, q.id) for exercise_id in ids for q in exercises[exercise_id].questions]


def test_every_quiz_of_the_bank_loads(quizzes):
    assert sorted(quizzes) == sorted(QUIZ_IDS)
    assert all(e.questions for e in quizzes.values())


def test_the_bank_uses_every_question_type(quizzes):
    used = {q.type for e in quizzes.values() for q in e.questions}
    assert used == {"numeric", "symbolic", "shape", "choice", "multi"}


def test_computed_keys_are_backed_by_a_verify(quizzes):
    missing = [f"{e.id}/{q.id}" for e in quizzes.values() for q in e.questions
               if q.type in ("numeric", "shape", "symbolic") and not q.verify]
    assert missing == []


@pytest.mark.parametrize("exercise_id", QUIZ_IDS)
def test_validate_proves_every_key(quizzes, exercise_id):
    report = Validation()
    validate_exercise(quizzes[exercise_id], report)
    assert report.ok, "\n".join(map(str, report.findings))


@pytest.mark.parametrize(("exercise_id", "question_id"), _questions())
def test_the_key_gets_full_marks(quizzes, exercise_id, question_id):
    exercise = quizzes[exercise_id]
    question = exercise.question(question_id)
    for student in STUDENTS:
        values = draw(exercise, student)
        if question.type == "symbolic":
            raw = question.answer  # the author's text; students write formulas the same way
        else:
            raw = _as_answer(question, keys.key_value(exercise, question, values))
        result = mark(exercise, question, values, raw)
        assert result.status is Status.PASSED, (student, raw, result.message)
        assert result.score == question.points


@pytest.mark.parametrize(("exercise_id", "question_id"), _questions())
def test_each_feedback_rule_is_marked_wrong_and_says_its_words(quizzes, exercise_id, question_id):
    exercise = quizzes[exercise_id]
    question = exercise.question(question_id)
    values = draw(exercise, STUDENTS[0])
    for rule in question.feedback:
        if question.type == "symbolic":
            raw = rule.when
        else:
            raw = _as_answer(question, keys.rule_value(exercise, question, rule.when, values))
        result = mark(exercise, question, values, raw)
        assert result.status in (Status.FAILED, Status.PARTIAL), (raw, result.message)
        assert result.score < question.points
        assert result.hint == render_text(rule.say, values)


# --- the proof helpers reject wrong answers ---------------------------------------------

I, J = sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)
Y_I, Y_J = sp.Symbol("y_i", real=True), sp.Symbol("y_j", real=True)


def test_softmax_derivative_holds_only_for_the_right_formula():
    assert proofs.softmax_derivative_holds(Y_I * (sp.KroneckerDelta(I, J) - Y_J))
    assert proofs.softmax_derivative_holds(Y_I * (1 - Y_I))  # the diagonal case alone
    for wrong in (Y_I * (1 - Y_J), -Y_I * Y_J, Y_I * (sp.KroneckerDelta(I, J) - Y_I),
                  Y_J * (sp.KroneckerDelta(I, J) + Y_I), Y_I, sp.KroneckerDelta(I, J) - Y_I * Y_J):
        assert not proofs.softmax_derivative_holds(wrong), wrong
    assert not proofs.softmax_derivative_holds(Y_I * (1 - Y_I) + sp.Symbol("z"))  # an unknown name


def test_softmax_derivative_takes_either_common_factor(quizzes):
    """y_j*(delta(i,j) - y_i) is right too: y_i and y_j are items of one y, equal when i = j."""
    assert proofs.softmax_derivative_holds(Y_J * (sp.KroneckerDelta(I, J) - Y_I))
    exercise = quizzes["softmax-derivative"]
    question = exercise.question("elementwise")
    for raw, status in (("y_j*(delta(i, j) - y_i)", Status.PASSED), ("delta(i,j)*y_j - y_i*y_j", Status.PASSED),
                        ("y_i*(delta(i, j) - y_i)", Status.FAILED), ("y_j*(1 - y_i)", Status.FAILED)):
        result = mark(exercise, question, draw(exercise, "ada"), raw)
        assert result.status is status, (raw, result.message)


def test_softmax_jacobian_forms_depend_on_the_layout():
    column_form = lambda y: sp.diag(*y) - y * y.T  # noqa: E731
    row_form = lambda y: sp.diag(*y) - y.T * y  # noqa: E731
    assert proofs.softmax_jacobian_is(column_form, "column")
    assert proofs.softmax_jacobian_is(row_form, "row")
    assert not proofs.softmax_jacobian_is(row_form, "column")  # y^T y is 1x1 for a column
    assert not proofs.softmax_jacobian_is(column_form, "row")
    assert not proofs.softmax_jacobian_is(lambda y: y * y.T - sp.diag(*y), "column")
    assert not proofs.softmax_jacobian_is(lambda y: sp.eye(3) - y * y.T, "column")


def test_conv_output_size_catches_wrong_formulas():
    grid = [(n, p, k, s) for n in range(1, 20) for p in range(0, 6) for k in range(1, 6) for s in range(1, 4) if n + p >= k]
    measured = {case: proofs.conv_output_size(*case) for case in grid}
    assert all(measured[(n, p, k, s)] == (n + p - k + s) // s for n, p, k, s in grid)
    for wrong in (lambda n, p, k, s: (n + p - k) / s + 1,  # no floor
                  lambda n, p, k, s: (n + 2 * p - k + s) // s,  # padding read as per side
                  lambda n, p, k, s: n + p - k + 1):  # stride ignored
        assert any(measured[case] != wrong(*case) for case in grid)


def test_pool_and_same_padding_measurements():
    assert proofs.pool_output_size(55, 3, 2) == 27  # AlexNet's overlapping pooling
    assert proofs.pool_output_size(28, 2) == 14  # stride defaults to the window
    assert [proofs.same_padding(20, k) for k in (3, 5, 7)] == [1, 2, 3]


def test_course_numbers():
    assert proofs.param_count(nn.Conv2d(3, 10, 3)) == 280
    assert proofs.param_count(course.lenet()) == 61706
    assert proofs.param_share(course.lenet(), nn.Linear) > 0.9
    assert proofs.output_shape(course.alexnet()[:14], [1, 1, 224, 224]) == [1, 256 * 5 * 5]
    assert math.isclose(proofs.softmax_value([1, 1, 2], 2), 0.5761168847658291, rel_tol=1e-12)
    assert math.isclose(proofs.softmax_value([10, 10, 20], 2), 0.9999092083843412, rel_tol=1e-12)
    assert proofs.head_split_shape(2, 5, 512, 8) == [16, 5, 64]
    assert proofs.output_shape(course.inception(192, 64, (96, 128), (16, 32), 32), [1, 192, 28, 28])[1] == 256


def test_multi_head_counts_tell_the_conventions_apart():
    h, d = 8, 64
    assert proofs.per_head_attention_params(h, d) == 4 * h * d * d
    assert proofs.per_head_attention_params(h, d) != 3 * h * d * d
    assert proofs.param_count(nn.MultiheadAttention(d, h)) == 4 * d * d + 4 * d
    assert proofs.param_count(nn.MultiheadAttention(d, h)) != proofs.per_head_attention_params(h, d)


def test_dot_product_variance_is_d_k_and_scaling_by_sqrt_brings_it_to_one():
    for d_k in (16, 256):
        assert abs(proofs.dot_product_variance(d_k) - d_k) / d_k < 0.05
        assert abs(proofs.dot_product_variance(d_k, scale=math.sqrt(d_k)) - 1) < 0.05
        assert abs(proofs.dot_product_variance(d_k, scale=d_k) - 1) > 0.5  # dividing by d_k is wrong
    assert abs(proofs.dot_product_mean(64)) < 0.5


def test_normalisation_groups():
    assert proofs.influence_count(nn.LayerNorm(8), [4, 5, 8]) == 8
    assert proofs.influence_count(nn.BatchNorm1d(8), [4, 8]) == 4


def test_letter_helpers():
    assert proofs.letter_where({"a": False, "b": True}) == "b"
    assert proofs.letter_where({"a": True, "b": True}) is None
    assert proofs.letter_where({"a": False}) is None
    assert proofs.letters_where({"c": True, "a": True, "b": False}) == ["a", "c"]


def test_recurrent_and_clipping_helpers():
    assert proofs.linear_rnn_gradient(0.5, 3) == pytest.approx(0.125)
    assert proofs.clipped_gradient([6.0, 8.0], 1.0) == pytest.approx([0.6, 0.8], rel=1e-5)
    assert proofs.clipped_gradient([0.3, 0.4], 1.0) == pytest.approx([0.3, 0.4])
    assert proofs.decoder_forward_passes(9, "train") == 1
    assert proofs.decoder_forward_passes(9, "predict") == 9
    assert proofs.masked_attention_weights([0.0] * 5, 2) == pytest.approx([0.5, 0.5, 0, 0, 0])


def test_positional_encoding_table():
    table = course.positional_encoding(16, 4)
    assert table[0, 0::2].abs().max() == 0 and (table[0, 1::2] == 1).all()
    assert course.positional_encoding_angle(3, 4, 16) == pytest.approx(3 / 10000 ** (4 / 16))
    assert course.positional_encoding_angle(3, 5, 16) == course.positional_encoding_angle(3, 4, 16)


def test_equivalence_proofs():
    assert proofs.pointwise_conv_equals_linear(3, 5)
    assert proofs.ffn_equals_conv1x1(8, 32)
    assert proofs.self_attention_ignores_order(8, 6)


# --- the example student ---------------------------------------------------------------

def test_example_student_answers_every_quiz_with_known_names(quizzes):
    answers = yaml.safe_load((EXAMPLE / "answers.yaml").read_text())
    assert yaml.safe_load((EXAMPLE / "student.yaml").read_text())["id"] == "ada-lovelace"
    assert sorted(answers) == sorted(quizzes)
    for exercise_id, given in answers.items():
        assert set(given) <= {q.id for q in quizzes[exercise_id].questions}, exercise_id


def test_example_student_gets_a_rich_report(quizzes):
    answers = yaml.safe_load((EXAMPLE / "answers.yaml").read_text())
    statuses = []
    for exercise in quizzes.values():
        values = draw(exercise, "ada-lovelace")
        for question in exercise.questions:
            statuses.append(mark(exercise, question, values, answers[exercise.id].get(question.id)).status)
    passed = statuses.count(Status.PASSED)
    assert passed > 0.8 * len(statuses)  # mostly right
    assert {Status.FAILED, Status.PARTIAL, Status.ERROR, Status.NOT_SUBMITTED} <= set(statuses)
