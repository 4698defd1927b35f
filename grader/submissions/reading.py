"""Reading a submission folder: who it is from and the quiz answers it holds.

Everything here is student input: problems become messages, never exceptions. Files are
read through `submission_files` (regular files in the folder, no links followed) and
parsed as plain YAML (no anchors or aliases).
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from grader.bank.spec import QuizExercise
from grader.bank.yamlfile import YamlDocument, parse_yaml
from grader.errors import SpecError
from grader.i18n import N_, _
from grader.submissions.files import MAX_FILE_BYTES, UnreadableFile, odd_names, present, read_text, shown

ANSWERS = "answers.yaml"
STUDENT = "student.yaml"
MAX_YAML_BYTES = MAX_FILE_BYTES
# A student id: letters and digits of any script (张三, ada, s1234) and '.', '_', '@', '+', '-', so that an
# email with a tag (a+b@school.edu) is one too. It names files and folders (the class report's page
# of each student, a Gradescope submission's copy), so it starts with a letter or digit, holds no path
# separator, no '..' and no control or invisible character, and fits a file name (255 bytes) with room.
MAX_ID_CHARS = 128
MAX_ID_BYTES = 192  # UTF-8: 64 Chinese characters
_ID_MARKS = frozenset("._@+-")
ID_RULE = N_("1 to 128 letters or digits (of any script), '.', '_', '@', '+' or '-', starting with a letter or digit, "
             "without '..'")
_NULL = "tag:yaml.org,2002:null"


@dataclass
class Submission:
    folder: Path
    student_id: str
    answers: dict[str, dict[str, object]] = field(default_factory=dict)  # exercise -> question -> raw
    problems: list[str] = field(default_factory=list)
    answers_unreadable: bool = False  # answers.yaml is there but could not be read (a save half done, broken YAML)


def _document(folder: Path, name: str, problems: list[str], notes: list[str] | None = None) -> YamlDocument | None:
    """A student's YAML file read safely and parsed plain, or None with the problem recorded.

    `notes` gets what was read other than typed (a full-width colon); where it is None that
    goes unsaid (student.yaml: its id is shown as read, and a note there must not stop a batch).
    """
    try:
        text = read_text(folder, name, limit=MAX_YAML_BYTES, what=_("a YAML file"))
        document = parse_yaml(text, Path(name), plain=True)
        if notes is not None:
            notes.extend(f"{name}: {note}" for note in document.notes)
        return document
    except UnreadableFile as refused:
        problems.append(str(refused))
    except SpecError as error:
        where = f"{name}:{error.line}" if error.line else name
        problems.append((_("{where}: {message} ({fix})") if error.fix else _("{where}: {message}")).format(
            where=where, message=error.detail, fix=error.fix))
    return None


def student_id(text: str) -> str:
    """`text` as a student id is kept: NFKC, so that full-width ｓ１２３４ is s1234 and one name typed
    two ways (composed é or e and its accent) is one student, with one variant."""
    return unicodedata.normalize("NFKC", text)


def valid_id(text: str) -> bool:
    """Whether `text` is a student id as kept (see ID_RULE and `student_id`)."""
    if not 1 <= len(text) <= MAX_ID_CHARS or len(text.encode("utf-8", "replace")) > MAX_ID_BYTES:
        return False
    if text != student_id(text) or ".." in text or not _letter_or_digit(text[0]):
        return False
    return all(char in _ID_MARKS or _letter_or_digit(char) or unicodedata.category(char).startswith("M")
               for char in text)


def _letter_or_digit(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def _id_from_file(folder: Path, problems: list[str]) -> str | None:
    """The id as written in student.yaml (never YAML's reading of it: 0123 is not 83), or None."""
    document = _document(folder, STUDENT, problems)
    if document is None or document.data is None:
        return None
    if not isinstance(document.data, dict):
        problems.append(_("{file}: expected a mapping with an id: field, like id: s1234").format(file=STUDENT))
        return None
    if "id" not in document.data:
        return None  # the id is optional: the folder name stands in
    written = document.text_at("id")
    line = document.line_of(("id",))
    if written is None:
        problems.append(_("{file}:{line}: id must be one value, like id: s1234").format(file=STUDENT, line=line))
    elif written[1] == _NULL or not written[0].strip():
        problems.append(_("{file}:{line}: id is empty; write your student id, like id: s1234").format(file=STUDENT, line=line))
    elif not valid_id(student_id(written[0])):
        problems.append(_("{file}:{line}: id '{id}' is not a student id: use {rule}").format(
            file=STUDENT, line=line, id=shown(written[0][:40]), rule=_(ID_RULE)))
    else:
        return student_id(written[0])
    return None


def identify(folder: Path) -> tuple[str, list[str]]:
    """Whose submission `folder` is, and the problems met finding out.

    The id is student.yaml's `id:` as written, else the folder's name, NFKC-normalised
    (`student_id`); either must follow ID_RULE. With problems, the id returned is only a label
    (the folder's name, printable).
    """
    folder = Path(folder)
    problems: list[str] = []
    if present(folder, STUDENT):
        written = _id_from_file(folder, problems)
        if written is not None:
            return written, problems
    name = student_id(shown(folder.resolve().name))
    if valid_id(name):
        if problems:
            problems[-1] = _("{problem}; using the folder name").format(problem=problems[-1])
    else:
        problems.append(_("the folder name '{name}' is not a student id ({rule}); rename the folder or give the id in "
                          "{file} (id: s1234)").format(name=name[:60], rule=_(ID_RULE), file=STUDENT))
    return name, problems


def _suggest(name: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(name, known, n=1)
    return close[0] if close else None


def _answers(folder: Path, quizzes: dict[str, QuizExercise], problems: list[str]) -> dict[str, dict[str, object]] | None:
    """The answers by exercise and question; None where answers.yaml is there but cannot be read."""
    if not present(folder, ANSWERS):
        return {}
    document = _document(folder, ANSWERS, problems, notes=problems)
    if document is None:
        return None
    data = document.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(_("{file}: expected exercise ids as top-level keys (e.g. conv-params:)").format(file=ANSWERS))
        return None
    answers = {}
    for exercise_id, given in data.items():
        exercise = quizzes.get(str(exercise_id))
        if exercise is None:
            near = _suggest(str(exercise_id), list(quizzes))
            said = {"file": ANSWERS, "id": str(exercise_id)[:60], "near": near}
            problems.append((_("{file}: unknown exercise {id!r} (did you mean {near!r}?); its answers were not graded") if near
                             else _("{file}: unknown exercise {id!r}; its answers were not graded")).format(**said))
            continue
        if not isinstance(given, dict):
            problems.append(_("{file}: {exercise}: expected question ids with answers under it (e.g. count: 280)").format(
                file=ANSWERS, exercise=exercise_id))
            continue
        ids = [q.id for q in exercise.questions]
        for question_id in given:
            if str(question_id) not in ids:
                near = _suggest(str(question_id), ids)
                said = {"file": ANSWERS, "exercise": exercise_id, "id": str(question_id)[:60], "near": near}
                problems.append((_("{file}: {exercise}: unknown question {id!r} (did you mean {near!r}?)") if near
                                 else _("{file}: {exercise}: unknown question {id!r}")).format(**said))
        answers[exercise.id] = {str(k): v for k, v in given.items()}
    return answers


def written_id(folder: Path) -> str | None:
    """The id student.yaml gives, as written; None without one (no file, no `id:`, or one that
    `identify` reports as a problem)."""
    folder = Path(folder)
    return _id_from_file(folder, []) if present(folder, STUDENT) else None


def read_student_id(folder: Path) -> str:
    """Whose submission `folder` is: the id in its student.yaml, else the folder's name."""
    return identify(Path(folder))[0]


def read_submission(folder: Path, quizzes: dict[str, QuizExercise]) -> Submission:
    """Read who submitted and their answers; `quizzes` are the bank's quiz exercises by id."""
    folder = Path(folder)
    student_id, problems = identify(folder)
    problems += odd_names(folder)
    answers = _answers(folder, quizzes, problems)
    return Submission(folder, student_id, answers or {}, problems, answers_unreadable=answers is None)
