"""Spec errors say what is wrong in the author's words, with the line and the fix, never
pydantic's internals; feedback rules may be limited to variants with when_params."""

import os
import subprocess
import sys

import pytest

from conftest import REPO, write_spec
from grader.bank.loading import load_exercise
from grader.errors import SpecError, SpecErrors

BASE = """\
id: demo
title: Demo
kind: quiz
topic: cnn-basics
params:
  c: [1, 2]
questions:
  - id: count
    type: numeric
    prompt: "How many?"
    answer: "c"
"""

INTERNALS = ("function-after", "IntRange", "Input should be", "String should match", "^[a-z", "discriminator",
             "valid list", "union", "correct the YAML syntax")


def errors_of(tmp_path, text: str) -> list[SpecError]:
    folder = write_spec(tmp_path / "demo", text)
    with pytest.raises((SpecError, SpecErrors)) as caught:
        load_exercise(folder)
    return caught.value.errors if isinstance(caught.value, SpecErrors) else [caught.value]


CASES = [  # (what the author wrote, the line, words the message must hold, words the fix must hold)
    ("  c: 5\n", 6, "expected a list or a range {min: .., max: ..}, got the whole number 5", "write c: [5]"),
    ("  c: {min: 16, max: 8}\n", 6, "min (16) is larger than max (8)", "swap them: {min: 8, max: 16}"),
    ("  c: {min: one, max: 8}\n", 6, "expected a whole number, got the text 'one'", ""),
    ("  c: []\n", 6, "needs at least 1 item", "list the values to pick from"),
]


@pytest.mark.parametrize("param, line, words, fix", CASES)
def test_a_param_error_is_told_in_the_authors_words(tmp_path, param, line, words, fix):
    (error,) = errors_of(tmp_path, BASE.replace("  c: [1, 2]\n", param))
    assert error.line == line and words in error.detail and fix in error.fix, str(error)
    assert not any(word in str(error) for word in INTERNALS), str(error)


@pytest.mark.parametrize("edit, line, field, words, fix", [
    (("id: demo", "id: Demo_X"), 1, "id", "'Demo_X' is not kebab-case", "write id: demo-x"),
    (("- id: count", "- id: Count 1"), 8, "questions.0.id", "is not kebab-case", "write id: count-1"),
    (("kind: quiz", "kind: quizz"), 3, "kind", "kind must be quiz or code, not 'quizz'", "set kind: quiz"),
    (("kind: quiz\n", ""), 1, "kind", "kind is missing", "add kind: quiz or kind: code"),
    (("type: numeric", "type: numerc"), 9, "questions.0.type", "'numerc' is not one of numeric, symbolic", "write numeric"),
    (('answer: "c"', "answer: [1, 2]"), 11, "questions.0.answer", "must be a number or an expression", "e.g. answer:"),
    (('prompt: "How many?"', 'prompt: "How many?"\n    points: -1'), 11, "questions.0.points", "must be greater than 0", ""),
])
def test_a_field_error_names_its_line_and_fix(tmp_path, edit, line, field, words, fix):
    (error,) = errors_of(tmp_path, BASE.replace(*edit))
    assert (error.line, error.field) == (line, field), str(error)
    assert words in error.detail and fix in error.fix, str(error)
    assert not any(word in str(error) for word in INTERNALS), str(error)


@pytest.mark.parametrize("text, line", [
    (BASE.replace("    type: numeric", "\ttype: numeric"), 9),
    (BASE.replace("  c: [1, 2]", "\tc: [1, 2]"), 6),
])
def test_a_tab_is_named_as_a_tab(tmp_path, text, line):
    (error,) = errors_of(tmp_path, text)
    assert error.line == line and "a tab character" in error.detail and "replace the tab with spaces" in error.fix


def test_an_unquoted_colon_is_named(tmp_path):
    (error,) = errors_of(tmp_path, BASE.replace('prompt: "How many?"', "prompt: Hint: how many?"))
    assert error.line == 10 and "must be quoted" in error.detail and "quotes" in error.fix


def test_a_code_spec_error_points_below_the_model(tmp_path):
    text = """\
id: demo
title: Demo
kind: code
topic: cnn-basics
file: conv.py
symbols: [f]
checks:
  - {id: a, points: 1, evidence: true}
  - {id: b, points: 1, needs: [c]}
"""
    (error,) = errors_of(tmp_path, text)
    assert (error.line, error.field) == (9, "checks.1.needs") and "mark it `evidence: true`" in error.fix


# -- when_params -----------------------------------------------------------------------
RULED = """\
id: demo
title: Demo
kind: quiz
topic: cnn-basics
params:
  n: {min: 8, max: 12}
  p: [0, 1, 2]
questions:
  - id: width
    type: numeric
    prompt: "n={{ n }} p={{ p }}"
    answer: "n + 2*p"
    feedback:
      - when: "n"
LIMIT        say: "padding counts twice"
"""


def test_when_params_limits_a_rule_to_its_variants(tmp_path):
    from grader.quiz.marking import mark

    exercise = load_exercise(write_spec(tmp_path / "demo", RULED.replace("LIMIT", "        when_params: {p: [1, 2]}\n")))
    question = exercise.questions[0]
    assert mark(exercise, question, {"n": 9, "p": 1}, 9).hint == "padding counts twice"
    assert mark(exercise, question, {"n": 9, "p": 2}, 9).hint == "padding counts twice"
    assert mark(exercise, question, {"n": 9, "p": 0}, 9).status.name == "PASSED"
    single = load_exercise(write_spec(tmp_path / "one" / "demo", RULED.replace("LIMIT", "        when_params: {p: 2}\n")))
    assert mark(single, single.questions[0], {"n": 9, "p": 1}, 9).hint == ""


def validate(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader.cli", "validate", *map(str, args)], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=120)


def test_validate_accepts_a_limited_rule_and_refuses_the_unlimited_one_with_the_fix(tmp_path):
    write_spec(tmp_path / "ok" / "exercises" / "demo", RULED.replace("LIMIT", "        when_params: {p: [1, 2]}\n"))
    accepted = validate("--bank", tmp_path / "ok")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    write_spec(tmp_path / "bad" / "exercises" / "demo", RULED.replace("LIMIT", ""))
    refused = validate("--bank", tmp_path / "bad")
    assert refused.returncode == 2
    assert "spec.yaml:14: questions.0.feedback.0.when: this wrong answer equals the key" in refused.stderr
    assert "(variant n=8, p=0)" in refused.stderr and "equals the key on 5 of the 15 variants" in refused.stderr
    # the param that decides it, p, is named, not the first param of the spec
    assert "it equals the key where p is 0" in refused.stderr and "when_params: {p: [1, 2]}" in refused.stderr
    assert "{n:" not in refused.stderr


def test_validate_reports_every_problem_of_a_bank_in_one_run(tmp_path):
    """An author's five mistakes: an unknown name, a rule equal to the key, a wrong verify (all in one
    spec), a field out of range in another, a check without its test function in a code exercise."""
    from grader.bank.scaffold import init_bank

    bank = tmp_path / "b"
    init_bank(bank)
    spec = bank / "exercises" / "conv-output" / "spec.yaml"
    text = spec.read_text().replace("        when_params: {p: [1, 2]}", "        # (limit removed)")
    text = text.replace("(torch.zeros(1, 1, n, n)).shape[-1]", "(torch.zeros(1, 1, n, n)).shape[-1] + 1")
    # the starter bank is written in en and zh: the texts added here are too, so that each mistake is the author's five
    spec.write_text(text + '  - id: extra\n    type: numeric\n    prompt: {en: "x?", zh: "x？"}\n    answer: "n + q"\n')
    write_spec(bank / "exercises" / "other", "id: other\ntitle: {en: Other, zh: 其他}\nkind: quiz\ntopic: x\nquestions:\n"
               '  - id: a\n    type: numeric\n    points: -1\n    prompt: {en: "1?", zh: "1？"}\n    answer: "1"\n')
    code = bank / "exercises" / "moving-average" / "spec.yaml"
    code.write_text(code.read_text().replace("id: output-shape", "id: output-shapes"))
    found = validate("--bank", bank)
    assert found.returncode == 2
    for words in ("questions.2.answer: unknown name 'q'", "questions.0.verify.0: gives", "questions.0.feedback.0.when:",
                  "check 'output-shapes' has no test function", "questions.0.points: must be greater than 0"):
        assert words in found.stderr, (words, found.stderr)
    assert "5 problem(s) found" in found.stderr


@pytest.mark.parametrize("limit, words", [
    ("{q: [1]}", "when_params names 'q', which is not a param"),
    ("{p: [7]}", "param p never takes the value 7"),
    ("{n: 13}", "param n never takes the value 13"),
])
def test_a_limit_that_can_never_hold_is_refused(tmp_path, limit, words):
    (error,) = errors_of(tmp_path, RULED.replace("LIMIT", f"        when_params: {limit}\n"))
    assert words in error.detail and error.line == 15 and error.field.startswith("questions.0.feedback.0.when_params")


def test_a_failing_verify_names_its_line(tmp_path):
    write_spec(tmp_path / "exercises" / "demo", BASE + '    verify:\n      - "c + 1"\n')
    result = validate("--bank", tmp_path)
    assert result.returncode == 2
    assert "spec.yaml:13: questions.0.verify.0: gives 2 but the key gives 1" in result.stderr


def test_a_misspelt_field_is_matched_to_the_field_meant(tmp_path):
    errors = errors_of(tmp_path, BASE.replace("title:", "titel:").replace("prompt:", "promt:"))
    fixes = {e.field: e.fix for e in errors}
    assert fixes["titel"] == "did you mean title? else remove it"
    assert fixes["questions.0.promt"] == "did you mean prompt? else remove it"


def test_a_field_of_another_kind_says_where_it_belongs(tmp_path):
    text = BASE.replace("kind: quiz", "kind: code\nfile: conv.py\nsymbols: [f]\nchecks: [{id: a}]")
    errors = {e.field: e for e in errors_of(tmp_path, text)}
    assert errors["params"].detail == "params is not a field here"
    assert "belongs to kind: quiz exercises" in errors["params"].fix and errors["params"].line == 8


def test_a_bad_option_key_is_told_once_as_a_key(tmp_path):
    text = BASE.replace("type: numeric", "type: choice").replace('answer: "c"', "answer: a\n    options: {A: x, b: y}")
    (error,) = errors_of(tmp_path, text)
    assert error.field == "questions.0.options.A" and "option key 'A' is not one lowercase letter" in error.detail
