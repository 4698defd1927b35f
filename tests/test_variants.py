"""Variants: seeded per (student, exercise), stable everywhere, within their constraints."""

import pytest

from conftest import write_spec
from grader.bank.loading import load_exercise
from grader.bank.variants import draw, satisfies
from grader.errors import SpecErrors

SPEC = """\
id: drawn
title: Drawn
kind: quiz
topic: t
params:
  a: {min: 1, max: 50}
  b: [2, 3, 5, 7]
  mode: [max, avg]
constraints: [CONSTRAINT]
questions:
  - {id: q, type: numeric, prompt: "{{ a }} {{ b }} {{ mode }}", answer: "a + b"}
"""


@pytest.fixture
def exercise(tmp_path):
    return load_exercise(write_spec(tmp_path / "drawn", SPEC.replace("CONSTRAINT", '"a >= b"')))


def test_a_student_always_gets_the_same_variant(exercise):
    assert draw(exercise, "s1") == draw(exercise, "s1")


def test_the_draw_is_pinned_across_machines_and_versions(exercise):
    # A contract, not a computed value: if the algorithm changes, regrading would change
    # what students were asked. SHA-256 of "s1\0drawn\0a\00" picks a; likewise b and mode.
    assert draw(exercise, "s1") == {"a": 17, "b": 7, "mode": "avg"}


def test_students_get_different_variants(exercise):
    seen = {tuple(draw(exercise, f"student-{n}").values()) for n in range(40)}
    assert len(seen) > 20


def test_values_come_from_their_pools(exercise):
    for n in range(100):
        values = draw(exercise, f"s{n}")
        assert 1 <= values["a"] <= 50 and values["b"] in (2, 3, 5, 7) and values["mode"] in ("max", "avg")


def test_constraints_are_met_by_redrawing(tmp_path):
    exercise = load_exercise(write_spec(tmp_path / "drawn", SPEC.replace("CONSTRAINT", '"a <= b"')))
    for n in range(50):
        values = draw(exercise, f"s{n}")
        assert values["a"] <= values["b"] and satisfies(exercise, values)


def test_impossible_constraints_are_a_spec_error_at_load(tmp_path):
    with pytest.raises(SpecErrors, match="no draw of params satisfied the constraints"):
        load_exercise(write_spec(tmp_path / "drawn", SPEC.replace("CONSTRAINT", '"a > 100"')))


def test_numbers_are_put_into_every_bundled_key_rule_and_constraint_as_subs_puts_them():
    """put_numbers rebuilds the tree instead of pattern matching: the same value as subs, for each key,
    feedback rule and constraint of the bundled bank, over 12 variants each."""
    import sympy

    from grader.bank.loading import load_bank
    from grader.bank.resources import bundled
    from grader.bank.spec import QuizExercise
    from grader.judge.expr import AUTHOR_LIMITS, parse_expression, parse_relation
    from grader.judge.scope import exact, param_symbols, put_numbers, question_symbols

    compared = 0
    for exercise in (e for e in load_bank(bundled("exercises")) if isinstance(e, QuizExercise) and e.params):
        symbols = param_symbols(exercise.params)
        texts = [(parse_relation(text, symbols, AUTHOR_LIMITS)) for text in exercise.constraints]
        for question in exercise.questions:
            if question.type not in ("numeric", "symbolic", "shape"):
                continue
            written = list(question.answer) if question.type == "shape" else [question.answer]
            for rule in question.feedback or []:
                written += list(rule.when) if question.type == "shape" else [rule.when]
            texts += [parse_expression(str(text), question_symbols(exercise.params, question.variables), AUTHOR_LIMITS)
                      for text in written if isinstance(text, str)]
        for student in range(12):
            values = draw(exercise, f"student-{student}")
            numbers = {symbols[name]: exact(value) for name, value in values.items() if name in symbols}
            for expression in texts:
                put, subbed = put_numbers(expression, numbers), expression.subs(numbers)
                assert put == subbed and type(put) is type(subbed), (exercise.id, expression, values)
                compared += 1
    assert compared > 3000

    x, n = sympy.symbols("x n")
    bound = sympy.Derivative(x ** n, x)  # x is bound here: subs, not a rebuilt tree, decides what it becomes
    assert put_numbers(bound, {x: sympy.Integer(2), n: sympy.Integer(3)}) == bound.subs({x: 2, n: 3})
    assert put_numbers(sympy.floor((x + 2 * n - 3) / 2) + 1, {x: sympy.Integer(28), n: sympy.Integer(1)}) == 14
