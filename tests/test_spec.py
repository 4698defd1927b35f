"""Loading specs: the good ones become models, every bad one says file, line, field and fix."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from conftest import write_spec
from grader.bank.loading import load_bank, load_exercise
from grader.bank.spec import CodeExercise, QuizExercise
from grader.errors import SpecError, SpecErrors

GOOD = """\
id: tiny
title: Tiny
kind: quiz
topic: cnn-basics
params:
  k: [3, 5]
questions:
  - id: count
    type: numeric
    prompt: "k is {{ k }}"
    answer: "k*k + 1"
"""


def errors_of(folder: Path) -> list[SpecError]:
    with pytest.raises((SpecError, SpecErrors)) as caught:
        load_exercise(folder)
    error = caught.value
    return error.errors if isinstance(error, SpecErrors) else [error]


def test_a_good_spec_loads_into_a_frozen_model(tmp_path):
    exercise = load_exercise(write_spec(tmp_path / "tiny", GOOD))
    assert isinstance(exercise, QuizExercise)
    assert exercise.questions[0].answer == "k*k + 1"
    assert exercise.params["k"] == [3, 5]
    with pytest.raises(ValidationError, match="frozen"):
        exercise.title = "changed"


def test_unknown_fields_are_named_with_their_line(tmp_path):
    folder = write_spec(tmp_path / "tiny", GOOD.replace("    answer:", "    anwser: 3\n    answer:"))
    (error,) = errors_of(folder)
    assert error.field == "questions.0.anwser"
    assert error.line == 11
    assert "unknown field" in str(error) and "remove it" in str(error)


def test_wrong_types_are_errors(tmp_path):
    folder = write_spec(tmp_path / "tiny", GOOD.replace("    type: numeric", "    type: numeric\n    points: two"))
    (error,) = errors_of(folder)
    assert error.field == "questions.0.points" and error.line == 10


def test_numbers_are_not_taken_from_strings(tmp_path):
    folder = write_spec(tmp_path / "tiny", GOOD.replace("k: [3, 5]", "k: {min: '1', max: 4}"))
    assert any(e.field and e.field.startswith("params.k") for e in errors_of(folder))


def test_id_must_be_the_folder_name(tmp_path):
    (error,) = errors_of(write_spec(tmp_path / "other", GOOD))
    assert error.field == "id" and error.line == 1
    assert "rename the folder or set id: other" in str(error)


def test_missing_fields_and_bad_kind(tmp_path):
    errors = errors_of(write_spec(tmp_path / "tiny", GOOD.replace("title: Tiny\n", "")))
    assert [e.field for e in errors] == ["title"] and "missing" in str(errors[0])
    errors = errors_of(write_spec(tmp_path / "tiny", GOOD.replace("kind: quiz", "kind: essay")))
    assert "kind must be quiz or code" in str(errors[0])


def test_undefined_names_in_expressions_are_found(tmp_path):
    (error,) = errors_of(write_spec(tmp_path / "tiny", GOOD.replace('"k*k + 1"', '"k*kx + 1"')))
    assert error.field == "questions.0.answer" and error.line == 11
    assert "unknown name 'kx'" in str(error)  # kk would be k*k: a run of declared names is a product


def test_template_names_are_checked(tmp_path):
    (error,) = errors_of(write_spec(tmp_path / "tiny", GOOD.replace("{{ k }}", "{{ kernel }}")))
    assert error.field == "questions.0.prompt" and "kernel" in str(error)


def test_choice_answers_must_name_options(tmp_path):
    text = GOOD.replace('    type: numeric', '    type: choice\n    options: [x, y]').replace('"k*k + 1"', "c")
    (error,) = errors_of(write_spec(tmp_path / "tiny", text))
    assert "'c' is not one of the option letters a, b" in str(error)


def test_type_specific_fields_are_refused_elsewhere(tmp_path):
    text = GOOD.replace("    answer:", "    options: [x]\n    answer:")
    assert "only belong to choice and multi" in str(errors_of(write_spec(tmp_path / "tiny", text))[0])


def test_duplicate_question_ids(tmp_path):
    text = GOOD + '  - id: count\n    type: numeric\n    prompt: again\n    answer: 1\n'
    assert "appears twice" in str(errors_of(write_spec(tmp_path / "tiny", text))[0])


def test_bad_variable_domains(tmp_path):
    text = GOOD.replace("    type: numeric", "    type: symbolic\n    variables:\n      n: {integer: [5, 1]}")
    assert "above the upper bound" in str(errors_of(write_spec(tmp_path / "tiny", text))[0])


def test_a_bank_reports_every_broken_spec_together(tmp_path):
    write_spec(tmp_path / "tiny", GOOD)
    write_spec(tmp_path / "broken-one", GOOD.replace("id: tiny", "id: broken-one").replace("title: Tiny", "title: [x"))
    write_spec(tmp_path / "broken-two", GOOD.replace("id: tiny", "id: broken-two").replace("kind: quiz", "kind: quiz\nkind: code"))
    with pytest.raises(SpecErrors) as caught:
        load_bank(tmp_path)
    paths = sorted(e.path.parent.name for e in caught.value.errors)
    assert paths == ["broken-one", "broken-two"]


def test_code_specs_load(tmp_path):
    text = """\
id: conv
title: Convolutions
kind: code
topic: cnn-basics
file: conv.py
symbols: [corr2d]
devices: [cpu, cuda]
limits: {call_seconds: 5}
checks:
  - {id: output-shape, points: 2}
"""
    exercise = load_exercise(write_spec(tmp_path / "conv", text))
    assert isinstance(exercise, CodeExercise)
    assert exercise.checks[0].function_name == "test_output_shape"
    assert exercise.limits.call_seconds == 5 and exercise.limits.memory_mb == 2048
    bad = text.replace("file: conv.py", "file: conv.txt")
    assert errors_of(write_spec(tmp_path / "conv", bad))[0].field == "file"


def test_the_fixture_bank_loads(fixture_bank):
    assert [e.id for e in load_bank(fixture_bank)] == ["layer-count", "shapes-and-choices"]


def test_a_variable_may_not_shadow_a_param(tmp_path):
    text = GOOD.replace("    type: numeric", "    type: symbolic\n    variables:\n      k: {integer: [1, 5]}")
    (error,) = errors_of(write_spec(tmp_path / "tiny", text))
    assert error.field == "questions.0.variables.k" and "name of a param" in str(error)


ITEMS = """\
id: tiny
title: Tiny
kind: quiz
topic: attention
questions:
  - id: grad
    type: symbolic
    prompt: "dy_i/dx_j"
    answer: "y_i*(delta(i, j) - y_j)"
    variables:
      i: {integer: [1, 4]}
      j: {integer: [1, 4]}
      y_i: {real: [0, 1], item: "y[i]"}
      y_j: {real: [0, 1], item: "y[j]"}
"""


def test_items_of_a_sequence_load_and_tie_on_equal_indexes(tmp_path):
    exercise = load_exercise(write_spec(tmp_path / "tiny", ITEMS))
    variables = exercise.questions[0].variables
    assert variables["y_j"].item_of == ("y", "j") and variables["i"].item_of is None


@pytest.mark.parametrize("change, problem", [
    (('item: "y[j]"', 'item: "y[k]"'), "so k must be an integer variable of this question"),
    (('y_j: {real: [0, 1]', 'y_j: {real: [0, 2]'), "y_i and y_j are items of y, so they need the same kind and bounds"),
    (('item: "y[j]"', 'item: "y(j)"'), "should look like y[i]"),
])
def test_bad_items_are_spec_errors_with_their_line(tmp_path, change, problem):
    (error,) = errors_of(write_spec(tmp_path / "tiny", ITEMS.replace(*change)))
    assert problem in str(error) and error.line is not None and error.path.name == "spec.yaml"
