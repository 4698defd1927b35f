"""Prove the checks of code exercises: the reference gets full marks, every mutant is caught.

The mutants of an exercise are known-wrong versions of its reference, written as edits in
`solutions/<id>/mutants.yaml` (grader/proofs/mutants.py); each names the checks that must lose
points on it, and is graded exactly as a student's file would be, in the sandbox. One more is
right code: the reference with its module classes' parameters declared in reverse order
(mutants.reversed_declarations), which must keep full marks, since a student may declare a GRU's
reset gate before its update gate, or W_v before W_q.

A check catches a mutant only by failing: an assertion, pytest.fail, an expect_* helper, or
the mutant's own code failing under it. A check that breaks by an error of its own (a
TypeError in the check) proves nothing about the mutant: it is a broken check, and the
selftest fails naming its file and line.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from torch import nn

from grader.bank.loading import load_bank
from grader.bank.location import solutions_beside
from grader.bank.resources import bundled
from grader.bank.spec import CodeExercise
from grader.checking.codegrade import CodeGrader
from grader.errors import SpecError
from grader.i18n import _, listed
from grader.proofs.mutants import Mutant, load_mutants, own_editions, reference_file, reversed_declarations
from grader.reports.results import ExerciseResult
from grader.sandbox.launcher import Sandbox


@dataclass(frozen=True)
class ReferenceOutcome:
    exercise_id: str
    result: ExerciseResult
    edition: str = ""  # an edition's own reference (solutions/<id>/<edition>/), "" the exercise's

    @property
    def full_marks(self) -> bool:
        """Full marks, and an edition's reference read as that edition."""
        read_right = not self.edition or self.result.edition == self.edition
        return self.result.score == self.result.max_score and self.result.passed and read_right


@dataclass(frozen=True, kw_only=True)
class MutantOutcome(Mutant):
    lost: tuple[str, ...]  # checks that did lose points
    result: ExerciseResult

    @property
    def caught(self) -> bool:
        return set(self.caught_by) <= set(self.lost)


@dataclass(frozen=True)
class SelftestResult:
    references: tuple[ReferenceOutcome, ...]
    mutants: tuple[MutantOutcome, ...]
    reordered: tuple[ReferenceOutcome, ...] = ()  # references with their parameters declared in reverse order

    @property
    def mutation_score(self) -> float:
        """The share of mutants caught by every check they name (1.0 when there are none)."""
        return sum(m.caught for m in self.mutants) / len(self.mutants) if self.mutants else 1.0

    @property
    def broken(self) -> tuple[str, ...]:
        """Checks that broke by an error of their own, on a reference or a mutant, with where."""
        found = [_("{exercise}: check {check} broke on the reference: {crash}").format(
            exercise=r.exercise_id, check=i.item_id, crash=i.crash) for r in self.references for i in r.result.items if i.crash]
        found += [_("{exercise}: check {check} broke on mutant {mutant}: {crash}").format(
            exercise=m.exercise_id, check=i.item_id, mutant=m.name, crash=i.crash)
                  for m in self.mutants for i in m.result.items if i.crash]
        found += [_("{exercise}: check {check} broke on the reference with its parameters declared in reverse order: "
                    "{crash}").format(exercise=r.exercise_id, check=i.item_id, crash=i.crash)
                  for r in self.reordered for i in r.result.items if i.crash]
        return tuple(found)

    @property
    def ok(self) -> bool:
        return (all(r.full_marks for r in (*self.references, *self.reordered)) and all(m.caught for m in self.mutants)
                and not self.broken)


def selftest(exercise_ids: list[str] | None = None, *, bank: Path | None = None, solutions: Path | None = None,
             grader: CodeGrader | None = None) -> SelftestResult:
    """Grade each code exercise's reference and mutants; `exercise_ids` None means all."""
    bank = Path(bank) if bank else bundled("exercises")
    solutions = Path(solutions) if solutions else solutions_beside(bank)
    exercises = [e for e in load_bank(bank) if isinstance(e, CodeExercise)]
    if exercise_ids:
        known = {e.id: e for e in exercises}
        for wanted in exercise_ids:
            if wanted not in known:
                raise SpecError(bank, _("no code exercise {id!r}").format(id=wanted),
                                fix=_("one of: {ids}").format(ids=listed(sorted(known))))
        exercises = [known[i] for i in exercise_ids]
    if grader is None:
        # references and mutants are the authors' code, not students': a root child is allowed
        with CodeGrader(solutions=solutions, sandbox=Sandbox(root_child="allow")) as own:
            return _run(exercises, solutions, own)
    return _run(exercises, solutions, grader)


def _run(exercises: list[CodeExercise], solutions: Path, grader: CodeGrader) -> SelftestResult:
    references, mutants, reordered = [], [], []
    for exercise in exercises:
        for edition in ["", *own_editions(solutions, exercise)]:
            reference = reference_file(solutions, exercise, edition).read_text(encoding="utf-8")
            references.append(ReferenceOutcome(exercise.id, _grade_source(grader, exercise, reference, solutions),
                                               edition))
            if not edition and _declares_modules(grader.reference(exercise, solutions)):
                reversed_source = reversed_declarations(reference)
                reordered.append(ReferenceOutcome(exercise.id, _grade_source(grader, exercise, reversed_source,
                                                                             solutions)))
            for mutant in load_mutants(solutions, exercise, edition):
                result = _grade_source(grader, exercise, mutant.source, solutions)
                mutants.append(MutantOutcome(**vars(mutant), lost=_lost(result), result=result))
    return SelftestResult(tuple(references), tuple(mutants), tuple(reordered))


def _declares_modules(module) -> bool:
    """Whether the reference defines a torch module class of its own (a container aside) with an
    __init__ of its own: one whose parameters a student may declare in another order."""
    containers = (nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.ParameterList, nn.ParameterDict)
    return module is not None and any(
        isinstance(value, type) and issubclass(value, nn.Module) and not issubclass(value, containers)
        and value.__module__ == module.__name__ and "__init__" in vars(value) for value in vars(module).values())


def _grade_source(grader: CodeGrader, exercise: CodeExercise, source: str, solutions: Path) -> ExerciseResult:
    """Grade `source` handed in as the exercise's one file, in a fresh folder.

    A reference shared by several exercises is a link in their solution folders; submissions
    may not hold links, so the reference is handed in as its text, as a mutant is."""
    with tempfile.TemporaryDirectory(prefix="grader-selftest-") as tmp:
        (Path(tmp) / exercise.file).write_text(source, encoding="utf-8")
        return grader.grade(exercise, Path(tmp), solutions=solutions)


def _lost(result: ExerciseResult) -> tuple[str, ...]:
    """Check ids (device suffix dropped) whose items failed, not broke, and scored less than their points."""
    lost = [item.check_id for item in result.items if item.score < item.max_score and not item.crash]
    return tuple(dict.fromkeys(lost))
