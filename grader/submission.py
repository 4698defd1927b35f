"""Reading a submission folder: who it is from and the quiz answers it holds.

Everything here is student input: problems become messages, never exceptions.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SpecError
from grader.spec import QuizExercise
from grader.yamlfile import read_yaml

ANSWERS = "answers.yaml"
STUDENT = "student.yaml"
MAX_YAML_BYTES = 1_000_000
_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")


@dataclass
class Submission:
    folder: Path
    student_id: str
    answers: dict[str, dict[str, object]] = field(default_factory=dict)  # exercise -> question -> raw
    problems: list[str] = field(default_factory=list)


def _read(path: Path, problems: list[str]):
    """A student's YAML file, or None with the problem recorded."""
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            problems.append(f"{path.name}: larger than {MAX_YAML_BYTES:,} bytes; not read")
            return None
        return read_yaml(path).data
    except SpecError as error:
        problems.append(f"{path.name}" + (f":{error.line}" if error.line else "") + f": {error.detail}"
                        + (f" ({error.fix})" if error.fix else ""))
        return None


def _student_id(folder: Path, problems: list[str]) -> str:
    path = folder / STUDENT
    if path.is_file():
        data = _read(path, problems)
        if isinstance(data, dict) and "id" in data:
            value = str(data["id"]).strip()
            if _STUDENT_ID.match(value):
                return value
            problems.append(f"{STUDENT}: id {value[:40]!r} must be letters, digits, '.', '_', '@' or '-'; using the folder name")
        elif data is not None:
            problems.append(f"{STUDENT}: expected a mapping with an id: field; using the folder name")
    return folder.resolve().name


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _answers(folder: Path, quizzes: dict[str, QuizExercise], problems: list[str]) -> dict[str, dict[str, object]]:
    path = folder / ANSWERS
    if not path.is_file():
        return {}
    data = _read(path, problems)
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{ANSWERS}: expected exercise ids as top-level keys (e.g. conv-params:)")
        return {}
    answers = {}
    for exercise_id, given in data.items():
        exercise = quizzes.get(str(exercise_id))
        if exercise is None:
            problems.append(f"{ANSWERS}: unknown exercise {str(exercise_id)[:60]!r}{_suggest(str(exercise_id), list(quizzes))}; its answers were not graded")
            continue
        if not isinstance(given, dict):
            problems.append(f"{ANSWERS}: {exercise_id}: expected question ids with answers under it (e.g. count: 280)")
            continue
        ids = [q.id for q in exercise.questions]
        for question_id in given:
            if str(question_id) not in ids:
                problems.append(f"{ANSWERS}: {exercise_id}: unknown question {str(question_id)[:60]!r}{_suggest(str(question_id), ids)}")
        answers[exercise.id] = {str(k): v for k, v in given.items()}
    return answers


def read_student_id(folder: Path) -> str:
    """Whose submission `folder` is: the id in its student.yaml, else the folder's name."""
    return _student_id(Path(folder), [])


def read_submission(folder: Path, quizzes: dict[str, QuizExercise]) -> Submission:
    """Read who submitted and their answers; `quizzes` are the bank's quiz exercises by id."""
    folder = Path(folder)
    problems: list[str] = []
    student_id = _student_id(folder, problems)
    answers = _answers(folder, quizzes, problems)
    return Submission(folder, student_id, answers, problems)
