"""Grading a code exercise: the student's module in a sandboxed child, the checks here.

    with CodeGrader() as grader:           # starts the zygote once, reused across submissions
        result = grader.grade(exercise, submission_dir, public_only=False)
        grader.protections                 # (("landlock", True), ...)

Item ids are check ids; a check that takes `device` runs once per device of the exercise,
with item id `<check-id>` on cpu and `<check-id>@cuda` on cuda. Its points are split
evenly over those devices; where no GPU is present the cuda item is SKIPPED and worth 0,
and the cpu item carries all the points, so the total stays the spec's total.
"""

from __future__ import annotations

import importlib.util
import random
import time
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import torch

from grader.bank.location import exercise_solutions
from grader.bank.spec import CodeExercise
from grader.checking import checks, editions
from grader.checking.remote import Submission
from grader.checking.session import Budget, Session, StudentFault, student_code
from grader.errors import CheckError
from grader.i18n import _
from grader.reports.results import ExerciseResult, ItemResult, Status
from grader.sandbox import gpu
from grader.sandbox.launcher import Sandbox
from grader.submissions.files import UnreadableFile, present
from grader.submissions.notebooks import provided_files

class CodeGrader:
    """Grades code exercises of any bank: each exercise's reference is `solutions/<id>/<file>` of
    the bank that holds it (grader.bank.location), unless `solutions` names another folder."""

    def __init__(self, solutions: Path | None = None, sandbox: Sandbox | None = None):
        # The references' work here is small and runs while children compute beside it; with a
        # second intra-op thread waiting for a busy core, AlexNet's forward took 0.2 s instead of 0.03.
        torch.set_num_threads(1)
        self.solutions = Path(solutions) if solutions else None
        self.sandbox = sandbox or Sandbox()
        self._checks: dict[Path, dict[str, checks.CheckFunction]] = {}
        self._references: dict[Path, object] = {}

    def __enter__(self) -> "CodeGrader":
        self.sandbox.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sandbox.close()

    @property
    def protections(self) -> tuple[tuple[str, bool], ...]:
        self.sandbox.wait_ready()
        return self.sandbox.protections

    @cached_property
    def cuda(self) -> bool:
        return gpu.present()  # NVML, not cuInit, in the grader; the zygote never touches CUDA (sandbox/gpu.py)

    def grade(self, exercise: CodeExercise, submission_dir: Path, *, public_only: bool = False,
              solutions: Path | None = None, budget: Budget | None = None) -> ExerciseResult:
        """Grade one submission folder; `solutions` overrides where the reference is found.

        With a `budget` (the whole submission's, see grading.grade_submission), no call runs
        past it, and once it is spent every check fails with its message, unrun.
        """
        functions = self._collect(exercise)
        chosen = [c for c in exercise.checks if functions[c.id].public or not public_only]
        asking = [f"test_{c.id.replace('-', '_')}" for c in chosen if "reference" in functions[c.id].fixtures]
        reference = self.reference(exercise, solutions, asked_by=asking[0] if asking else None)
        hidden_remaining = len(exercise.checks) - len(chosen) + exercise.hidden_checks
        if not present(submission_dir, exercise.file) and exercise.file not in provided_files(submission_dir):
            message = _("{file} not submitted").format(file=exercise.file)
            items = [item for c in chosen for item in self._items(exercise, c, functions[c.id], Status.NOT_SUBMITTED, message)]
            return self._result(exercise, items, message, hidden_remaining)
        try:
            source, companions, notebook = student_code(submission_dir, exercise.file, exercise.defined_names)
        except UnreadableFile as refused:  # a link, a pipe, too large, not UTF-8: the message names the file
            message = str(refused)
            items = [item for c in chosen for item in self._items(exercise, c, functions[c.id], Status.FAILED, message)]
            return self._result(exercise, items, message, hidden_remaining)
        if budget is not None and budget.spent:
            items = [item for c in chosen for item in self._items(exercise, c, functions[c.id], Status.FAILED, budget.message)]
            return self._result(exercise, items, budget.message, hidden_remaining)
        self.sandbox.wait_ready()  # a sandbox refusing a root child says so here, not inside a check
        session = Session(self.sandbox, exercise.file, source, exercise.limits, seed=random.randrange(2**31),
                          companions=companions, budget=budget, notebook=notebook,
                          cuda=self.cuda and "cuda" in exercise.devices)
        items = []
        try:
            reading = self._read(exercise, source, session, solutions)
            if reading.edition:
                reference = self.reference(exercise, solutions, edition=reading.edition)
            for check in chosen:
                items += self._run(exercise, check, functions[check.id], session, reference, reading)
        finally:
            session.close()
        # the edition read; where a notebook gave the code, the note of what it took says why an import failed, too
        message = "\n".join(m for m in (reading.note, session.load_failure, notebook.note if notebook else "") if m)
        return self._result(exercise, _gated(exercise, items), message, hidden_remaining, reading.edition)

    def _read(self, exercise, source: str, session: Session, solutions: Path | None) -> editions.Reading:
        """The edition the submission is written in and graded as (grader.checking.editions)."""
        if not exercise.editions:
            return editions.Reading(None)

        built: dict[str, list | None] = {}

        def student_shapes(name: str):
            if name not in built:
                try:
                    built[name] = Submission(session).build(f"{Path(exercise.file).stem}:{name}").parameter_shapes()
                except StudentFault:
                    built[name] = None
                finally:
                    session.forget()
            return built[name]

        return editions.read_as(exercise, source, student_shapes=student_shapes,
                                reference_of=lambda edition: self.reference(exercise, solutions, edition=edition))

    def prepare(self, exercise: CodeExercise) -> None:
        """Import `exercise`'s checks and references (once): before exercises are graded in threads,
        since a reference is imported under a fixed torch seed."""
        self._collect(exercise)
        self.reference(exercise)
        for edition in exercise.editions:  # each edition's too: grading picks one per submission
            self.reference(exercise, edition=edition)

    def _run(self, exercise, check, function, session, reference, reading) -> list[ItemResult]:
        items = []
        for item in self._plan(exercise, check, function):
            if item.status is not None:
                items.append(item)
                continue
            torch.manual_seed(random.randrange(2**31))  # fresh inputs each grading: nothing to memorise
            started = time.perf_counter()
            fixtures = {"submission": Submission(session, editions.Dialect(exercise, reading.edition)),
                        "reference": reference, "device": item.device or "cpu", "edition": reading.edition or ""}
            try:
                outcome = checks.run(function, fixtures)
            finally:
                session.forget()
            notes, session.notes[:] = list(dict.fromkeys(session.notes)), []
            if notes and outcome.status == Status.FAILED and not outcome.crash:
                # a bound cut a search and nothing fitted: right code may have lost points, so the author hears it
                outcome = replace(outcome, crash="; ".join(notes) + " (a right submission may fail this check)")
            items.append(replace(item, status=outcome.status, message=outcome.message, crash=outcome.crash,
                                 score=item.max_score if outcome.status == Status.PASSED else 0,
                                 duration=time.perf_counter() - started))
        return items

    def _items(self, exercise, check, function, status: Status, message: str) -> list[ItemResult]:
        return [item if item.status is not None else replace(item, status=status, message=message)
                for item in self._plan(exercise, check, function)]

    def _plan(self, exercise, check, function) -> list[ItemResult]:
        """One item per device, status None where it is to be run; points split over runnable devices."""
        devices = list(exercise.devices) if function.uses_device else ["cpu"]
        runnable = [d for d in devices if d == "cpu" or self.cuda]
        plan = []
        for device in devices:
            item = ItemResult(exercise.id, check.id if device == "cpu" else f"{check.id}@{device}",
                              check.title or check.id, 0, 0, None, hidden=not function.public,
                              device=device if function.uses_device else None)
            if device in runnable:
                plan.append(replace(item, max_score=check.points / len(runnable)))
            else:
                plan.append(replace(item, status=Status.SKIPPED, message=_("no GPU on this machine")))
        return plan

    def _collect(self, exercise) -> dict[str, checks.CheckFunction]:
        if exercise.folder not in self._checks:
            self._checks[exercise.folder] = checks.collect(exercise)
        return self._checks[exercise.folder]

    def solutions_of(self, exercise, solutions: Path | None = None) -> Path:
        """Where `exercise`'s reference and mutants are: `solutions`, this grader's, else its bank's."""
        return Path(solutions or self.solutions or exercise_solutions(exercise.folder))

    def reference(self, exercise, solutions: Path | None = None, asked_by: str | None = None,
                  edition: str | None = None):
        """The reference solution, imported once per grader; checks copy what they change.

        An `edition`'s is `solutions/<id>/<edition>/<file>` where that exists, else the
        exercise's own, seen through the edition's names and calls (editions.EditionReference).
        None where the bank has none; a CheckError (the author's, exit 2) when a check
        (`asked_by`) asks for the `reference` fixture: without it that check would fail
        every student for a file the instructor forgot.
        """
        path = reference_path(self.solutions_of(exercise, solutions), exercise, edition)
        if path not in self._references:
            self._references[path] = self._import_reference(exercise, path)
        contract = exercise.editions.get(edition) if edition else None
        own = path.parent.name == edition  # a shared reference is written in the checks' words already
        if own and contract is not None and (contract.names or contract.calls) and self._references[path] is not None:
            key = (path, exercise.id, edition)
            if key not in self._references:
                self._references[key] = editions.EditionReference(self._references[path],
                                                                    editions.Dialect(exercise, edition))
            return self._references[key]
        if self._references[path] is None and asked_by:
            raise CheckError(path, _("the reference solution of {exercise} is missing, and {check} asks for the "
                                     "`reference` fixture").format(exercise=exercise.id, check=asked_by),
                             fix=_("add the reference module as {path} (solutions/ sits beside exercises/ in a bank), "
                                   "or drop `reference` from the check's arguments").format(path=path))
        return self._references[path]

    def _import_reference(self, exercise, path: Path):
        if not path.is_file():
            return None
        name = f"_grader_reference.{exercise.id}.{path.parent.name}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        torch.manual_seed(0)
        try:
            spec.loader.exec_module(module)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: B036 - the author's file: stop, never grade against it
            raise CheckError(path, _("cannot import the reference solution: {reason}").format(reason=checks._described(exc)),
                             line=checks._line_in(exc, path), fix=_("fix the reference at that line")) from None
        return module

    def _result(self, exercise, items, message, hidden_remaining, edition: str | None = None) -> ExerciseResult:
        return ExerciseResult(exercise.id, exercise.title, exercise.kind, exercise.topic, tuple(items),
                              message, hidden_remaining, edition=edition or "")


def reference_path(solutions: Path, exercise, edition: str | None = None) -> Path:
    """`solutions/<id>/<edition>/<file>` where the edition has its own reference, else `solutions/<id>/<file>`."""
    own = Path(solutions) / exercise.id / (edition or "") / exercise.file
    return own if edition and own.is_file() else Path(solutions) / exercise.id / exercise.file


def _gated(exercise: CodeExercise, items: list[ItemResult]) -> list[ItemResult]:
    """Passes that wait for evidence score nothing until one of their evidence checks passed.

    Only evidence checks that ran can gate: with `--public-only` the hidden evidence did not
    run, and the public checks report as they are (the grade is decided with every check).
    """
    ran = {item.check_id for item in items}
    shown = {item.check_id for item in items if item.status == Status.PASSED}
    failed: dict[str, str] = {}  # what each failed evidence check said (its first device's)
    for item in items:
        if item.status == Status.FAILED and item.message:
            failed.setdefault(item.check_id, item.message)
    checks = {check.id: check for check in exercise.checks}
    gated = []
    for item in items:
        gate = [g for g in exercise.gate_of(checks[item.check_id]) if g in ran]
        if item.status == Status.PASSED and gate and not shown.intersection(gate):
            # the last evidence check the spec lists is the one that compares most (outputs, not counts)
            said = {"checks": _(" or ").join(gate), "title": exercise.title}
            found = next((g for g in reversed(gate) if g in failed), None)
            if found:
                message = _("passed, but not counted until {checks} passes: that is what shows your code computes what "
                            "{title} computes; code that is not the exercise's can pass this check alone ({check} found: "
                            "{finding})").format(check=found, finding=_clipped(failed[found]), **said)
            else:
                message = _("passed, but not counted until {checks} passes: that is what shows your code computes what "
                            "{title} computes; code that is not the exercise's can pass this check alone").format(**said)
            item = replace(item, status=Status.FAILED, score=0, message=message)
        gated.append(item)
    return gated


def _clipped(message: str, limit: int = 400) -> str:
    return message if len(message) <= limit else message[:limit] + " [...]"
