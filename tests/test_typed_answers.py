"""Answers as students type them (issue 21): full-width forms, typography, Greek letters, |x|,
implied products, full-width YAML punctuation, YAML's base 60; and student ids in any script.

The reading step alone, then the real parser and judge, the quiz worker on every bundled quiz,
`grader check`, `grade`, `export` and the class report as real subprocesses.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy

from classfolders import answers_for, grader, write_student
from conftest import FIXTURE_BANK, write_spec
from grader.bank.loading import load_bank, load_exercise
from grader.bank.resources import bundled
from grader.bank.spec import QuizExercise
from grader.bank.variants import draw, question_values
from grader.bank.yamlfile import parse_yaml
from grader.classroom.class_report import build
from grader.classroom.gradebook import Gradebook
from grader.errors import SpecError, SpecErrors
from grader.judge.expr import ExpressionError, parse_expression, reading
from grader.lms.gradescope_run import Identity, identity, submission_folder
from grader.quiz.keys import key_value
from grader.quiz.marking import mark
from grader.quiz.process import QuizWorker
from grader.reports.results import Status
from grader.submissions.reading import identify, read_submission, student_id, valid_id

NAMES = ["n_h", "p_h", "k_h", "s_h", "k", "n", "x", "y", "y_i", "y_j", "i", "j", "w", "h_0", "alpha", "r"]
TABLE = {name: sympy.Symbol(name, real=True) for name in NAMES}


@pytest.mark.parametrize(("typed", "read"), [
    ("２３５２", "2352"),
    ("０。５ + ０．２５", "0.5 + 0.25"),
    ("（9/10）^k", "(9/10)^k"),
    ("y_i(δ(i,j) − y_j)", "y_i*(delta(i,j) - y_j)"),
    ("⌊(n_h + p_h − k_h)/s_h⌋ + 1", "floor((n_h + p_h - k_h)/s_h) + 1"),
    ("⌈k/2⌉ × 3 ÷ n · x", "ceil(k/2) * 3 / n * x"),
    ("x² + x⁻¹ + 2ⁿ", "x^(2) + x^(-1) + 2^(n)"),
    ("x²y + x^(2)y + n/(2k) + 2k/n + (1/2)x", "x^(2)*y + x^(2)*y + n/(2*k) + 2*k/n + (1/2)*x"),
    ("yᵢ − y₁", "y_i - y_1"),
    ("√(k) + √2 + 2√(x)", "sqrt(k) + sqrt(2) + 2*sqrt(x)"),
    ("|x − |y||", "abs(x - abs(y))"),
    ("2|x|", "2*abs(x)"),
    ("|x|y + |y|", "abs(x)*y + abs(y)"),  # no bar opens after |x|: one reading
    ("α x", "alpha*x"),
    ("2x + xy", "2*x + x*y"),
    ("2(x + 1)(x − 1)", "2*(x + 1)*(x - 1)"),
    ("2πr", "2*pi*r"),
    ("2j + 2e", "2*j + 2*e"),  # j is declared; e is the constant
    ("sin(x)cos(x)", "sin(x)*cos(x)"),
    ("exp(x) + 1e-3 + 0x10 + 1_000", "exp(x) + 1e-3 + 0x10 + 1_000"),  # numbers and functions untouched
    ("n(k + 1)", "n*(k + 1)"),  # a name that is no function, before a bracket
    ("k < n and n != 3", "k < n and n != 3"),
    ("2m + m(k)", "2m + m(k)"),  # m is not declared: left for the parser to refuse by name
    ("[1, 2][0]", "[1, 2][0]"),  # indexing is no product
])
def test_the_reading_step(typed, read):
    assert reading(typed, NAMES) == read
    assert reading(read, NAMES) == read  # what was read reads the same again


@pytest.mark.parametrize(("typed", "ascii_twin"), [
    ("y_i(δ(i,j) − y_j)", "y_i*(delta(i, j) - y_j)"),
    ("⌊(n_h + p_h − k_h)/s_h⌋ + 1", "floor((n_h + p_h - k_h)/s_h) + 1"),
    ("ｗ＾２＊（１－ｔａｎｈ（ｗ＊ｈ＿０）＾２）", "w^2*(1 - tanh(w*h_0)^2)"),
    ("w²(1 − tanh(w h_0)²)", "w^2*(1 - tanh(w*h_0)^2)"),
    ("|x|", "abs(x)"),
])
def test_read_as_typed_parses_to_the_ascii_twin(typed, ascii_twin):
    assert parse_expression(typed, TABLE) == parse_expression(ascii_twin, TABLE)


@pytest.mark.parametrize(("typed", "names", "message"), [
    ("ab + 1", ["a", "b", "ab"], "'ab' can be read as a\\*b or as ab"),
    ("2ab", ["a", "b", "ab"], "'ab' can be read as a\\*b or as ab"),
    ("|x|y|x|", ["x", "y"], "can be read two ways"),
    ("⌊x/2⌉", ["x"], "the floor bracket ⌊ is closed by ⌉; close it with ⌋"),
    ("x⌋", ["x"], "⌋ closes no bracket"),
    ("|x + 1", ["x"], "a bar \\| is never closed"),
    ("(|x)|", ["x"], "a bar \\| is still open"),
    ("delta(i, j)", ["delta", "i", "j"], "function delta\\(...\\) or as the product"),
    ("1/2x", ["x"], "product without \\* before 'x' can be read two ways \\(as in 1/2x"),
    ("1/-2x", ["x"], "as in 1/2x"),
    ("1/x(x + 1)", ["x"], "before '\\('"),
    ("2^3x", ["x"], "as in 2\\^3x: \\(2\\^3\\)\\*x or 2\\^\\(3\\*x\\)"),
    ("e^-2x", ["x"], "as in 2\\^3x"),
    ("x^k y", ["x", "k", "y"], "as in 2\\^3x"),
    ("e^sin(x)y", ["x", "y"], "as in 2\\^3x"),
])
def test_text_with_two_readings_is_refused_naming_them(typed, names, message):
    with pytest.raises(ExpressionError, match=message):
        parse_expression(typed, {name: sympy.Symbol(name) for name in names})


def test_functions_and_constants_are_whole_words():
    table = {name: sympy.Symbol(name) for name in "expi"}  # e, x, p and i declared: exp and pi still read whole
    assert parse_expression("exp(x) + pi", table) == sympy.exp(table["x"]) + sympy.pi
    with pytest.raises(ExpressionError, match="'exp' is a function"):
        parse_expression("exp", table)


# -- marking, every question type, on the fixture bank -------------------------------------------------

@pytest.fixture(scope="module")
def fixtures():
    return {e.id: e for e in load_bank(FIXTURE_BANK)}


def _marked(fixtures, exercise_id, question_id, raw, student="s1"):
    exercise = fixtures[exercise_id]
    return mark(exercise, exercise.question(question_id), draw(exercise, student), raw)


def _full_width(text: str) -> str:
    """`text` as a Chinese input method in full-width mode types it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


def test_every_type_typed_full_width_scores_as_its_ascii_twin(fixtures):
    p = draw(fixtures["layer-count"], "s1")
    count = p["c_out"] * p["c_in"] * p["k"] ** 2 + p["c_out"]
    n = draw(fixtures["shapes-and-choices"], "s1")["n"]
    cases = [
        ("layer-count", "count", str(count)), ("layer-count", "ratio", "1/3"),
        ("layer-count", "out-height", "floor((n_h + p_h - k_h)/s_h) + 1"),
        ("shapes-and-choices", "norm-axis", "b"), ("shapes-and-choices", "gates", "a, b, c"),
    ]
    for exercise_id, question_id, answer in cases:
        typed = _marked(fixtures, exercise_id, question_id, _full_width(answer))
        twin = _marked(fixtures, exercise_id, question_id, answer)
        assert (typed.status, typed.score) == (twin.status, twin.score) == (Status.PASSED, twin.max_score), typed
        assert typed.message == f"correct (read as `{answer}`)"
        assert "read as" not in twin.message  # typed as read: nothing to echo
    shape = [_full_width(str(v)) for v in (2, 6, n // 2, n // 2)]  # YAML reads [２, ６, １４, １４] as text
    assert _marked(fixtures, "shapes-and-choices", "pooled", shape).status is Status.PASSED
    gates = ["ａ，ｂ", "ｃ"]  # [ａ，ｂ, ｃ]: YAML reads the full-width comma as part of an item
    assert _marked(fixtures, "shapes-and-choices", "gates", gates).status is Status.PASSED
    assert _marked(fixtures, "shapes-and-choices", "gates", "ａ、ｂ、ｃ").status is Status.PASSED  # ideographic comma
    assert _marked(fixtures, "shapes-and-choices", "norm-axis", "（ｂ）").status is Status.PASSED
    assert _marked(fixtures, "shapes-and-choices", "norm-axis", "ｂ。").status is Status.PASSED


def test_the_report_echoes_the_reading_and_wrong_answers_stay_wrong(fixtures):
    result = _marked(fixtures, "layer-count", "out-height", "⌊(n_h + p_h − k_h)/s_h⌋ + 1")
    assert result.status is Status.PASSED
    assert result.message == "correct (read as `floor((n_h + p_h - k_h)/s_h) + 1`)"
    wrong = _marked(fixtures, "layer-count", "out-height", "(n_h + p_h − k_h)/s_h + 1")
    assert wrong.status is Status.FAILED and "read as `(n_h + p_h - k_h)/s_h + 1`" in wrong.message
    assert wrong.hint  # the feedback rule still matches the reading
    refused = _marked(fixtures, "layer-count", "out-height", "⌊(n_h + p_h − k_h)/s_h⌉")
    assert refused.status is Status.ERROR and "closed by ⌉" in refused.message


# -- every bundled quiz, in the quiz worker -------------------------------------------------------------

STUDENT = "张三"


@pytest.fixture(scope="module")
def bank_quizzes():
    return [e for e in load_bank(bundled("exercises")) if isinstance(e, QuizExercise)]


def _right_answers(exercise: QuizExercise, student: str) -> dict[str, object]:
    """ASCII right answers of `student`, as a student would type them."""
    values = draw(exercise, student)
    answers = {}
    for question in exercise.questions:
        if question.answer is None:
            continue
        key = key_value(exercise, question, question_values(exercise, question, values))
        if question.type == "symbolic":
            answers[question.id] = question.answer
        elif question.type == "numeric":
            tolerance = question.tolerances.abs or question.tolerances.rel
            exact = key.is_Integer or (key.is_Rational and key.q < 10**6) or not tolerance
            answers[question.id] = str(key) if exact else f"{float(key):.12g}"  # with a tolerance
        elif question.type == "shape":
            answers[question.id] = [str(v) for v in key]
        elif question.type == "choice":
            answers[question.id] = key
        else:
            answers[question.id] = ", ".join(key)
    return answers


def _typed(answers: dict[str, object]) -> dict[str, object]:
    return {q: [_full_width(v) for v in a] if isinstance(a, list) else _full_width(a) for q, a in answers.items()}


def test_every_bundled_question_typed_full_width_scores_as_typed_in_ascii_in_the_quiz_worker(bank_quizzes):
    types = set()
    with QuizWorker() as worker:
        for exercise in bank_quizzes:
            ascii_answers = _right_answers(exercise, STUDENT)
            plain = worker.mark(exercise, ascii_answers, STUDENT)
            typed = worker.mark(exercise, _typed(ascii_answers), STUDENT)
            for a, b in zip(plain, typed):
                assert (b.status, b.score) == (a.status, a.score), (exercise.id, b.item_id, b.message)
                assert a.status in (Status.PASSED, Status.SKIPPED), (exercise.id, a.item_id, a.message)
            types |= {q.type for q in exercise.questions}
    assert types == {"numeric", "symbolic", "shape", "choice", "multi"}


AS_WRITTEN = {  # maths as the notes write it, for the bundled questions
    ("conv-shape", "out-height"): "⌊(n_h + p_h − k_h)/s_h⌋ + 1",
    ("softmax-derivative", "elementwise"): "y_i(δ(i,j) − y_j)",
    ("softmax-derivative", "diagonal"): "y_i(1 − y_i)",
    ("positional-encoding-quiz", "wavelength"): "2π·10000^(2j/d)",
    ("positional-encoding-quiz", "frequency"): "exp(−2j·ln(10000)/d)",
    ("rnn-gradients", "sigmoid-derivative"): "sigmoid(z)(1 − sigmoid(z))",
    ("rnn-gradients", "tanh-through-time"): "w²(1 − tanh(w h_0)²)(1 − tanh(w tanh(w h_0))²)",
}


def test_grader_check_scores_full_width_and_written_maths_in_full(bank_quizzes, tmp_path):
    """The real command on every bundled quiz: full marks, the readings echoed, the colon named."""
    answers = {e.id: _typed(_right_answers(e, STUDENT)) for e in bank_quizzes}
    for (exercise_id, question_id), text in AS_WRITTEN.items():
        answers[exercise_id][question_id] = text
    lines = []
    for exercise_id, given in answers.items():
        lines.append(f"{exercise_id}:")
        for question_id, value in given.items():
            shown = "[" + ", ".join(value) + "]" if isinstance(value, list) else json.dumps(value, ensure_ascii=False)
            lines.append(f"  {question_id}: {shown}")
    first = next(i for i, line in enumerate(lines) if line.startswith("  "))
    lines[first] = lines[first].replace(": ", "：", 1)  # one key typed with a full-width colon
    submission = tmp_path / "sub"
    submission.mkdir()
    (submission / "answers.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (submission / "student.yaml").write_text(f"id: {STUDENT}\n", encoding="utf-8")
    only = [arg for e in bank_quizzes for arg in ("-e", e.id)]
    result = grader("check", submission, *only, "--json", tmp_path / "r.json", "--md", tmp_path / "r.md", timeout=600)
    # exit 1: the repaired colon is a problem of the submission (retype it), though nothing was lost
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["score"] == data["max_score"] > 0
    assert f"read the full-width colon '：' on line {first + 1} as ':'" in result.stdout
    assert "correct (read as `floor((n_h + p_h - k_h)/s_h) + 1`)" in result.stdout  # the terminal
    assert "read as \\`floor((n\\_h" in (tmp_path / "r.md").read_text(encoding="utf-8")  # Markdown, escaped
    outputs = {test["name"]: test["output"] for test in data["tests"]}
    assert outputs["softmax-derivative/elementwise"] == "correct (read as `y_i*(delta(i,j) - y_j)`)"
    shape = ", ".join(answers["conv-shape"]["out-shape"]).translate({0xFF10 + d: str(d) for d in range(10)})
    assert outputs["conv-shape/out-shape"] == f"correct (read as `[{shape}]`)"


# -- answers.yaml --------------------------------------------------------------------------------------

def test_a_full_width_key_colon_is_read_and_said(fixtures, tmp_path):
    folder = write_student(tmp_path / "s1", "s1", "shapes-and-choices:\n  norm-axis：b\n  gates: [a，b, c]\n"
                                                  "layer-count:\n  count:\n  －　1\n")
    submission = read_submission(folder, fixtures)
    assert submission.answers == {"shapes-and-choices": {"norm-axis": "b", "gates": ["a", "b", "c"]},
                                  "layer-count": {"count": [1]}}
    assert any("full-width hyphen '－' on line 6 as '-'" in p for p in submission.problems)
    assert any("full-width colon '：' on line 2 as ':'" in p for p in submission.problems)
    assert any("full-width comma '，' on line 3 as ','" in p for p in submission.problems)


def test_a_line_that_still_fails_names_its_full_width_character():
    with pytest.raises(SpecError) as caught:
        parse_yaml("quiz:\n  a: 1\n\u3000b: 2\n  c: 3\n", Path("answers.yaml"), plain=True)  # an ideographic space
    assert caught.value.line == 4
    assert caught.value.fix.startswith("line 3 holds the full-width space '\u3000' (U+3000): retype it as ' '")


def test_base_60_is_read_as_typed_in_a_students_file():
    data = parse_yaml("quiz: {a: 12:30:00, b: 1:30, c: 190.5, d: 12}\n", Path("answers.yaml"), plain=True).data
    assert data == {"quiz": {"a": "12:30:00", "b": "1:30", "c": 190.5, "d": 12}}


def test_quoted_text_and_comments_keep_their_full_width_marks():
    document = parse_yaml('q:\n  a："x：y，z"  # 注：b\n  b: 1：2\n  c：|\n    答：b\n  d: 1\n', Path("answers.yaml"),
                          plain=True)
    assert document.data == {"q": {"a": "x：y，z", "b": "1：2", "c": "答：b\n", "d": 1}}  # a block scalar is text
    assert document.notes == ("read the full-width colon '：' on lines 2, 4 as ':' (YAML needs the ASCII one: "
                              "type it with the input method in half-width mode)",)


# -- student ids ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["张三", "a+b@school.edu", "s1234", "José", "नमस्ते", "0123", "张" * 64])
def test_ids_in_any_script_are_ids(text):
    assert valid_id(text)


@pytest.mark.parametrize("text", ["../x", "a/b", "a\\b", ".x", "a..b", "x\x01", "a b", "-a", "+a", "a\u202e",
                                  "x" * 129, "张" * 65, "", "a:b", "ｓ１２３４"])
def test_unsafe_ids_are_refused(text):
    assert not valid_id(text)


def test_ids_are_kept_nfkc():
    assert student_id("ｓ１２３４") == "s1234" and valid_id(student_id("ｓ１２３４"))
    assert student_id("Jose\u0301") == "José"  # one student however the accent was typed
    assert student_id("ａ／ｂ") == "a/b" and not valid_id(student_id("ａ／ｂ"))  # a separator in disguise


def test_a_folder_named_in_chinese_is_its_student(tmp_path):
    folder = tmp_path / "张三"
    folder.mkdir()
    assert identify(folder) == ("张三", [])


def test_a_class_of_names_and_tagged_emails_is_graded_exported_and_reported(tmp_path):
    """`grade`, `export` (CSV, Gradescope, Canvas) and the class report, with ids in any script."""
    subs = tmp_path / "class"
    ids = ["张三", "a+b@school.edu", "a+c@school.edu", "s07"]
    for student in ids:
        answers = answers_for(student, {"count-typo"} if student == "s07" else set())
        folder = subs / student
        folder.mkdir(parents=True)
        if student == "张三":  # no student.yaml: the folder's name is the id; the typo typed full-width
            answers["layer-count"]["count"] = "７"
            (folder / "answers.yaml").write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
        elif student == "a+c@school.edu":  # the right count, typed full-width: no wrong answer
            answers["layer-count"]["count"] = _full_width(str(answers["layer-count"]["count"]))
            write_student(folder, student, json.dumps(answers, ensure_ascii=False))
        else:
            write_student(folder, student, answers)
    book = tmp_path / "gb.sqlite"
    result = grader("grade", subs, "--exercises", FIXTURE_BANK, "--gradebook", book, "--jobs", "1")
    assert "graded 4, skipped 0 (unchanged), failed to grade 0" in result.stdout, result.stdout + result.stderr
    exported = grader("export", "--gradebook", book, "--csv", tmp_path / "g.csv", "--gradescope", tmp_path / "gs.csv",
                      "--canvas", tmp_path / "canvas.csv", "--assignment", "Quiz (1)", "--moodle", tmp_path / "m.csv")
    assert exported.returncode == 0, exported.stderr
    rows = {row["student"]: row for row in csv.DictReader((tmp_path / "g.csv").open(encoding="utf-8"))}
    assert sorted(rows) == sorted(ids)
    assert rows["a+c@school.edu"]["total"] == rows["a+b@school.edu"]["total"] == "10"  # full-width, right
    assert rows["张三"]["total"] == rows["s07"]["total"] == "8"  # ７ and 7: wrong alike
    gradescope = {row["SID"]: row for row in csv.DictReader((tmp_path / "gs.csv").open(encoding="utf-8"))}
    assert sorted(gradescope) == sorted(ids) and gradescope["a+b@school.edu"]["Email"] == "a+b@school.edu"
    canvas = list(csv.reader((tmp_path / "canvas.csv").open(encoding="utf-8")))
    assert {row[2] for row in canvas[2:]} == set(ids)
    moodle = {row["ID number"] for row in csv.DictReader((tmp_path / "m.csv").open(encoding="utf-8"))}
    assert moodle == set(ids)
    with Gradebook(book) as opened:
        entries = opened.current()
    wrong = [w for w in build(entries).wrong_answers if w.name == "layer-count/count"]
    assert [(w.count, w.examples) for w in wrong] == [(2, (("7", 2),))]  # ７ and 7: one wrong answer


@pytest.mark.parametrize("who", [{"email": "a+b@school.edu"}, {"sid": "张三", "email": "z@school.edu"},
                                 {"sid": "ｓ１２３４"}])
def test_on_gradescope_a_tagged_email_or_a_chinese_id_is_the_student_not_submission(who, tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "answers.yaml").write_text("layer-count:\n  count: 1\n")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [who]}, ensure_ascii=False), encoding="utf-8")
    folder = submission_folder(root)
    expected = student_id(who.get("sid") or who["email"])
    assert identity(root, folder) == Identity(expected, "gradescope") and (folder / "answers.yaml").is_file()


@pytest.mark.parametrize("hostile", ["|" * 499, "⌊" * 499 + "x", "xy" * 250, "α" * 500, "２" * 500, "x²" * 250,
                                     "(" * 250 + "x" + ")" * 249, "ｘ" * 500])
def test_hostile_typed_text_is_read_or_refused_quickly(hostile):
    started = time.monotonic()
    try:
        parse_expression(hostile, TABLE)
    except ExpressionError:
        pass
    assert time.monotonic() - started < 2


def test_a_full_width_colon_in_student_yaml_still_gives_the_id(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "student.yaml").write_text("id：张三\n", encoding="utf-8")
    assert identify(folder) == ("张三", [])


def test_grader_quiz_reads_full_width_answers_typed_at_its_prompt(fixtures):
    half = _full_width(str(draw(fixtures["shapes-and-choices"], "s1")["n"] // 2))
    typed = f"［２，６，{half}，{half}］\nｂ\nａ、ｂ、ｃ\n"  # the student id typed full-width too
    result = subprocess.run([sys.executable, "-m", "grader.cli", "quiz", "shapes-and-choices", "--exercises",
                             str(FIXTURE_BANK), "--student", "ｓ１"], input=typed, capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "try again" not in result.stdout and "could not read" not in result.stdout


def test_an_authors_key_that_reads_two_ways_is_refused_at_load(tmp_path):
    spec = """\
id: names
title: Names that run together
kind: quiz
topic: cnn-basics
questions:
  - id: product
    type: symbolic
    prompt: "a times b"
    variables:
      a: {integer: [1, 9]}
      b: {integer: [1, 9]}
      ab: {integer: [1, 9]}
    answer: "ab"
"""
    with pytest.raises((SpecError, SpecErrors)) as caught:
        load_exercise(write_spec(tmp_path / "wrong" / "names", spec))
    assert "'ab' can be read as a*b or as ab" in str(caught.value)
    assert load_exercise(write_spec(tmp_path / "names", spec.replace('answer: "ab"', 'answer: "a*b"'))).id == "names"
