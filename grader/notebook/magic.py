"""`%grader check ID` and `%grader quiz ID` inside a running Jupyter kernel.

`check` takes the code of the cells run so far (the kernel's input history, in run order),
writes it as a notebook into a scratch folder and grades that like any notebook submission:
extracted by syntax tree, run in the sandboxed child (never in this kernel), the public
checks only. The result is shown inline with the HTML report's template, one exercise.
`quiz` shows a quiz's questions with their ids, and judges an answer to a practice question.

The bank: `--bank DIR`, else `$GRADER_BANK`, else the `bank/` of a handout found in the
current folder or up to two above it, else the checkout's bank: the lookup every command
uses (grader.bank.location.locate_bank).
"""

from __future__ import annotations

import atexit
import html
import re
import shlex
import tempfile
from pathlib import Path

from grader.i18n import N_, _, listed

USAGE = N_("usage: %grader check EXERCISE [--bank DIR]   |   %grader quiz EXERCISE [QUESTION ANSWER] "
           "[--bank DIR] [--student ID]")
PRACTICE_HEADING = N_("Practice numbers (the same for everyone; your own graded numbers are on your quiz sheet, "
                      "sheet.md from your instructor)")
_GRADER = None  # one warm sandbox per kernel: its zygote has imported torch once


def register(ipython) -> None:
    from IPython.core.magic import register_line_magic

    @register_line_magic("grader")
    def grader(line: str):
        return run_magic(line, ipython)

    del grader


class Shown:
    """An HTML view for Jupyter with a plain-text fallback; `.result` keeps what it shows."""

    def __init__(self, page: str, text: str, result=None, height: int = 400):
        self.page, self.text, self.result, self.height = page, text, result, height

    def _repr_html_(self) -> str:
        # an iframe keeps the report's page styles out of the notebook's own
        fit = "try{this.style.height=(this.contentDocument.documentElement.scrollHeight+8)+'px'}catch(e){}"
        return (f'<iframe class="grader-report" style="width:100%;height:{self.height}px;border:0" '
                f'onload="{fit}" srcdoc="{html.escape(self.page, quote=True)}"></iframe>')

    def __repr__(self) -> str:
        return self.text


def _options(words: list[str]) -> tuple[list[str], dict[str, str]]:
    free, options = [], {}
    iterator = iter(words)
    for word in iterator:
        if word in ("--bank", "--student"):
            options[word[2:]] = next(iterator, "")
        else:
            free.append(word)
    return free, options


def run_magic(line: str, ipython=None):
    """The `%grader` magic: a message (never a traceback) for a wrong line or bank."""
    from grader.errors import GraderError

    try:
        words = shlex.split(line)
    except ValueError as error:
        return Shown(f"<p>{html.escape(str(error))}</p>", _("grader: {message}").format(message=error))
    free, options = _options(words)
    try:
        if len(free) == 2 and free[0] == "check":
            return check_cells(free[1], bank=options.get("bank"), ipython=ipython)
        if len(free) in (2, 4) and free[0] == "quiz":
            return quiz(free[1], *free[2:], bank=options.get("bank"), student=options.get("student"))
    except GraderError as error:
        return Shown(f"<p><b>grader:</b> {html.escape(str(error))}</p>", _("grader: {message}").format(message=error))
    return Shown(f"<p>{html.escape(_(USAGE))}</p>", _(USAGE))


def find_bank(bank: str | None = None):
    """The bank the magic uses: the commands' own lookup (grader.bank.location) from the kernel's folder."""
    from grader.bank.location import locate_bank

    return locate_bank(Path(bank) if bank else None, near=Path.cwd())


def _exercise(exercise_id: str, bank: str | None, kind: type):
    from grader.bank.loading import load_bank
    from grader.errors import GraderError

    location = find_bank(bank)
    found = {e.id: e for e in load_bank(location.exercises)}
    if exercise_id not in found:
        raise GraderError(_("no exercise {id!r} in {bank}; known: {known}").format(
            id=exercise_id, bank=location.exercises, known=listed(sorted(found))))
    if not isinstance(found[exercise_id], kind):
        other = "quiz" if kind.__name__ == "CodeExercise" else "check"
        raise GraderError(_("{id} is not that kind of exercise: use %grader {other} {id}").format(id=exercise_id, other=other))
    return location, found[exercise_id]


def history(ipython) -> list[tuple[int, str]]:
    """(execution count, source) of every cell run in this kernel, oldest first, this one left out."""
    if ipython is None:
        from IPython import get_ipython

        ipython = get_ipython()
    if ipython is None:
        return []
    inputs = list(ipython.history_manager.input_hist_raw)  # as typed: magics stay magics
    return [(n, text) for n, text in enumerate(inputs[:-1]) if n and text.strip()]


def _runner():
    global _GRADER
    if _GRADER is None:
        from grader.checking.codegrade import CodeGrader
        from grader.sandbox.launcher import Sandbox

        sandbox = Sandbox(root_child="warn")
        sandbox.start()
        _GRADER = CodeGrader(sandbox=sandbox)
        atexit.register(sandbox.close)
    return _GRADER


def check_cells(exercise_id: str, *, bank: str | None = None, ipython=None, cells: list[tuple[int, str]] | None = None):
    """Grade the cells run so far (or `cells`: (execution count, source)) on `exercise_id`'s public checks."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from grader.bank.spec import CodeExercise
    from grader.reports.render import render
    from grader.reports.results import SubmissionResult

    location, exercise = _exercise(exercise_id, bank, CodeExercise)
    runs = history(ipython) if cells is None else cells
    stem = exercise.file.removesuffix(".py")
    with tempfile.TemporaryDirectory(prefix="grader-cells-") as scratch:
        notebook = new_notebook(cells=[new_code_cell(text, execution_count=n) for n, text in runs],
                                metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                         "language": "python"}})
        _copy_neighbours(Path.cwd(), Path(scratch), exercise.file)
        Path(scratch, f"{stem}.ipynb").write_text(nbformat.writes(notebook), encoding="utf-8")
        graded = _runner().grade(exercise, Path(scratch), public_only=True)
    graded = _relabelled(graded, f"{stem}.ipynb")
    result = SubmissionResult(_("this notebook"), _("the cells run so far"), (graded,), public_only=True,
                              protections=_GRADER.protections)
    height = 300 + 64 * len(graded.items) + 22 * (len(graded.message) // 90 + 1)  # onload fits it where JS runs
    return Shown(render(result, "html"), render(result, "md"), result, height)


def _copy_neighbours(here: Path, scratch: Path, file: str) -> None:
    """The other modules of the kernel's folder (attention.py beside a transformer notebook), so
    the cells may import them as a submission's may; the exercise's own file and notebook are the cells."""
    from grader.submissions.files import UnreadableFile, entries, file_limit, read_bytes
    from grader.submissions.notebooks import SUFFIX, own_file

    for raw, _ in entries(here):
        name = raw.decode("utf-8", "replace")
        own = name == file or (name.lower().endswith(SUFFIX) and own_file(name) == file)  # LeNet.ipynb too
        if name.endswith((".py", ".ipynb")) and not own and name.isprintable() and "/" not in name:
            try:
                (scratch / name).write_bytes(read_bytes(here, name, limit=file_limit(name)))
            except UnreadableFile:
                continue  # a link or an oversized file: not the cells' business


def _relabelled(graded, notebook: str):
    """Messages that name this kernel's cells as Jupyter shows them: In [5], not 'lenet.ipynb cell 3'."""
    from dataclasses import replace

    from grader.submissions.notebook_extract import READ_FROM

    # a cell's label as grader.submissions.notebook_cells says it, in the language spoken
    label = re.escape(_("cell {number} (In [{count}])")).replace(r"\{number\}", r"\d+").replace(r"\{count\}", r"(\d+)")
    pattern = re.compile(r"(?:" + re.escape(notebook) + r" ?)?" + label)
    fix = lambda text: pattern.sub(lambda m: f"In [{m.group(1)}]", text)  # noqa: E731
    note = fix(graded.message).replace(_(READ_FROM).format(notebook=notebook), _("read from the cells run so far"))
    return replace(graded, message=note, items=tuple(replace(i, message=fix(i.message)) for i in graded.items))


def quiz(exercise_id: str, question_id: str | None = None, answer: str | None = None, *,
         bank: str | None = None, student: str | None = None):
    """A quiz's questions with their ids; with a question and an answer, that answer judged
    (practice questions only: a graded one is never judged here)."""
    from grader.bank.spec import QuizExercise
    from grader.bank.variants import PRACTICE, draw, question_values
    from grader.handouts.handout import sheet_context
    from grader.quiz.marking import mark
    from grader.reports.render import render_page

    exercise = _exercise(exercise_id, bank, QuizExercise)[1]
    student = student or _student_here() or PRACTICE
    if question_id is None:
        # a handout's quiz holds only the practice variant: whoever asks, these are not their graded numbers
        practice = exercise.handout or student == PRACTICE
        context = sheet_context([exercise], student)
        heading = _(PRACTICE_HEADING) if practice else _("Quiz sheet: {student}").format(student=student)
        text = "\n".join([heading] + [_("Q{number} {id} ({points:g} pt) {prompt}").format(**q)
                                      for q in context[0]["questions"]])
        return Shown(render_page("sheet.html.j2", student=student, quizzes=context, practice=practice), text,
                     height=190 + 90 * len(exercise.questions))
    question = exercise.question(question_id)
    if question is None:
        known = listed(q.id for q in exercise.questions)
        text = _("no question {question} in {exercise}; its ids: {known}").format(question=question_id,
                                                                                  exercise=exercise.id, known=known)
        return Shown(f"<p>{html.escape(text)}</p>", text)
    if question.answer is None:
        text = _("{exercise}/{question} is graded by your instructor: write your answer in answers.yaml under "
                 "{exercise}: {question}:").format(exercise=exercise.id, question=question.id)
        return Shown(f"<p>{html.escape(text)}</p>", text)
    item = mark(exercise, question, question_values(exercise, question, draw(exercise, student)), answer)
    said = {"item": f"{exercise.id}/{question.id}", "message": item.message, "hint": item.hint}
    text = (_("{item}: {message} (hint: {hint})") if item.hint else _("{item}: {message}")).format(**said)
    colour = {"passed": "#2f9e44", "partial": "#e67700"}.get(item.status.value, "#c92a2a")
    return Shown(f'<p style="color:{colour}">{html.escape(text)}</p>', text, item)


def _student_here() -> str | None:
    from grader.submissions.files import present
    from grader.submissions.reading import STUDENT, identify

    for folder in (Path.cwd(), Path.cwd() / "submission", Path.cwd().parent / "submission"):
        if folder.is_dir() and present(folder, STUDENT):
            student, problems = identify(folder)
            return None if problems else student
    return None
