"""`grader handout`: what a student gets, and nothing of the keys.

    OUT/README.md            which role installs what, and the student's road
    OUT/submission/          the folder to hand in: starter .py files, answers.yaml (every
                             question id, its prompt as a comment), student.yaml with --student
    OUT/notebooks/           the same starters as notebooks (one per file)
    OUT/bank/exercises/      code specs with their public checks only; quiz specs marked
                             `handout: true`, keys only for `practice: true` questions
    OUT/sheet.md, sheet.html with --student: the student's own quiz sheet, their numbers

Hidden checks, reference solutions and graded keys never ship. A quiz spec ships the
practice variant's params only (each pinned to one value, no constraints), so no graded
variant can be computed from a handout; a practice question ships its key for that
variant (evaluated, not the author's expression), read back to prove it judges as the
bank does. Students' own numbers are on their sheets and in answers.yaml's comments.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import sympy
import yaml

from grader.bank.loading import load_bank, load_exercise
from grader.bank.prompts import render_text
from grader.bank.settings import FILE_NAME as SETTINGS_FILE
from grader.bank.settings import accepted_editions
from grader.bank.spec import CodeExercise, QuizExercise
from grader.bank.variants import PRACTICE, draw, question_values
from grader.bank.yamlfile import read_yaml
from grader.errors import GraderError
from grader.paths import output_folder
from grader.handouts.answer_sheet import blank_sheet
from grader.handouts.starter import Stub, module_text, stubs
from grader.i18n import N_, _, listed
from grader.quiz.keys import key_value, rule_value

GRADED_FIELDS = ("id", "type", "points", "prompt", "options", "variables", "constraints", "tolerance")
PRACTICE_FIELDS = GRADED_FIELDS + ("hint", "practice")


class HandoutError(GraderError):
    """The handout cannot be built as asked (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Handout:
    folder: Path
    files: tuple[str, ...]  # the starter files
    quizzes: int
    practice_questions: int


def public_check_ids(exercise: CodeExercise) -> set[str]:
    """The ids of the checks defined in `public/*.py`, read by syntax tree (not imported)."""
    ids = set()
    for path in sorted((exercise.folder / "public").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                ids.add(node.name.removeprefix("test_").replace("_", "-"))
    return ids


def _code_spec(exercise: CodeExercise, out: Path) -> None:
    data = dict(read_yaml(exercise.folder / "spec.yaml").data)
    public = public_check_ids(exercise)
    data["checks"] = [dict(c, needs=[n for n in c.get("needs", []) if n in public]) if c.get("needs") else c
                      for c in data["checks"] if c["id"] in public]
    data["hidden_checks"] = len(exercise.checks) - len(data["checks"])  # so a self-check says how many remain
    if exercise.editions:  # the bank's bank.yaml stays home: the editions it accepts travel in the spec
        data["accept"] = accepted_editions(exercise)
    folder = out / exercise.id
    (folder / "public").mkdir(parents=True)
    for path in sorted((exercise.folder / "public").glob("*.py")):
        shutil.copyfile(path, folder / "public" / path.name)
    (folder / "spec.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _shipped(value):
    """A key evaluated for one variant, as a spec writes it."""
    if isinstance(value, sympy.Basic):
        if value.is_Integer:
            return int(value)
        return sympy.sstr(value)
    return value


def _quiz_spec(exercise: QuizExercise, out: Path) -> int:
    data = dict(read_yaml(exercise.folder / "spec.yaml").data)
    practice_values = draw(exercise, PRACTICE)
    questions, practice = [], 0
    for raw, question in zip(data["questions"], exercise.questions):
        if not question.practice:
            questions.append({k: v for k, v in raw.items() if k in GRADED_FIELDS})
            continue
        practice += 1
        shipped = {k: v for k, v in raw.items() if k in PRACTICE_FIELDS}
        shipped["answer"] = _shipped(key_value(exercise, question, practice_values))
        # each rule's say as the bank wrote it, in every language it gives (exercise's are in one)
        shipped["feedback"] = [{"when": _shipped(rule_value(exercise, question, rule.when, practice_values)),
                                "say": written["say"]}
                               for written, rule in zip(raw.get("feedback", []), question.feedback)
                               if rule.applies(practice_values)]
        questions.append(shipped)
    # the practice variant only: no constraint text ships (one can hold a key's formula), and no
    # graded variant can be computed from a handout; students' own numbers are on their sheets
    data["params"] = {name: [value] for name, value in practice_values.items()}
    data.pop("constraints", None)
    data.update(questions=questions, handout=True)
    folder = out / exercise.id
    folder.mkdir(parents=True)
    (folder / "spec.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    _same_practice_keys(exercise, load_exercise(folder))
    return practice


def _same_practice_keys(original: QuizExercise, shipped: QuizExercise) -> None:
    """The handout's practice keys judge as the bank's do (the shipped form is read back)."""
    values = draw(original, PRACTICE)
    for a, b in zip(original.questions, shipped.questions):
        if not a.practice:
            continue
        want, got = key_value(original, a, values), key_value(shipped, b, draw(shipped, PRACTICE))
        same = (sympy.simplify(want - got) == 0) if isinstance(want, sympy.Basic) else want == got
        if not same:
            raise HandoutError(_("{item}: the practice key shipped as {got} does not read back as {want}; write the key "
                                 "so it evaluates to a plain number or formula").format(item=f"{original.id}/{a.id}",
                                                                                       got=got, want=want))


def _notebook(file: str, exercises: list[CodeExercise], symbol_stubs: list[Stub]) -> str:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from grader.handouts.starter import IMPORTS

    stem = file.removesuffix(".py")
    cells = [new_markdown_cell(_("# {stem}: starter notebook\n\nEvery code cell here is part of `{file}` when you hand "
                                 "in this notebook as `{stem}.ipynb`. Only imports, functions, classes and assignments "
                                 "are graded; loops, plots and training cells are listed in the report, not run.").format(
        stem=stem, file=file))]
    for exercise in exercises:
        cells.append(new_markdown_cell(_("## {title} (`{id}`)\n\n{description}\n\nDefine: {symbols}.").format(
            title=exercise.title, id=exercise.id, description=exercise.description,
            symbols=listed(f"`{s}`" for s in exercise.symbols))))
    cells.append(new_code_cell(IMPORTS.strip()))
    cells += [new_code_cell(s.code.strip()) for s in symbol_stubs]
    cells.append(new_markdown_cell(_("## Check your work\n\nRun the public checks on the cells you ran (in a sandbox, "
                                     "not in this kernel):")))
    cells.append(new_code_cell("%load_ext grader\n" + "\n".join(f"%grader check {e.id}" for e in exercises)))
    notebook = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                  "language": "python"}})
    return nbformat.writes(notebook)


def _starters(code: list[CodeExercise], solutions: Path, out: Path) -> list[str]:
    by_file: dict[str, list[CodeExercise]] = {}
    for exercise in code:
        by_file.setdefault(exercise.file, []).append(exercise)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    for file, exercises in by_file.items():
        seen, symbol_stubs = set(), []
        for exercise in exercises:
            for stub in stubs(exercise, solutions / exercise.id / exercise.file):
                if stub.name not in seen:
                    seen.add(stub.name)
                    symbol_stubs.append(stub)
        (out / "submission" / file).write_text(module_text(file, exercises, symbol_stubs), encoding="utf-8")
        (out / "notebooks" / (file.removesuffix(".py") + ".ipynb")).write_text(
            _notebook(file, exercises, symbol_stubs), encoding="utf-8")
    return sorted(by_file)


def sheet_context(quizzes: list[QuizExercise], student: str) -> list[dict]:
    """Each quiz as the student sees it: questions with their numbers, for sheet templates."""
    shown = []
    for exercise in quizzes:
        values = draw(exercise, student)
        questions = []
        for number, question in enumerate(exercise.questions, start=1):
            asked = question_values(exercise, question, values)
            questions.append({"number": number, "id": question.id, "points": question.points, "type": question.type,
                              "practice": question.practice, "prompt": render_text(question.prompt, asked),
                              "options": {k: render_text(v, asked) for k, v in question.option_map.items()}})
        shown.append({"id": exercise.id, "title": exercise.title, "description": exercise.description,
                      "questions": questions})
    return shown


def _sheet_markdown(student: str, quizzes: list[dict]) -> str:
    from grader.reports.untrusted_text import for_markdown

    lines = [_("# Quiz sheet of {student}").format(student=for_markdown(student)), "",
             _("Write each answer in `submission/answers.yaml` under the quiz id and question id shown."), ""]
    for quiz in quizzes:
        lines += [f"## {quiz['title']} (`{quiz['id']}`)", "", " ".join(quiz["description"].split()), ""]
        for q in quiz["questions"]:
            heading = (_("**Q{number} `{id}`** ({points:g} pt, practice) {prompt}") if q["practice"]
                       else _("**Q{number} `{id}`** ({points:g} pt) {prompt}"))
            lines.append(heading.format(number=q["number"], id=q["id"], points=q["points"], prompt=" ".join(q["prompt"].split())))
            lines += [f"- {letter}) {text}" for letter, text in q["options"].items()] + [""]
    return "\n".join(lines)


README = N_("""# {title}

This folder is what a student gets: starter files, the public checks and the quiz sheet.
It holds no hidden checks, no reference solutions and no graded answer keys.

Who installs what:

- instructors: the full bank (`pip install -e .` of the course repository: exercises/,
  solutions/, hidden checks); they run `grader handout`, `grader validate`, `grader grade`;
- students: `pip install dl-grader` (the package's name on the package index; the command
  is `grader`; add `dl-grader[notebook]` to check inside Jupyter) and this handout. The
  package carries no bank: every command finds this handout's `bank/` by itself when run
  on `submission/` (or give `--bank bank`).

Your road:

1. Work in `submission/` ({files}), or in a notebook from `notebooks/`: copy
   `notebooks/X.ipynb` into `submission/` and delete `submission/X.py`.
2. Check as you go: `grader check --bank bank submission --public-only`, or in Jupyter
   `%load_ext grader` then `%grader check ID`.
3. Quizzes: answer in `submission/answers.yaml` with the numbers of your quiz sheet
   (sheet.md). `grader quiz ID --bank bank --save submission` drills the practice
   questions (judged offline) and saves those answers; graded ones are shown, not judged.
4. Hand in the `submission/` folder.
""")


def build_handout(exercises_dir: Path, solutions_dir: Path, out: Path, *, student: str | None = None,
                  only: list[str] | None = None) -> Handout:
    """Write the handout of the bank at `exercises_dir` (references in `solutions_dir`) into `out`."""
    out = output_folder(out, _("the handout's folder"), empty=True)
    bank = [e for e in load_bank(exercises_dir) if not only or e.id in only]
    unknown = sorted(set(only or ()) - {e.id for e in bank})
    if unknown:
        raise HandoutError(_("no exercise {id!r} in {bank}").format(id=unknown[0], bank=exercises_dir))
    code = [e for e in bank if isinstance(e, CodeExercise)]
    quizzes = [e for e in bank if isinstance(e, QuizExercise)]
    (out / "submission").mkdir(parents=True)
    specs = out / "bank" / "exercises"
    specs.mkdir(parents=True)
    if (Path(exercises_dir) / SETTINGS_FILE).is_file():  # the languages its texts are in ship with them
        shutil.copyfile(Path(exercises_dir) / SETTINGS_FILE, specs / SETTINGS_FILE)
    for exercise in code:
        _code_spec(exercise, specs)
    practice = sum(_quiz_spec(exercise, specs) for exercise in quizzes)
    files = _starters(code, Path(solutions_dir), out)
    (out / "submission" / "answers.yaml").write_text(blank_sheet(quizzes, student), encoding="utf-8")
    if student:
        from grader.reports.render import render_page

        (out / "submission" / "student.yaml").write_text(f"id: {student}\n", encoding="utf-8")
        context = sheet_context(quizzes, student)
        (out / "sheet.md").write_text(_sheet_markdown(student, context), encoding="utf-8")
        (out / "sheet.html").write_text(render_page("sheet.html.j2", student=student, quizzes=context), encoding="utf-8")
    (out / "README.md").write_text(_(README).format(title=_("Handout of {student}").format(student=student) if student else _("Handout"),
                                                    files=listed(files) or _("no code files")), encoding="utf-8")
    return Handout(out, tuple(files), len(quizzes), practice)
