"""answers.yaml as students write it: a blank sheet with every question id, and saving answers.

The blank sheet names each quiz and question id with its prompt as a comment, so a student
fills in blanks instead of guessing keys. Saving (`grader quiz --save DIR`) edits the lines
of the questions answered and keeps every other line (comments and other answers); the
result is read back, and if any earlier answer did not survive, the file is not touched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from grader.bank.prompts import render_text
from grader.bank.spec import QuizExercise
from grader.bank.variants import draw, question_values
from grader.i18n import N_, _
from grader.submissions.files import UnreadableFile, present, read_text
from grader.submissions.reading import ANSWERS


TYPE_WORDS = {"numeric": N_("numeric"), "symbolic": N_("symbolic"), "shape": N_("shape"), "choice": N_("choice"),
              "multi": N_("multi")}


def _comment(text: str) -> str:
    return " ".join(text.split())


def blank_sheet(quizzes: list[QuizExercise], student_id: str | None) -> str:
    """answers.yaml with an empty value for every question (prompts with the student's numbers)."""
    lines = ["# " + line for line in _(
        "Your quiz answers: write each after its question id, e.g.  count: 42\n"
        "(a formula in quotes:  size: \"2*a + b\"; a shape as a list:  shape: [2, 3]).\n"
        "`grader quiz ID --save .` fills this in as you take a quiz.").split("\n")] + [""]
    for exercise in quizzes:
        values = draw(exercise, student_id) if student_id else None
        lines.append(f"{exercise.id}:  # {_comment(exercise.title)}")
        for number, question in enumerate(exercise.questions, start=1):
            asked = question_values(exercise, question, values) if values is not None else None
            prompt = render_text(question.prompt, asked) if asked is not None else question.prompt
            said = {"number": number, "points": question.points, "type": _(TYPE_WORDS[question.type]),
                    "prompt": _comment(prompt)}
            lines.append("  # " + (_("Q{number} ({points:g} pt, practice, {type}) {prompt}") if question.practice
                                   else _("Q{number} ({points:g} pt, {type}) {prompt}")).format(**said))
            for letter, text in question.option_map.items():
                lines.append(f"  #   {letter}) {_comment(render_text(text, asked) if asked is not None else text)}")
            lines.append(f"  {question.id}:")
        lines.append("")
    return "\n".join(lines)


def _read(folder: Path) -> tuple[str, dict]:
    if not present(folder, ANSWERS):
        return "", {}
    text = read_text(folder, ANSWERS, what=_("a YAML file"))
    data = yaml.safe_load(text) if text.strip() else {}
    if data is not None and not isinstance(data, dict):
        raise UnreadableFile(_("{file} holds no quiz ids at its top level; fix or remove it").format(file=ANSWERS))
    return text, data or {}


def _edited(text: str, exercise_id: str, answers: dict[str, str]) -> str:
    lines = text.split("\n") if text else []
    header = next((i for i, line in enumerate(lines) if re.match(rf"^{re.escape(exercise_id)}\s*:", line)), None)
    if header is None:
        lines += [f"{exercise_id}:"] + [f"  {q}: {json.dumps(a, ensure_ascii=False)}" for q, a in answers.items()]
        return "\n".join(lines) + "\n"
    if re.match(rf"^{re.escape(exercise_id)}\s*:\s*(#.*)?$", lines[header]) is None:
        lines[header] = f"{exercise_id}:"  # `conv-params: {}` or a flow mapping: written out below
    end = header + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "\t", "#"))):
        end += 1
    for question, answer in answers.items():
        value = f"  {question}: {json.dumps(answer, ensure_ascii=False)}"
        at = next((i for i in range(header + 1, end) if re.match(rf"^\s+{re.escape(question)}\s*:", lines[i])), None)
        if at is None:
            lines.insert(end, value)
            end += 1
        else:
            lines[at] = value
    return "\n".join(lines)


def save_answers(folder: Path, exercise: QuizExercise, answers: dict[str, str]) -> Path:
    """Merge `answers` (question id -> text) into `folder/answers.yaml`; nothing else is dropped."""
    folder = Path(folder)
    text, before = _read(folder)
    after_text = _edited(text, exercise.id, answers)
    try:
        after = yaml.safe_load(after_text) or {}
    except yaml.YAMLError:
        after = None
    kept = isinstance(after, dict) and all(
        isinstance(after.get(k), dict) and all(q in after[k] for q in (v or {})) if isinstance(v, dict) else k in after
        for k, v in before.items())
    if not kept or any(str((after.get(exercise.id) or {}).get(q)) != a for q, a in answers.items()):
        merged = {**before, exercise.id: {**(before.get(exercise.id) or {}), **answers}}
        after_text = yaml.safe_dump(merged, sort_keys=False, allow_unicode=True)
    path = folder / ANSWERS
    path.write_text(after_text, encoding="utf-8")
    return path
