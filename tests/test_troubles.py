"""What went wrong in a graded submission, sorted into kinds, from the grader's own messages."""

from __future__ import annotations

from grader.checking.session import Budget, _import_failure
from grader.classroom.troubles import (BUDGET, IMPORT_FAILURE, MEMORY_LIMIT, NOT_SUBMITTED, SUBMISSION, TIME_LIMIT,
                                       exercise_trouble, troubles)
from grader.reports.results import ExerciseResult, ItemResult, Status, SubmissionResult


def code(message: str = "", item_message: str = "", status: Status = Status.FAILED) -> ExerciseResult:
    return ExerciseResult("lenet", "LeNet", "code", "cnn", (ItemResult("lenet", "shape", "", 0, 1, status, item_message),),
                          message)


def test_each_kind_is_read_from_the_graders_own_message():
    d2l = _import_failure("lenet.py", {"type": "ModuleNotFoundError", "message": "No module named 'd2l'", "line": 1}, 1024)
    syntax = _import_failure("lenet.py", {"type": "SyntaxError", "message": "invalid syntax", "line": 3}, 1024)
    exited = _import_failure("lenet.py", {"type": "SystemExit", "code": 2}, 1024)
    cases = [
        (code(d2l, d2l), IMPORT_FAILURE), (code(syntax, syntax), IMPORT_FAILURE), (code(exited, exited), IMPORT_FAILURE),
        (code("lenet.py, at import, timed out after 2 s", "x"), IMPORT_FAILURE),
        (code("lenet.py not submitted", "lenet.py not submitted", Status.NOT_SUBMITTED), NOT_SUBMITTED),
        (code("", Budget(60, 0).message), BUDGET),
        (code("", "lenet.py, in net(X), timed out after 2 s"), TIME_LIMIT),
        (code("", "ran past the time limit for this exercise (30 s)"), TIME_LIMIT),
        (code("", "your code ran out of memory (the limit is 1024 MB): MemoryError"), MEMORY_LIMIT),
    ]
    for exercise, kind in cases:
        found = exercise_trouble("s1", exercise)
        assert found is not None and found.kind == kind, (exercise.message, exercise.items[0].message, found)
    assert "No module named 'd2l'" in exercise_trouble("s1", cases[0][0]).message


def test_a_wrong_answer_is_no_trouble_and_a_folder_problem_is():
    assert exercise_trouble("s1", code("", "output has shape (4, 12), expected (4, 10)")) is None
    assert exercise_trouble("s1", code("", "", Status.PASSED)) is None
    # a student's own text naming a limit in a passed item says nothing: only failed items are read
    assert exercise_trouble("s1", code("", "ran out of memory", Status.PASSED)) is None
    assert exercise_trouble("s1", code("", "your code raised ValueError: timed out after 2 s at lenet.py line 3")) is None
    # nor does a notebook's code quoted in the extraction note (`print('timed out after 2 s')`, left out)
    note = "read from lenet.ipynb; left out, as no graded name needs it: cell 3 line 1 `print('timed out after 2 s')`"
    assert exercise_trouble("s1", code(note, "expected 61,706 parameters")) is None
    failed = _import_failure("lenet.py", {"type": "NameError", "message": "name 'x' is not defined", "line": 1}, 1024)
    assert exercise_trouble("s1", code(failed + "\n" + note, failed)).kind == IMPORT_FAILURE
    result = SubmissionResult("s1", "f", (code("", "fine"),), problems=("answers.yaml line 2: not YAML",))
    (only,) = troubles(result)
    assert (only.kind, only.where) == (SUBMISSION, "")


def test_a_trouble_said_in_chinese_is_the_same_kind():
    """A gradebook graded under LANG=zh_CN holds Chinese messages: they are read for the same kinds."""
    from grader.i18n import CHINESE, ENGLISH, set_language

    set_language(CHINESE)
    try:
        said = _import_failure("lenet.py", {"type": "ModuleNotFoundError", "message": "No module named 'd2l'", "line": 3},
                               2048)
        budget = Budget(20, 0).message
    finally:
        set_language(ENGLISH)
    assert "导入" in said and "预算" in budget
    assert exercise_trouble("s1", code(said, "x")).kind == IMPORT_FAILURE
    assert exercise_trouble("s1", code("", budget)).kind == BUDGET


def test_a_file_refused_unread_is_a_trouble_of_its_own(tmp_path):
    """A link, a file over the limit: the grader refuses it before any check and says so on every item."""
    import pytest

    from grader.classroom.troubles import FILE_REFUSED
    from grader.submissions.files import UnreadableFile, read_text

    (tmp_path / "elsewhere.py").write_text("x = 1\n")
    (tmp_path / "lenet.py").symlink_to(tmp_path / "elsewhere.py")
    with pytest.raises(UnreadableFile) as refused:
        read_text(tmp_path, "lenet.py")
    said = str(refused.value)
    two = ExerciseResult("lenet", "LeNet", "code", "cnn", tuple(
        ItemResult("lenet", check, "", 0, 1, Status.FAILED, said) for check in ("shape", "count")), said)
    found = exercise_trouble("s1", two)
    assert found is not None and found.kind == FILE_REFUSED and "symbolic link" in found.message
    # a check that ran and failed on its own is no refusal, even where its words are the exercise's
    ran = ExerciseResult("lenet", "LeNet", "code", "cnn", (
        ItemResult("lenet", "shape", "", 0, 1, Status.FAILED, said), ItemResult("lenet", "count", "", 1, 1, Status.PASSED, "")),
        said)
    assert exercise_trouble("s1", ran) is None
    assert exercise_trouble("s1", code("", "output has shape (4, 12), expected (4, 10)")) is None
