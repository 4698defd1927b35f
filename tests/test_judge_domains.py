"""Domains: removable singularities, narrow domains, negative bases, the declared domain, and validate's warning.

Real parser, real sympy, the real worker (and the in-process judge where marked).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from conftest import both_ways, integer, real, write_spec
from judge_cases import DECLARED, INTERVALS, NARROW, REMOVABLE
from grader.bank.loading import load_exercise
from grader.judge.equivalence import Domain, Verdict, judge, judge_in_process
from grader.judge.evaluate import Evaluator, Undefined, not_real, same
from grader.judge.expr import AUTHOR_LIMITS, STUDENT_LIMITS, parse_expression
from grader.judge.key_domain import key_gap
from grader.proofs.validate import validate_bank
from grader.quiz.marking import mark
from grader.reports.results import Status


def table_of(domains):
    return {name: sympy.Symbol(name, integer=d.kind == "integer", real=True) for name, d in domains.items()}


def judged(candidate: str, key: str, how=judge, **domains):
    domains = {name: d if isinstance(d, Domain) else Domain(*d) for name, d in domains.items()}
    table = table_of(domains)
    given = parse_expression(candidate, table, STUDENT_LIMITS)
    expected = parse_expression(key, table, AUTHOR_LIMITS)
    return how(given, expected, {table[name]: d for name, d in domains.items()})


@both_ways
@pytest.mark.parametrize(("candidate", "key", "domains"), REMOVABLE, ids=[c for c, _, _ in REMOVABLE])
def test_removable_singularities_are_equal(how, candidate, key, domains):
    judgement = judged(candidate, key, how, **domains)
    assert judgement.verdict is Verdict.EQUAL, judgement.reason
    reverse = judged(key, candidate, how, **domains)  # the rule is symmetric now
    assert reverse.verdict is Verdict.EQUAL, reverse.reason


@pytest.mark.parametrize(("candidate", "key", "domains", "reason"), INTERVALS, ids=[c for c, *_ in INTERVALS])
def test_answers_undefined_on_an_interval_are_different(candidate, key, domains, reason):
    judgement = judged(candidate, key, **domains)
    if reason is None:
        assert judgement.verdict is Verdict.EQUAL, judgement.reason
        return
    assert judgement.verdict is Verdict.DIFFERENT, judgement.reason
    assert judgement.note.startswith("your answer has no real value at ") and reason in judgement.note
    assert "near it" in judgement.note  # an interval, not a point
    point = {name: Fraction(value) for name, value in judgement.counterexample.items()}
    table = table_of({name: Domain(*d) for name, d in domains.items()})
    Evaluator(parse_expression(key, table, AUTHOR_LIMITS))(point)  # the key has a value there...
    with pytest.raises(Undefined):
        Evaluator(parse_expression(candidate, table, AUTHOR_LIMITS))(point)  # ...the answer has none


def test_on_integers_every_point_counts():
    judgement = judged("(n^2 - 1)/(n - 1)", "n + 1", n=integer(1, 64))
    assert judgement.verdict is Verdict.DIFFERENT
    assert judgement.reason == "differs at n=1: undefined (division by zero) vs 2"
    assert judgement.note == "your answer has no real value at n=1 (division by zero), where a correct answer has one"
    assert judged("n*(n - 1)/(n - 1)", "n", n=integer(2, 64)).verdict is Verdict.EQUAL
    # mixed: an integer fixed, a real moved around the singularity
    assert judged("k*(x - 1)/(x - 1)", "k", x=real(-2, 2), k=integer(1, 5)).verdict is Verdict.EQUAL


@both_ways
@pytest.mark.parametrize(("candidate", "key", "domains", "verdict"), NARROW, ids=[c for c, *_ in NARROW])
def test_narrow_domains_are_sampled_where_the_key_lives(how, candidate, key, domains, verdict):
    judgement = judged(candidate, key, how, **domains)
    assert judgement.verdict is Verdict(verdict), judgement.reason
    if verdict == "equal" and judgement.reason.startswith("agrees"):
        assert int(judgement.reason.split()[2]) >= 100


@pytest.mark.parametrize(("text", "reason"), [
    ("(19601-13861*sqrt(2))^(7/4)", "a negative number to a fractional power: 19601 - 13861*sqrt(2) < 0"),
    ("sqrt(-2)", "not a real number"),
    ("(-8)^(1/3)", "a negative number to a fractional power"),
    ("log(-1)", "not a real number"),
    ("asin(2)", "asin of a number outside [-1, 1]"),
    ("acosh(sqrt(2)/3)", "acosh of a number outside [1, oo]"),
    ("acosh(1/2)", "not a real number: I"),  # sympy makes it I*pi/3 as it reads it: the part is lost, not the verdict
])
def test_numbers_that_are_not_real_say_why(text, reason):
    value = parse_expression(text, {}, STUDENT_LIMITS)  # read, not refused
    assert reason in not_real(value)
    assert not_real(parse_expression("(19601+13861*sqrt(2))^(7/4)", {}, STUDENT_LIMITS)) == ""


def test_a_negative_base_to_a_fractional_power_is_wrong_with_a_reason(tmp_path):
    folder = write_spec(tmp_path / "pell", """\
id: pell
title: A power
kind: quiz
topic: t
questions:
  - id: value
    type: numeric
    prompt: "What is (19601 + 13861*sqrt(2))^(7/4)?"
    answer: "(19601 + 13861*sqrt(2))^(7/4)"
    tolerance: {rel: 1.0e-9}
  - id: formula
    type: symbolic
    prompt: "x to the 7/4"
    variables:
      x: {real: [0, 4]}
    answer: "x^(7/4)"
""")
    exercise = load_exercise(folder)
    numeric, symbolic = exercise.questions
    assert mark(exercise, numeric, {}, "(19601 + 13861*sqrt(2))^(7/4)").status is Status.PASSED
    wrong = mark(exercise, numeric, {}, "(19601-13861*sqrt(2))^(7/4)")
    assert wrong.status is Status.FAILED
    assert wrong.message.startswith("not correct: it is not a real number (a negative number to a fractional power")
    plain = mark(exercise, numeric, {}, "1")
    assert plain.status is Status.FAILED and plain.message == "not correct"
    constant = mark(exercise, symbolic, {}, "(-x - 1)^(7/4)")
    assert constant.status is Status.FAILED and "no real value" in constant.message and "near it" in constant.message
    assert mark(exercise, symbolic, {}, "sqrt(x)^3*x^(1/4)").status is Status.PASSED


@both_ways
@pytest.mark.parametrize(("candidate", "key", "domains", "verdict"), DECLARED,
                         ids=[f"{c}={k} on {d}"[:70] for c, k, d, _ in DECLARED])
def test_the_declared_domain_decides(how, candidate, key, domains, verdict):
    judgement = judged(candidate, key, how, **domains)
    assert judgement.verdict is Verdict(verdict), judgement.reason
    if verdict == "different" and "^(7/4)" in candidate:
        assert "real" in judgement.note


def test_exact_where_values_land_on_a_jump():
    x = sympy.Symbol("x", real=True)
    assert Evaluator(sympy.floor(2 * sympy.sin(sympy.pi * x)))({"x": Fraction(1, 6)}) == 1
    assert Evaluator(sympy.ceiling(4 * sympy.cos(sympy.pi * x) ** 2))({"x": Fraction(1, 3)}) == 1
    assert Evaluator(sympy.KroneckerDelta(sympy.sqrt(x) ** 2, 2))({"x": Fraction(2)}) == 1
    # e^180 + 1 - e^180 loses 78 of 60 digits: the judge looks again at 200 before it says "different"
    big = sympy.exp(60 * x) * (sympy.sin(x) ** 2 + sympy.cos(x) ** 2) + 1 - sympy.exp(60 * x)
    assert not same(Evaluator(big)({"x": Fraction(3)}), Fraction(1))
    assert same(Evaluator(big)({"x": Fraction(3)}, 200), Fraction(1))
    judgement = judge_in_process(big, sympy.Integer(1) + 0 * x, {x: real(1, 3)})
    assert judgement.verdict is Verdict.EQUAL, judgement.reason
    assert judge_in_process(big + sympy.exp(-30 * x), sympy.Integer(1), {x: real(1, 3)}).verdict is Verdict.DIFFERENT


def test_key_gaps_are_found_where_the_key_has_no_value():
    x, n = sympy.Symbol("x", real=True), sympy.Symbol("n", integer=True)
    assert "log of zero or a negative number" in key_gap(sympy.log(x), {"x": real(-2, 2)})
    assert key_gap(sympy.log(x), {"x": real(0.5, 2)}) is None
    assert key_gap(sympy.sin(x) / x, {"x": real(-2, 2)}) is None  # an isolated point
    assert key_gap((n**2 - 1) / (n - 1), {"n": integer(1, 9)}) == "n=1 (division by zero)"
    assert key_gap(sympy.sqrt(x), {"x": real(-1, 1)}, [sympy.Ge(x, 0)]) is None  # a constraint excludes the gap


NARROW_SPEC = """\
id: narrow
title: Narrow
kind: quiz
topic: t
questions:
  - id: q
    type: symbolic
    prompt: "log-odds"
    variables:
      x: {real: [-10, 10]}
    answer: "log((x+1)/(1-x))"
"""  # log-odds: a key with a value only on (-1, 1)


def test_validate_warns_when_a_key_is_undefined_on_part_of_its_domain(tmp_path):
    write_spec(tmp_path / "narrow", NARROW_SPEC)
    report = validate_bank(tmp_path)
    assert report.ok and report.findings == []
    (warning,) = report.warnings
    assert "questions.0.answer" in str(warning) and "the key has no value at x=" in str(warning)
    assert "log of zero or a negative number" in str(warning) and "x in [-10, 10]" in str(warning)
    write_spec(tmp_path / "narrow", NARROW_SPEC.replace("[-10, 10]", "[-0.99, 0.99]"))
    assert validate_bank(tmp_path).warnings == []


def test_grader_validate_prints_the_warning_and_still_passes(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import REPO

    write_spec(tmp_path / "bank" / "narrow", NARROW_SPEC)
    run = subprocess.run([sys.executable, "-m", "grader.cli", "validate", str(tmp_path / "bank")], cwd=REPO,
                         capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "300"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "warning:" in run.stderr and "the key has no value at x=" in run.stderr
    assert "bank is valid" in run.stdout
