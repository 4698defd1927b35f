"""Prove the checks of code exercises: the reference gets full marks, every mutant is caught.

A mutant is `solutions/<id>/mutants/<name>.py`, a known-wrong version of the submission
file whose docstring starts with the mistake in one line and names, on `caught-by:`
lines, the checks that must lose points on it. Each is graded exactly as a student's
file would be, in the sandbox.
"""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.codegrade import CodeGrader
from grader.errors import SpecError
from grader.resources import bundled
from grader.results import ExerciseResult
from grader.spec import CodeExercise, load_bank


@dataclass(frozen=True)
class ReferenceOutcome:
    exercise_id: str
    result: ExerciseResult

    @property
    def full_marks(self) -> bool:
        return self.result.score == self.result.max_score and self.result.passed


@dataclass(frozen=True)
class MutantOutcome:
    exercise_id: str
    name: str
    mistake: str
    caught_by: tuple[str, ...]  # checks the author says must lose points
    lost: tuple[str, ...]  # checks that did lose points
    result: ExerciseResult

    @property
    def caught(self) -> bool:
        return set(self.caught_by) <= set(self.lost)


@dataclass(frozen=True)
class SelftestResult:
    references: tuple[ReferenceOutcome, ...]
    mutants: tuple[MutantOutcome, ...]

    @property
    def mutation_score(self) -> float:
        """The share of mutants caught by every check they name (1.0 when there are none)."""
        return sum(m.caught for m in self.mutants) / len(self.mutants) if self.mutants else 1.0

    @property
    def ok(self) -> bool:
        return all(r.full_marks for r in self.references) and all(m.caught for m in self.mutants)


def selftest(exercise_ids: list[str] | None = None, *, bank: Path | None = None, solutions: Path | None = None,
             grader: CodeGrader | None = None) -> SelftestResult:
    """Grade each code exercise's reference and mutants; `exercise_ids` None means all."""
    bank = Path(bank) if bank else bundled("exercises")
    solutions = Path(solutions) if solutions else bundled("solutions")
    exercises = [e for e in load_bank(bank) if isinstance(e, CodeExercise)]
    if exercise_ids:
        known = {e.id: e for e in exercises}
        for wanted in exercise_ids:
            if wanted not in known:
                raise SpecError(bank, f"no code exercise {wanted!r}", fix=f"one of: {', '.join(sorted(known))}")
        exercises = [known[i] for i in exercise_ids]
    if grader is None:
        with CodeGrader(solutions=solutions) as own:
            return _run(exercises, solutions, own)
    return _run(exercises, solutions, grader)


def _run(exercises: list[CodeExercise], solutions: Path, grader: CodeGrader) -> SelftestResult:
    references, mutants = [], []
    for exercise in exercises:
        folder = solutions / exercise.id
        if not (folder / exercise.file).is_file():
            raise SpecError(folder / exercise.file, "the reference solution is missing",
                            fix=f"add solutions/{exercise.id}/{exercise.file}")
        references.append(ReferenceOutcome(exercise.id, grader.grade(exercise, folder, solutions=solutions)))
        for path in sorted((folder / "mutants").glob("*.py")):
            mistake, caught_by = read_mutant(path, exercise)
            with tempfile.TemporaryDirectory(prefix="grader-mutant-") as tmp:
                shutil.copyfile(path, Path(tmp) / exercise.file)
                result = grader.grade(exercise, Path(tmp), solutions=solutions)
            mutants.append(MutantOutcome(exercise.id, path.stem, mistake, caught_by, _lost(result), result))
    return SelftestResult(tuple(references), tuple(mutants))


def read_mutant(path: Path, exercise: CodeExercise) -> tuple[str, tuple[str, ...]]:
    """(the mistake, the checks that must catch it) from a mutant's docstring."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    except SyntaxError as exc:
        raise SpecError(path, f"the mutant does not parse: {exc.msg}", line=exc.lineno) from None
    caught_by = tuple(
        check for line in doc.splitlines() if line.strip().lower().startswith("caught-by:")
        for check in re.split(r"[,\s]+", line.split(":", 1)[1].strip()) if check
    )
    if not doc or not caught_by:
        raise SpecError(path, "a mutant needs a docstring: the mistake on its first line and a `caught-by: <check-id>` line")
    known = {c.id for c in exercise.checks}
    for check in caught_by:
        if check not in known:
            raise SpecError(path, f"caught-by names {check!r}, which is not a check of {exercise.id}",
                            fix=f"one of: {', '.join(sorted(known))}")
    return doc.splitlines()[0].strip(), caught_by


def _lost(result: ExerciseResult) -> tuple[str, ...]:
    """Check ids (device suffix dropped) whose items scored less than their points."""
    lost = [item.item_id.split("@")[0] for item in result.items if item.score < item.max_score]
    return tuple(dict.fromkeys(lost))
