"""Editions of the course: a submission is read as the edition its code is written in.

tests/submissions/d2l_zh_2 and d2l_v1 hold code in those editions' contracts (DESIGN.md,
"Editions of the course"), written for these tests from the signatures; each must score full
marks, read as its edition. A bank that accepts one edition names the other by name, and a
constructor that fits none shows the call the checks made and each accepted signature.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.bank.loading import load_bank, load_exercise
from grader.bank.resources import bundled
from grader.bank.settings import bank_settings
from grader.bank.spec import CodeExercise
from grader.checking import editions
from grader.checking.codegrade import CodeGrader
from grader.errors import CheckError, SpecError, SpecErrors
from grader.reports.results import Status
from grader.submissions.files import present

SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
BANK = bundled("exercises")


@pytest.fixture(scope="module")
def grader():
    with CodeGrader() as grader:
        yield grader


def _code_exercises(folder: Path) -> list[CodeExercise]:
    return [e for e in load_bank(BANK, names=False) if isinstance(e, CodeExercise) and present(folder, e.file)]


def _copy_bank(tmp_path: Path, ids: list[str], bank_yaml: str | None = None) -> Path:
    """A bank of the bundled `ids` (links followed) and the bundled bank's own modules, with its own bank.yaml."""
    shutil.copytree(BANK.parent / "solutions" / "_course", tmp_path / "solutions" / "_course")
    for exercise_id in ids:
        shutil.copytree(BANK / exercise_id, tmp_path / "exercises" / exercise_id)
        shutil.copytree(BANK.parent / "solutions" / exercise_id, tmp_path / "solutions" / exercise_id)
    if bank_yaml is not None:
        (tmp_path / "exercises" / "bank.yaml").write_text(bank_yaml)
    return tmp_path / "exercises"


# -- reading without running: the contract's words ----------------------------------------
def test_the_checks_call_is_put_in_the_editions_words():
    mha = load_exercise(BANK / "multi-head-attention")
    dialect = editions.Dialect(mha, "d2l-zh-2")
    assert dialect.arguments("MultiHeadAttention", (10, 12, 3, 0.0), {}) == ((10, 10, 10, 12, 3, 0.0), {})
    assert dialect.arguments("MultiHeadAttention", (10, 12, 3), {"dropout": 0.5}) == ((10, 10, 10, 12, 3, 0.5), {})
    assert editions.Dialect(mha, "boyu").arguments("MultiHeadAttention", (10, 12, 3, 0.0), {}) == ((10, 12, 3, 0.0), {})
    decoder = editions.Dialect(load_exercise(BANK / "decoder-block"), "d2l-zh-2")
    assert decoder.arguments("DecoderBlock", (12, 20, 3, 0.0, 1), {}) == ((12, 12, 12, 12, 12, 12, 20, 3, 0.0, 1), {})
    alexnet = editions.Dialect(load_exercise(BANK / "alexnet"), "d2l-zh-2")
    assert alexnet.translate("alexnet:AlexNet", (), {}) == ("alexnet:net", (), {})


def test_a_forward_that_does_not_fit_shows_the_call_and_each_editions_forward():
    import torch

    from grader.checking.session import StudentError

    dialect = editions.Dialect(load_exercise(BANK / "masked-softmax"), "boyu")
    fault = StudentError({"type": "TypeError", "message": "forward() takes 3 positional arguments but 5 were given",
                          "file": "attention.py", "line": 12}, 2048)
    told = str(dialect.explained(fault, "attention:DotProductAttention", (torch.ones(2, 3, 4), None), {},
                                 method="forward"))
    assert told.startswith("the check called DotProductAttention(...).forward(<tensor of shape (2, 3, 4)>, None), "
                           "and your code raised TypeError"), told
    assert ("This course accepts DotProductAttention.forward(query, key, value, valid_length=None) (boyu, d2l-v1) or "
            "DotProductAttention.forward(queries, keys, values, valid_lens=None) (d2l-zh-2)") in told
    other = StudentError({"type": "ValueError", "message": "bad argument"}, 2048)
    assert dialect.explained(other, "attention:DotProductAttention", (), {}) is other  # only a call that did not fit


@pytest.mark.parametrize("exercise_id, file, edition", [
    ("multi-head-attention", "d2l_zh_2/transformer.py", "d2l-zh-2"),
    ("multi-head-attention", "course_transformer/transformer.py", "boyu"),
    ("encoder-block", "d2l_zh_2/transformer.py", "d2l-zh-2"),
    ("nin-block", "d2l_zh_2/nin.py", "d2l-zh-2"),  # strides, not stride: the same arguments, named its way
    ("nin-block", "d2l_v1/nin.py", "boyu"),  # the first edition writes nin_block as boyu does
    ("inception", "d2l_zh_2/googlenet.py", "d2l-zh-2"),
    ("masked-softmax", "d2l_zh_2/attention.py", "d2l-zh-2"),
])
def test_signatures_and_names_in_the_source_tell_the_edition(exercise_id, file, edition):
    exercise = load_exercise(BANK / exercise_id)
    unasked = lambda name: pytest.fail("the source decides; nothing is built")  # noqa: E731
    reading = editions.read_as(exercise, (SUBMISSIONS / file).read_text(), reference_of=lambda e: exercise,
                               student_shapes=unasked)
    assert (reading.edition, reading.written_in) == (edition, edition)


@pytest.mark.parametrize("references", [True, False])  # without: a handout's bank, by the spec's parameters:
def test_where_the_source_leaves_a_choice_the_parameters_the_module_holds_decide(references):
    from grader.checking.codegrade import CodeGrader

    exercise = load_exercise(BANK / "lenet")
    grader = CodeGrader(sandbox=object())
    reference_of = (lambda e: grader.reference(exercise, edition=e)) if references else (lambda e: None)
    first_edition = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 256), (120,), (84, 120), (84,), (10, 84), (10,)]
    source = (SUBMISSIONS / "d2l_v1" / "lenet.py").read_text()
    reading = editions.read_as(exercise, source, reference_of=reference_of, student_shapes=lambda name: first_edition)
    assert (reading.edition, reading.note) == ("d2l-v1", "")
    padded = [(120, 400) if shape == (120, 256) else shape for shape in first_edition]
    reading = editions.read_as(exercise, source, reference_of=reference_of, student_shapes=lambda name: padded)
    assert reading.edition == "boyu"


def test_a_source_that_fits_no_edition_is_graded_as_the_first_accepted_and_told_so():
    exercise = load_exercise(BANK / "multi-head-attention")
    reading = editions.read_as(exercise, "class MultiHeadAttention:\n    def __init__(self, a, b):\n        pass\n",
                               reference_of=lambda e: None, student_shapes=lambda name: None)
    assert (reading.edition, reading.written_in) == ("boyu", None)
    assert "fits the names and signatures of none" in reading.note


@pytest.mark.parametrize("fmt, shown", [("terminal", "read as the d2l-zh-2 edition"),
                                        ("md", "Read as the d2l-zh-2 edition of the course."),
                                        ("html", "Read as the d2l-zh-2 edition of the course."),
                                        ("json", '"editions": {"multi-head-attention": "d2l-zh-2"}')])
def test_every_report_says_which_edition_an_exercise_was_read_as(fmt, shown):
    from grader.reports.render import render
    from grader.reports.results import ExerciseResult, ItemResult, SubmissionResult

    item = ItemResult("multi-head-attention", "output-shape", "Output shape", 1, 1, Status.PASSED)
    exercises = (ExerciseResult("multi-head-attention", "Multi-head attention", "code", "transformer", (item,),
                                edition="d2l-zh-2"),
                 ExerciseResult("masked-softmax", "Masked softmax", "code", "attention", (item,)))
    text = render(SubmissionResult("s1", "work/", exercises), fmt)
    if fmt == "json":
        text = json.dumps(json.loads(text)["extra_data"])
    assert shown in text and text.count("edition") == 1, text  # the exercise without one says nothing


@pytest.mark.parametrize("source", ["def (:\n", "import torch\n\nnett = None\n"])
def test_source_that_binds_none_of_the_names_is_left_to_the_checks(source):
    exercise = load_exercise(BANK / "lenet")
    reading = editions.read_as(exercise, source, reference_of=lambda e: None, student_shapes=lambda name: None)
    assert reading == editions.Reading("boyu")  # graded as the first accepted; the checks say net is missing


def test_a_symbol_missing_does_not_hide_the_edition_of_the_others():
    exercise = load_exercise(BANK / "masked-softmax")
    source = "def masked_softmax(X, valid_lens):\n    return X\n"
    reading = editions.read_as(exercise, source, reference_of=lambda e: None, student_shapes=lambda name: None)
    assert (reading.edition, reading.written_in, reading.note) == ("d2l-zh-2", "d2l-zh-2", "")


# -- the bank's settings and the spec's contract are checked --------------------------------
def test_the_bundled_bank_accepts_all_three_editions():
    assert bank_settings(BANK).accepted == ["boyu", "d2l-v1", "d2l-zh-2"]


def test_bank_yaml_that_accepts_an_unlisted_edition_is_a_spec_error(tmp_path):
    exercises = _copy_bank(tmp_path, ["lenet"], "editions: {boyu: Boyu}\naccept: [boyu, d2l-v2]\n")
    with pytest.raises(SpecErrors) as raised:
        load_bank(exercises)
    assert "d2l-v2" in str(raised.value) and "bank.yaml" in str(raised.value)


def test_spec_that_accepts_an_edition_it_does_not_list_is_a_spec_error(tmp_path):
    exercises = _copy_bank(tmp_path, ["lenet"])
    spec = exercises / "lenet" / "spec.yaml"
    spec.write_text(spec.read_text() + "accept: [d2l-zh-3]\n")
    with pytest.raises((SpecError, SpecErrors)) as raised:
        load_exercise(exercises / "lenet")
    assert "d2l-zh-3" in str(raised.value)


def test_a_call_mapped_onto_an_unknown_parameter_is_a_spec_error(tmp_path):
    exercises = _copy_bank(tmp_path, ["multi-head-attention"])
    spec = exercises / "multi-head-attention" / "spec.yaml"
    spec.write_text(spec.read_text().replace("[input_size, input_size, input_size, hidden_size",
                                             "[input_size, input_size, input_size, hidden_sise"))
    with pytest.raises((SpecError, SpecErrors)) as raised:
        load_exercise(exercises / "multi-head-attention")
    assert "hidden_sise" in str(raised.value) and "input_size, hidden_size, num_heads, dropout" in str(raised.value)


# -- graded in the sandbox -----------------------------------------------------------------
@pytest.mark.parametrize("folder, expected", [
    ("d2l_zh_2", {"lenet": "boyu", "corr2d": "boyu", "vgg-block": "boyu"}),  # written as boyu writes them
    ("d2l_v1", {"nin-block": "boyu", "inception": "boyu", "vgg-block": "boyu"}),
])
def test_each_editions_own_code_gets_full_marks_read_as_that_edition(grader, folder, expected):
    default = folder.replace("_", "-")
    graded = {}
    for exercise in _code_exercises(SUBMISSIONS / folder):
        result = grader.grade(exercise, SUBMISSIONS / folder)
        graded[exercise.id] = result.edition
        assert result.score == result.max_score and result.passed, (exercise.id, [
            (i.item_id, i.message) for i in result.items if i.status != Status.PASSED])
        assert result.edition == expected.get(exercise.id, default) and result.message == "", result.message
    assert len(graded) >= 3, graded


def test_a_bank_of_one_edition_names_the_other_edition_by_name(grader, tmp_path):
    exercises = _copy_bank(tmp_path, ["lenet"])
    spec = exercises / "lenet" / "spec.yaml"
    spec.write_text(spec.read_text() + "accept: [boyu]\n")
    result = grader.grade(load_exercise(exercises / "lenet"), SUBMISSIONS / "d2l_v1")
    assert result.edition == "boyu" and result.score < result.max_score
    assert "LeNet as the d2l-v1 edition writes it" in result.message, result.message
    assert "no padding, sigmoid, 2x2 max pooling, 16*4*4 features" in result.message
    assert "this course uses the boyu edition's" in result.message and "average pooling" in result.message
    messages = {i.item_id: i.message for i in result.items}
    differs = "max pooling where the reference has average pooling; a convolution gives 6x24x24 where the reference's"
    assert differs in messages["matches-reference"], messages["matches-reference"]
    # the checks the evidence gate zeroes say what the evidence found, not only that it failed
    assert messages["output-shape"].startswith("passed, but not counted until") and (
        "matches-reference found: " in messages["output-shape"] and differs in messages["output-shape"])


def test_the_layers_tell_a_layer_too_many_and_the_activation():
    from grader.bank.course_code import course_module

    differences = course_module(BANK, "differences")
    ours = [("Conv2d", (1, 6, 28, 28)), ("Sigmoid", (1, 6, 28, 28)), ("Linear", (1, 120)), ("Linear", (1, 10))]
    theirs = [("Conv2d", (1, 6, 28, 28)), ("ReLU", (1, 6, 28, 28)), ("Linear", (1, 120)), ("Linear", (1, 120)),
              ("Linear", (1, 10))]
    assert differences.differences(theirs, ours) == [
        "ReLU where the reference has sigmoid", "3 dense layers where the reference has 2 (a layer too many)"]
    assert differences.differences(ours, ours) == [] and differences.explained(ours, ours) == ""


def test_a_banks_course_code_is_found_beside_its_exercises_whatever_their_folder_is_called(tmp_path):
    from grader.bank.course_code import course_folder, course_module

    exercise = tmp_path / "course-bank" / "my-exercises" / "toy"  # not exercises/: found as references are
    (exercise / "checks").mkdir(parents=True)
    (exercise / "spec.yaml").write_text("id: toy\n")
    course = tmp_path / "course-bank" / "solutions" / "_course"
    course.mkdir(parents=True)
    (course / "helpers.py").write_text("__all__ = ['ANSWER']\nANSWER = 42\n")
    check = exercise / "checks" / "behaviour.py"
    assert course_folder(check) == course_folder(exercise) == course_folder(exercise.parent) == course
    assert course_module(check, "helpers").ANSWER == 42
    shutil.rmtree(course)
    assert course_folder(check) is None
    with pytest.raises(CheckError, match="the bank has no solutions/_course/elsewhere.py"):
        course_module(check, "elsewhere")


def test_a_constructor_that_fits_no_accepted_edition_shows_the_call_and_the_signatures(grader, tmp_path):
    exercises = _copy_bank(tmp_path, ["multi-head-attention"], "editions: {boyu: Boyu, d2l-zh-2: d2l}\naccept: [boyu]\n")
    result = grader.grade(load_exercise(exercises / "multi-head-attention"), SUBMISSIONS / "d2l_zh_2")
    assert result.score == 0 and "d2l-zh-2 edition writes it" in result.message, result.message
    item = next(i for i in result.items if i.item_id == "output-shape")
    assert "the check called MultiHeadAttention(10, 12, 3, 0.0)" in item.message, item.message
    assert "TypeError" in item.message
    assert "This course accepts MultiHeadAttention(input_size, hidden_size, num_heads, dropout) (boyu)" in item.message


def test_a_handout_carries_the_editions_its_bank_accepts(tmp_path):
    from grader.handouts.handout import build_handout

    exercises = _copy_bank(tmp_path / "bank", ["lenet", "alexnet"], "editions: {boyu: B, d2l-v1: V, d2l-zh-2: Z}\n"
                                                                     "accept: [boyu, d2l-zh-2]\n")
    build_handout(exercises, exercises.parent / "solutions", tmp_path / "out")
    shipped = {e.id: e.accept for e in load_bank(tmp_path / "out" / "bank" / "exercises", names=False)}
    assert shipped == {"alexnet": ["boyu", "d2l-zh-2"], "lenet": ["boyu", "d2l-zh-2"]}


def test_the_bank_version_and_the_shipped_bank_cover_its_own_modules_and_each_editions_reference(tmp_path):
    from grader.bank.version import bank_files, bank_hash

    exercises = _copy_bank(tmp_path, ["lenet"])
    version = lambda: bank_hash(exercises, load_bank(exercises, names=False))  # noqa: E731
    before = version()
    (tmp_path / "solutions" / "_course" / "differences.py").write_text("# changed\n", encoding="utf-8")
    after_course = version()
    (tmp_path / "solutions" / "lenet" / "d2l-v1" / "lenet.py").write_text("net = None\n", encoding="utf-8")
    assert len({before, after_course, version()}) == 3
    shipped = {name for name, _, _ in bank_files(exercises)}
    assert {"solutions/_course/nets.py", "solutions/lenet/d2l-v1/lenet.py"} <= shipped


def test_editions_code_handed_in_as_the_courses_notebooks_scores_as_its_py_files(grader, tmp_path):
    """d2l-zh 2.x's AlexNet is `net`, not `AlexNet`: a notebook extraction that followed only the
    checks' symbols would take nothing from `AlexNet.ipynb`."""
    import nbformat

    folder = tmp_path / "submission"
    folder.mkdir()
    for file, notebook_name in (("alexnet.py", "AlexNet.ipynb"), ("lenet.py", "LeNet-Copy1.ipynb")):
        chunks = (SUBMISSIONS / "d2l_zh_2" / file).read_text().split("\n\n\n")
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_markdown_cell("# 笔记")] + [nbformat.v4.new_code_cell(c) for c in chunks]
        notebook.cells.append(nbformat.v4.new_code_cell("X = torch.randn(1, 1, 224, 224)\nfor layer in net:\n    X = layer(X)\n    print(layer.__class__.__name__, 'output shape:\\t', X.shape)"))
        nbformat.write(notebook, str(folder / notebook_name))
    exercises = {e.id: e for e in load_bank(BANK, names=False) if isinstance(e, CodeExercise)}
    for exercise_id, edition in (("alexnet", "d2l-zh-2"), ("lenet", "boyu")):
        result = grader.grade(exercises[exercise_id], folder)
        assert result.score == result.max_score, (exercise_id, result.message, [
            (i.item_id, i.message) for i in result.items if i.status != Status.PASSED])
        assert result.edition == edition
