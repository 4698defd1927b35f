"""Marking answers of every type, the feedback rules, and malformed or hostile answers."""

import pytest

from conftest import FIXTURE_BANK
from grader.bank.loading import load_bank
from grader.bank.variants import draw
from grader.quiz.marking import mark
from grader.reports.results import Status


@pytest.fixture(scope="module")
def bank():
    return {e.id: e for e in load_bank(FIXTURE_BANK)}


def marked(bank, exercise_id, question_id, raw, student="s1"):
    exercise = bank[exercise_id]
    question = exercise.question(question_id)
    return mark(exercise, question, draw(exercise, student), raw)


def params(bank, exercise_id, student="s1"):
    return draw(bank[exercise_id], student)


def test_numeric_exact_key_and_expressions(bank):
    p = params(bank, "layer-count")
    right = p["c_out"] * p["c_in"] * p["k"] ** 2 + p["c_out"]
    assert marked(bank, "layer-count", "count", right).status is Status.PASSED
    assert marked(bank, "layer-count", "count", right).score == 2
    assert marked(bank, "layer-count", "count", f"{p['c_out']}*{p['c_in']}*{p['k']}**2 + {p['c_out']}").score == 2
    assert marked(bank, "layer-count", "count", str(right)).status is Status.PASSED
    assert marked(bank, "layer-count", "count", right + 1).status is Status.FAILED


def test_numeric_feedback_rule_names_the_mistake(bank):
    p = params(bank, "layer-count")
    result = marked(bank, "layer-count", "count", p["c_out"] * p["c_in"] * p["k"] ** 2)
    assert result.status is Status.FAILED and result.score == 0
    assert result.hint == "One bias per output channel is missing."


def test_unmatched_wrong_answers_get_the_general_hint(bank):
    result = marked(bank, "layer-count", "count", 1)
    assert result.hint == "Count the weights of every output channel, then the biases."


def test_a_variant_is_graded_against_its_own_numbers(bank):
    # two students with different params: each one's right answer is wrong for the other
    students = [f"s{n}" for n in range(30)]
    answers = {}
    for student in students:
        p = params(bank, "layer-count", student)
        answers[student] = p["c_out"] * p["c_in"] * p["k"] ** 2 + p["c_out"]
    a, b = next((x, y) for x in students for y in students if answers[x] != answers[y])
    assert marked(bank, "layer-count", "count", answers[a], student=a).status is Status.PASSED
    assert marked(bank, "layer-count", "count", answers[a], student=b).status is Status.FAILED


@pytest.mark.parametrize("answer, status", [(0.3333, Status.PASSED), ("1/3", Status.PASSED), (0.336, Status.PASSED),
                                            (0.331, Status.PASSED), (0.3, Status.FAILED), (0.34, Status.FAILED),
                                            (0.337, Status.FAILED)])
def test_relative_tolerance(bank, answer, status):
    assert marked(bank, "layer-count", "ratio", answer).status is status


@pytest.mark.parametrize("answer", [
    "floor((n_h + p_h - k_h + s_h) / s_h)",
    "floor((n_h + p_h - k_h)/s_h) + 1",
    "ceil((n_h + p_h - k_h + 1)/s_h)",
    "(n_h + p_h - k_h + s_h) // s_h",
])
def test_symbolic_equivalent_forms_pass(bank, answer):
    result = marked(bank, "layer-count", "out-height", answer)
    assert result.status is Status.PASSED, result.message


def test_symbolic_wrong_forms_fail_with_feedback(bank):
    result = marked(bank, "layer-count", "out-height", "(n_h + p_h - k_h)/s_h + 1")
    assert result.status is Status.FAILED and result.hint == "The size is a whole number: floor the division."
    other = marked(bank, "layer-count", "out-height", "floor((n_h + 2*p_h - k_h + s_h) / s_h)")
    assert other.status is Status.FAILED and other.hint == ""


@pytest.mark.parametrize("answer", [[2, 6, 14, 14], "(2, 6, 14, 14)", "[2,6,14,14]", "torch.Size([2, 6, 14, 14])", "2x6x14x14"])
def test_shapes_as_lists_or_text(bank, answer):
    student = next(s for s in (f"s{n}" for n in range(50)) if params(bank, "shapes-and-choices", s)["n"] == 28)
    assert marked(bank, "shapes-and-choices", "pooled", answer, student).status is Status.PASSED


def test_shape_feedback_and_bad_shapes(bank):
    student = next(s for s in (f"s{n}" for n in range(50)) if params(bank, "shapes-and-choices", s)["n"] == 28)
    assert marked(bank, "shapes-and-choices", "pooled", [2, 3, 14, 14], student).hint == "Pooling keeps the number of channels."
    for bad in ["two by six", [2, "six"], [2, "6.5"], {"a": 1}, [2.5, 6], [2, None]]:
        result = marked(bank, "shapes-and-choices", "pooled", bad, student)
        assert result.status is Status.ERROR and "shape" in result.message


@pytest.mark.parametrize("answer, status", [("b", Status.PASSED), ("B", Status.PASSED), ("(b)", Status.PASSED),
                                            ("the last (feature) dimension", Status.PASSED), ("a", Status.FAILED)])
def test_choice_by_letter_or_text(bank, answer, status):
    assert marked(bank, "shapes-and-choices", "norm-axis", answer).status is status


def test_choice_feedback_and_unknown_option(bank):
    assert marked(bank, "shapes-and-choices", "norm-axis", "a").hint == "That is BatchNorm."
    result = marked(bank, "shapes-and-choices", "norm-axis", "z")
    assert result.status is Status.ERROR and "answer with one of the letters a, b, c" in result.message


@pytest.mark.parametrize("answer, score, status", [
    (["a", "b", "c"], 3, Status.PASSED), ("c, b, a", 3, Status.PASSED), (["a", "b"], 2, Status.PARTIAL),
    (["a", "b", "c", "d"], 2, Status.PARTIAL), (["a", "d"], 0, Status.FAILED), (["d"], 0, Status.FAILED),
    (["input", "forget"], 2, Status.PARTIAL), ([], 0, Status.FAILED),
])
def test_multi_partial_credit(bank, answer, score, status):
    result = marked(bank, "shapes-and-choices", "gates", answer)
    assert (result.score, result.status) == (pytest.approx(score), status)


def test_multi_refuses_repeated_letters(bank):
    assert marked(bank, "shapes-and-choices", "gates", ["a", "a", "b"]).status is Status.ERROR


def test_missing_answer_is_not_submitted(bank):
    result = marked(bank, "layer-count", "count", None)
    assert result.status is Status.NOT_SUBMITTED and result.score == 0


@pytest.mark.parametrize("raw", [
    "__import__('os').system('touch /tmp/grader-pwned')", "().__class__", "9**9**9**9", "1" * 100_000,
    "(" * 3000 + "1" + ")" * 3000, "two hundred", True, {"nested": 1}, [1, 2], float("nan"),
])
def test_malformed_and_hostile_numbers_get_a_message(bank, raw, tmp_path):
    result = marked(bank, "layer-count", "count", raw)
    assert result.status is Status.ERROR and result.score == 0
    assert result.message.startswith(("could not read the answer", "answer refused by a safety cap"))
    assert "Traceback" not in result.message


def test_hostile_formulas_run_nothing(bank, tmp_path):
    marker = tmp_path / "pwned"
    for raw in [f"__import__('os').system('touch {marker}')", "n_h.__class__", "lambda: 1", "[n_h][0]", f"open('{marker}', 'w')"]:
        result = marked(bank, "layer-count", "out-height", raw)
        assert result.status is Status.ERROR, raw
    assert not marker.exists()
