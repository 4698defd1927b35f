"""`grader export-quiz`: chosen quiz exercises of a bank into Moodle XML and/or a Canvas QTI zip."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.bank.loading import load_bank
from grader.bank.spec import QuizExercise
from grader.errors import SpecError
from grader.i18n import _, listed
from grader.lms.moodle import write_moodle
from grader.lms.qti import write_qti
from grader.lms.quiz_items import Item, build_items, symbolic_variants, variant_id


@dataclass
class QuizExport:
    exercises: int = 0
    items: int = 0
    skipped: list[str] = field(default_factory=list)  # a line per question (or item) left out, with why
    notes: list[str] = field(default_factory=list)  # what a platform could not carry of an item kept
    stack: int = 0  # symbolic variants written as STACK questions (Moodle)


def choose_quizzes(exercises_dir: Path, only: list[str] | None) -> list[QuizExercise]:
    """The quiz exercises of the bank that `only` names (all of them when it names none)."""
    bank = load_bank(exercises_dir)
    by_id = {e.id: e for e in bank}
    for wanted in only or []:
        if wanted not in by_id:
            raise SpecError(exercises_dir, _("no exercise {id!r}; known: {known}").format(id=wanted, known=listed(sorted(by_id))),
                            fix=_("pass an id listed by `grader validate`"))
        if not isinstance(by_id[wanted], QuizExercise):
            raise SpecError(by_id[wanted].folder / "spec.yaml", _("{id} is a code exercise, not a quiz").format(id=wanted),
                            fix=_("grade code on Gradescope (`grader bundle gradescope`); export only quizzes"))
    chosen = [e for e in bank if isinstance(e, QuizExercise) and (not only or e.id in only)]
    if not chosen:
        raise SpecError(exercises_dir, _("this bank has no quiz exercises to export"), fix=_("add a kind: quiz exercise"))
    return chosen


def _notes(items: list[Item]) -> list[str]:
    seen, lines = set(), []
    for item in items:
        for note in item.notes:
            kind = (item.exercise.id, item.question.id, note.split("(")[0])  # one line per question and kind
            if kind not in seen:
                seen.add(kind)
                lines.append(f"{item.exercise.id}/{item.question.id}: {note}")
    return lines


def export_quiz(exercises_dir: Path, only: list[str] | None, variants: int,
                moodle: Path | None = None, qti: Path | None = None) -> QuizExport:
    """Write the files asked for; say what was left out and why."""
    chosen = choose_quizzes(exercises_dir, only)
    items, symbolic = build_items(chosen, variants)
    summary = QuizExport(len(chosen), len(items), [], _notes(items))
    if moodle is not None:  # symbolic questions go to Moodle as STACK questions
        stack = symbolic_variants(chosen, variants)
        left_out = write_moodle(items, moodle, stack, [e.id for e in chosen])
        summary.skipped += [f"moodle: {line}" for line in left_out]
        stack_ids = {f"{exercise.id}/{question.id}/{variant_id(values)}" for exercise, question, values in stack}
        summary.stack = len(stack) - sum(line.split(":")[0] in stack_ids for line in left_out)
    if qti is not None:
        write_qti(items, qti)
        summary.skipped += [f"qti: {s}" for s in symbolic]
    return summary
