"""`grader handout`: what ships to students holds no keys, and works on its own.

The leak scan reads every file of a built handout and fails on any hidden check's id,
function name or source line, any line of a reference solution, and any graded key (the
author's expressions and the student's own evaluated numbers).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURE_BANK, REPO, write_spec
from grader.bank.loading import load_bank
from grader.bank.spec import CodeExercise, QuizExercise
from grader.bank.variants import draw
from grader.quiz.keys import key_value

STUDENT = "s1234"


def grader(*args, cwd: Path = REPO, input_text: str | None = None) -> subprocess.CompletedProcess:
    """`grader ARGS...` as a subprocess, answers on stdin."""
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], input=input_text, capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    out = tmp_path_factory.mktemp("handout") / "kit"
    run = grader("handout", "--out", out, "--student", STUDENT)
    assert run.returncode == 0, run.stderr
    assert "8 starter file(s)" in run.stdout
    return out


def _texts(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file())


def _code_lines(path: Path) -> set[str]:
    """The lines of a Python file worth scanning for: not blank, an import, a def/class line or short."""
    lines = set()
    for line in path.read_text(encoding="utf-8").split("\n"):
        text = line.strip()
        if len(text) < 20 or text.startswith(("import ", "from ", "def ", "class ", "#", '"""')):
            continue
        lines.add(text)
    return lines


def test_the_handout_has_its_parts(handout):
    for part in ("README.md", "sheet.md", "sheet.html", "submission/answers.yaml", "submission/student.yaml",
                 "submission/lenet.py", "notebooks/lenet.ipynb", "bank/exercises/lenet/public/shapes.py"):
        assert (handout / part).is_file(), part
    assert not (handout / "bank" / "solutions").exists()
    assert not list(handout.rglob("checks"))
    readme = (handout / "README.md").read_text()
    assert "instructors: the full bank" in readme and "students:" in readme


def _lines(folder: Path) -> set[str]:
    return {line.strip() for p in folder.rglob("*") if p.is_file() for line in p.read_text(encoding="utf-8").split("\n")}


def test_no_hidden_check_reference_line_or_graded_key_ships(handout):
    text, lines = _texts(handout), _lines(handout)
    bank = load_bank(REPO / "exercises")
    public_lines = set()
    for exercise in bank:
        for path in (exercise.folder / "public").glob("*.py"):
            public_lines |= _code_lines(path)
    # what the bank shows students anyway: titles, descriptions, prompts, options
    shown = "\n".join([e.title + "\n" + e.description for e in bank] + [
        q.prompt + "\n" + "\n".join(q.option_map.values()) for e in bank if isinstance(e, QuizExercise) for q in e.questions])
    leaks = []
    for exercise in bank:
        own = _texts(handout / "bank" / "exercises" / exercise.id)
        if isinstance(exercise, CodeExercise):
            public = {n.name for p in (exercise.folder / "public").glob("*.py") for n in ast.parse(p.read_text()).body
                      if isinstance(n, ast.FunctionDef)}
            for path in sorted((exercise.folder / "checks").glob("*.py")):
                for node in ast.parse(path.read_text()).body:
                    if (isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and node.name not in public
                            and node.name in own):
                        leaks.append(f"hidden check function {exercise.id}/{node.name}")
                leaks += [f"{path.name}: {line}" for line in _code_lines(path) - public_lines if line in lines]
            for check in exercise.checks:
                if check.function_name not in public and (f"id: {check.id}\n" in own or check.title and check.title in own):
                    leaks.append(f"hidden check {exercise.id}/{check.id}")
            reference = REPO / "solutions" / exercise.id / exercise.file
            leaks += [f"reference {exercise.id}: {line}" for line in _code_lines(reference) if line in lines]
        else:
            values = draw(exercise, STUDENT)
            answers = yaml.safe_load((handout / "submission" / "answers.yaml").read_text())[exercise.id]
            for question in exercise.questions:
                for key in [question.answer] + [rule.when for rule in question.feedback]:
                    if isinstance(key, str) and len(key) > 2 and key in text and key not in shown:
                        leaks.append(f"key or rule {exercise.id}/{question.id}: {key}")
                assert answers[question.id] is None  # blank, to be filled in
                assert str(key_value(exercise, question, values)) != str(answers[question.id])
    for spec in (handout / "bank" / "exercises").glob("*/spec.yaml"):
        data = yaml.safe_load(spec.read_text())
        assert "constraints" not in data, spec  # a constraint can hold a key's formula
        for question in data.get("questions", []):
            if "answer" in question and not question.get("practice"):
                leaks.append(f"{spec}: a graded answer")
    assert not leaks, "\n".join(leaks[:20])


def test_the_scan_would_see_a_leak(handout, tmp_path):
    """The scan above is honest: a handout with one hidden check file copied in fails it."""
    leaky = tmp_path / "leaky"
    shutil.copytree(handout, leaky)
    shutil.copy(REPO / "exercises" / "lenet" / "checks" / "behaviour.py", leaky / "bank" / "exercises" / "lenet")
    shutil.copy(REPO / "solutions" / "lenet" / "lenet.py", leaky / "notebooks" / "x.py")
    with pytest.raises(AssertionError, match="hidden check function|reference lenet"):
        test_no_hidden_check_reference_line_or_graded_key_ships(leaky)


def test_answers_yaml_names_every_question_with_the_students_numbers(handout):
    text = (handout / "submission" / "answers.yaml").read_text()
    data = yaml.safe_load(text)
    for exercise in load_bank(REPO / "exercises"):
        if isinstance(exercise, QuizExercise):
            assert list(data[exercise.id]) == [q.id for q in exercise.questions]
    conv = draw(next(e for e in load_bank(REPO / "exercises") if e.id == "conv-params"), STUDENT)
    assert f"{conv['c_in']} input channels" in text or str(conv["c_in"]) in text
    sheet = (handout / "sheet.md").read_text()
    assert sheet.startswith(f"# Quiz sheet of {STUDENT}") and "**Q1 `" in sheet


def test_starters_import_and_raise_not_implemented(handout):
    namespace: dict = {}
    exec(compile((handout / "submission" / "conv.py").read_text(), "conv.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="corr2d"):
        namespace["corr2d"](None, None)
    import inspect

    assert str(inspect.signature(namespace["pool2d"])) == "(X, pool_size, mode='max')"
    transformer = (handout / "submission" / "transformer.py").read_text()
    for name in ("MultiHeadAttention", "PositionWiseFFN", "AddNorm", "PositionalEncoding", "EncoderBlock", "DecoderBlock"):
        assert f"class {name}(nn.Module):" in transformer
    assert "def __init__(self, embedding_size, dropout, max_len=1000):" in transformer
    import nbformat

    notebook = nbformat.read(handout / "notebooks" / "lenet.ipynb", as_version=4)
    assert notebook.cells[-1].source.startswith("%load_ext grader\n%grader check lenet")


def test_public_checks_run_from_the_handout_alone(handout, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(handout / "submission", work)
    starter = grader("check", work, "--bank", handout / "bank", "--public-only", "-e", "lenet")
    assert starter.returncode == 1, starter.stderr
    assert "NotImplementedError" in starter.stdout and "net: build it here" in starter.stdout
    shutil.copy(REPO / "solutions" / "lenet" / "lenet.py", work / "lenet.py")
    done = grader("check", work, "--bank", handout / "bank", "--public-only", "-e", "lenet")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 hidden check(s)" in done.stdout  # the handout's spec says how many it does not ship
    from grader.handouts.answer_sheet import save_answers

    conv = next(e for e in load_bank(handout / "bank" / "exercises") if e.id == "conv-params")
    save_answers(work, conv, {"course-case": "280"})
    quiz = grader("check", work, "--bank", handout / "bank", "-e", "conv-params", "--json", tmp_path / "r.json")
    tests = {t["name"]: t for t in __import__("json").loads((tmp_path / "r.json").read_text())["tests"]}
    assert tests["conv-params/course-case"]["score"] == 1  # the practice key, shipped
    assert tests["conv-params/count"]["max_score"] == 0 and "graded by your instructor" in quiz.stdout


PRACTICE_BANK = """\
id: drill
title: A drill
kind: quiz
topic: cnn-basics
params:
  c_in: [1, 3]
  c_out: {min: 8, max: 12}
questions:
  - id: warm-up
    type: numeric
    points: 1
    practice: true
    prompt: "Conv2d({{ c_in }}, {{ c_out }}, 3) with bias: how many parameters?"
    answer: "c_out*c_in*9 + c_out"
    feedback:
      - when: "c_out*c_in*9"
        say: "One bias per output channel is missing."
  - id: graded
    type: numeric
    points: 2
    prompt: "Conv2d({{ c_in }}, {{ c_out }}, 5) with bias: how many parameters?"
    answer: "c_out*c_in*25 + c_out"
"""


@pytest.fixture(scope="module")
def practice_handout(tmp_path_factory):
    root = tmp_path_factory.mktemp("practice")
    write_spec(root / "bank" / "exercises" / "drill", PRACTICE_BANK)
    run = grader("handout", "--bank", root / "bank", "--out", root / "kit")
    assert run.returncode == 0, run.stderr
    return root


def test_practice_keys_ship_evaluated_and_graded_ones_never(practice_handout):
    from grader.bank.loading import load_exercise

    original = load_exercise(practice_handout / "bank" / "exercises" / "drill")
    spec = yaml.safe_load((practice_handout / "kit" / "bank" / "exercises" / "drill" / "spec.yaml").read_text())
    values = draw(original, "practice")
    warm, graded = spec["questions"]
    assert spec["handout"] is True and warm["practice"] is True
    assert warm["answer"] == values["c_out"] * values["c_in"] * 9 + values["c_out"]  # a number, not the formula
    assert warm["feedback"][0]["when"] == values["c_out"] * values["c_in"] * 9
    assert "answer" not in graded and "feedback" not in graded
    assert "c_out*c_in*25" not in _texts(practice_handout / "kit")


def test_grader_quiz_from_a_handout_judges_practice_only(practice_handout):
    kit = practice_handout / "kit"
    original = draw(next(iter(load_bank(practice_handout / "bank" / "exercises"))), "practice")
    right = original["c_out"] * original["c_in"] * 9 + original["c_out"]
    own = draw(next(iter(load_bank(practice_handout / "bank" / "exercises"))), STUDENT)
    graded_key = own["c_out"] * own["c_in"] * 25 + own["c_out"]
    run = grader("quiz", "drill", "--bank", kit / "bank", "--student", STUDENT, input_text=f"{right}\n{graded_key}\n")
    assert "Q1 warm-up (1 pt) practice" in run.stdout and "correct" in run.stdout
    assert "Q2 graded (2 pt)" in run.stdout and "graded by your instructor" in run.stdout
    assert run.stdout.count("correct") == 1 and "score 1/1" in run.stdout
    assert "the practice variant of a handout" in run.stdout
    assert str(graded_key) not in run.stdout  # never read, never judged


def test_quiz_save_merges_and_uses_the_folders_id(practice_handout, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(practice_handout / "kit" / "submission", work)
    (work / "student.yaml").write_text(f"id: {STUDENT}\n")
    answers = work / "answers.yaml"
    answers.write_text(answers.read_text() + "other-quiz:\n  q: keep me\n")
    run = grader("quiz", "drill", "--bank", practice_handout / "kit" / "bank", "--save", work, "--retries", "0",
                 input_text="two hundred\n1\n", cwd=work)
    assert f"using student id {STUDENT}" in run.stderr
    assert "that did not count as a try" in run.stdout
    assert "saved 1 answer(s)" in run.stdout, run.stdout + run.stderr
    saved = yaml.safe_load(answers.read_text())
    assert saved["drill"] == {"warm-up": "1", "graded": None} and saved["other-quiz"] == {"q": "keep me"}
    assert "# Q1 (1 pt, practice, numeric)" in answers.read_text()  # the sheet's comments are kept


def test_a_missing_answer_names_the_question(tmp_path):
    work = tmp_path / "s1"
    work.mkdir()
    (work / "answers.yaml").write_text("layer-count:\n  count: 1\n")
    run = grader("check", work, "--bank", FIXTURE_BANK, "-e", "layer-count", "--json", tmp_path / "r.json")
    assert run.returncode == 1
    assert "no answer in answers.yaml for ratio, out-height" in run.stdout


def test_handout_mistakes_exit_2_with_a_message(handout, tmp_path):
    again = grader("handout", "--out", handout)
    assert again.returncode == 2 and "is not empty; give a new folder" in " ".join(again.stderr.split())
    bad = grader("handout", "--out", tmp_path / "x", "--student", "../etc")
    assert bad.returncode == 2 and "is not a student id" in bad.stderr
    unknown = grader("handout", "--out", tmp_path / "y", "-e", "no-such")
    assert unknown.returncode == 2 and "no exercise 'no-such'" in unknown.stderr


def test_every_exercises_public_checks_pass_from_the_handout_with_the_references(handout, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(handout / "submission", work)
    for exercise in load_bank(REPO / "exercises"):
        if isinstance(exercise, CodeExercise):
            shutil.copy(REPO / "solutions" / exercise.id / exercise.file, work / exercise.file)
    run = grader("check", work, "--bank", handout / "bank", "--public-only", "--json", tmp_path / "r.json")
    tests = __import__("json").loads((tmp_path / "r.json").read_text())["tests"]
    code = [t for t in tests if t["name"].split("/")[0] in {e.id for e in load_bank(REPO / "exercises")
                                                            if isinstance(e, CodeExercise)}]
    assert len({t["name"].split("/")[0] for t in code}) == 13, run.stdout[-2000:]
    assert all(t["score"] == t["max_score"] for t in code), [t["name"] for t in code if t["score"] < t["max_score"]]
