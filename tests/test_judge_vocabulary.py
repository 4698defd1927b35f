"""The judge speaks the course's mathematics: functions, constants, towers, and the caps that still stop hostile text.

Real parser, real sympy, the real worker (and the in-process judge where marked).
"""

from __future__ import annotations

import time

import pytest
import sympy

from conftest import REPO, both_ways, integer, real
from judge_cases import COURSE, FUNCTIONS
from grader.bank.loading import load_exercise
from grader.bank.variants import draw
from grader.judge.equivalence import Domain, Judge, Verdict, judge
from grader.judge.expr import AUTHOR_LIMITS, STUDENT_LIMITS, CapExceeded, ExpressionError, parse_expression
from grader.quiz.marking import mark
from grader.reports.results import Status


def domains_of(plain: dict) -> dict[str, Domain]:
    return {name: Domain(*spec) for name, spec in plain.items()}


def verdict_of(candidate: str, key: str, how=judge, constraints=(), **domains):
    """Judge a student's text (student caps) against an author's key (author caps)."""
    table = {name: sympy.Symbol(name, integer=d.kind == "integer", real=True) for name, d in domains.items()}
    given = parse_expression(candidate, table, STUDENT_LIMITS)
    expected = parse_expression(key, table, AUTHOR_LIMITS)
    return how(given, expected, {table[name]: d for name, d in domains.items()}, list(constraints))


@pytest.mark.parametrize(("domains", "candidate", "key", "verdict"), COURSE,
                         ids=[f"{c}={k}"[:60] for _, c, k, _ in COURSE])
def test_the_courses_formulas(domains, candidate, key, verdict):
    judgement = verdict_of(candidate, key, **domains_of(domains))
    assert judgement.verdict is Verdict(verdict), judgement.reason


@both_ways
@pytest.mark.parametrize(("domains", "candidate", "key", "verdict"), FUNCTIONS,
                         ids=[f"{c}={k}"[:60] for _, c, k, _ in FUNCTIONS])
def test_functions_and_constants(how, domains, candidate, key, verdict):
    judgement = verdict_of(candidate, key, how, **domains_of(domains))
    assert judgement.verdict is Verdict(verdict), judgement.reason


def test_constants_give_way_to_a_param_or_variable_of_the_same_name():
    e = sympy.Symbol("e", integer=True)
    assert parse_expression("e + 1", {"e": e}) == e + 1
    assert parse_expression("e + 1", {}) == sympy.E + 1
    assert parse_expression("2*pi", {"x": sympy.Symbol("x")}) == 2 * sympy.pi
    with pytest.raises(ExpressionError, match="constants pi, e"):
        parse_expression("p + 1", {"x": sympy.Symbol("x")})


TEXTBOOK = [
    "exp(x^2)", "exp(-x^2/2)", "10000^(2*i/d)", "(x - a)^100", "exp(sigmoid(x))", "2^(i^2)",
    "exp(x)/(1 + exp(x))", "exp(-2*i*log(10000)/d)", "exp(-20000*i/d)", "x^365", "2^2^i", "(x - a)^6000",
]


@pytest.mark.parametrize("text", TEXTBOOK)
def test_textbook_expressions_pass_the_caps(text):
    table = {name: sympy.Symbol(name, real=True) for name in ("x", "a")}
    table |= {name: sympy.Symbol(name, integer=True) for name in ("i", "d")}
    parse_expression(text, table, STUDENT_LIMITS)
    parse_expression(text, table, AUTHOR_LIMITS)


HOSTILE = {  # text -> the cap that must refuse it
    "exp(exp(exp(x)))": "tower",
    "2^2^2^i": "tower",
    "x^(2^(2^i))": "tower",
    "x^10001": "max_exponent",
    "((x^10)^10)^101": "max_exponent",  # sympy combines it into x^10100
    "2^(i + 10^30)": "max_in_exponent",
    "exp(x*10^6)": "max_in_exponent",
    "floor(exp(10^30))": "max_value_digits",
    "9^9^9": "max_exponent",  # 9^387420489: the exponent is refused before anything is computed
    "(3/2)^1000": "max_value_digits",
    "x" * 501: "max_length",
    "(" * 41 + "x" + ")" * 41: "max_depth",
    "1" * 31: "max_int_digits",
}


@pytest.mark.parametrize("text", list(HOSTILE), ids=[t[:30] for t in HOSTILE])
def test_hostile_expressions_are_refused_naming_the_cap(text):
    table = {"x": sympy.Symbol("x", real=True), "i": sympy.Symbol("i", integer=True)}
    started = time.monotonic()
    with pytest.raises(CapExceeded) as refused:
        parse_expression(text, table, STUDENT_LIMITS)
    assert time.monotonic() - started < 2
    assert refused.value.cap == HOSTILE[text]
    assert "cap" in str(refused.value)


def test_what_passes_the_caps_but_explodes_is_judged_or_stopped_in_time():
    # 2^2^k is legal (two levels), but 2^(2^64) cannot be computed: those points are skipped
    started = time.monotonic()
    assert verdict_of("2^2^k", "k", k=integer(1, 64)).verdict is Verdict.DIFFERENT  # differs at k = 1 already
    # exp(exp(x)) is too large to compute for x > 12 or so, 40% of the domain: too few points
    # compared to call anything equal by sampling; sympy proves this one
    huge = verdict_of("exp(exp(x))*sin(x)^2 + exp(exp(x))*cos(x)^2", "exp(exp(x))", x=real(-50, 50))
    assert huge.verdict is Verdict.EQUAL and huge.reason == "proved by sympy", huge.reason
    # ...and an answer wrong only where neither can be computed is not accepted
    assert verdict_of("exp(exp(x)) + max(0, x - 13)", "exp(exp(x))", x=real(-50, 50)).verdict is Verdict.UNDECIDED
    # where the key can be computed at 90% of the points or more, agreement there is enough
    assert verdict_of("exp(exp(x))*sin(x)^2 + exp(exp(x))*cos(x)^2", "exp(exp(x))",
                      x=real(-50, 14)).reason.startswith("agrees at")
    assert verdict_of("floor(exp(x^2))", "x", x=real(0, 1000)).verdict is Verdict.DIFFERENT
    with Judge() as judging:  # sympy's expand of (x+y+z)^1000 would take minutes: the time limit stops it
        table = {name: sympy.Symbol(name, real=True) for name in "xyz"}
        domains = {symbol: real(-2, 2) for symbol in table.values()}
        began = time.monotonic()
        slow = judging.judge(parse_expression("(x + y + z)^1000", table, STUDENT_LIMITS),
                             parse_expression("(x + y - z)^1000", table, STUDENT_LIMITS), domains, time_limit=2.0)
        assert slow.verdict in (Verdict.DIFFERENT, Verdict.UNDECIDED)
        assert time.monotonic() - began < 2.0 + judging.grace + 1
        assert judging.judge(table["x"] * 2, table["x"] + table["x"], domains).verdict is Verdict.EQUAL
    assert time.monotonic() - started < 30


def test_a_cap_refusal_says_so_to_the_student(tmp_path):
    exercise = load_exercise(REPO / "exercises" / "rnn-gradients")
    question = exercise.question("sigmoid-derivative")
    values = draw(exercise, "s1")
    result = mark(exercise, question, values, "exp(exp(exp(z)))")
    assert result.status is Status.ERROR
    assert result.message.startswith("answer refused by a safety cap: ") and "tower cap" in result.message
    assert "could not read" not in result.message
    unreadable = mark(exercise, question, values, "sigmoid(z")
    assert unreadable.message.startswith("could not read the answer")


@pytest.mark.parametrize(("quiz", "question", "answer", "status", "hint"), [
    ("rnn-gradients", "sigmoid-derivative", "exp(-z)/(1 + exp(-z))^2", Status.PASSED, ""),
    ("rnn-gradients", "sigmoid-derivative", "sigmoid(z)*sigmoid(-z)", Status.PASSED, ""),
    ("rnn-gradients", "sigmoid-derivative", "1 - sigmoid(z)^2", Status.FAILED, "pattern of tanh"),
    ("rnn-gradients", "sigmoid-derivative", "-exp(-z)/(1 + exp(-z))^2", Status.FAILED, "Two minus signs"),
    ("rnn-gradients", "tanh-derivative", "1/cosh(u)^2", Status.PASSED, ""),
    ("rnn-gradients", "tanh-derivative", "tanh(u)*(1 - tanh(u))", Status.FAILED, "logistic sigma"),
    ("rnn-gradients", "tanh-through-time", "w^2/(cosh(w*h_0)^2*cosh(w*tanh(w*h_0))^2)", Status.PASSED, ""),
    ("rnn-gradients", "tanh-through-time", "w^2", Status.FAILED, "linear RNN"),
    ("positional-encoding-quiz", "odd-entry", "sin(pi/2 + i/10000^(2*j/d))", Status.PASSED, ""),
    ("positional-encoding-quiz", "odd-entry", "sin(i/10000^(2*j/d))", Status.FAILED, "odd column"),
    ("positional-encoding-quiz", "frequency", "10000^(-2*j/d)", Status.PASSED, ""),
    ("positional-encoding-quiz", "frequency", "exp(-2*j*10000/d)", Status.FAILED, "log of 10000"),
    ("positional-encoding-quiz", "wavelength", "2*pi/exp(-2*j*log(10000)/d)", Status.PASSED, ""),
    ("positional-encoding-quiz", "wavelength", "2*pi/10000^(2*j/d)", Status.FAILED, "divided by the rate"),
])
def test_the_new_bank_questions(quiz, question, answer, status, hint):
    """The RNN notes' derivatives and the positional-encoding formulas, with their classic wrong forms."""
    exercise = load_exercise(REPO / "exercises" / quiz)
    result = mark(exercise, exercise.question(question), draw(exercise, "s1"), answer)
    assert result.status is status, result.message
    assert hint in result.hint
