"""`grader selftest`: quiz keys proven, code references at full marks, every mutant caught.

Runs the proofs (validate.py) and the code selftest (selftest.py) over one selection of
the bank and prints one table with the mutation score.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.bank.loading import load_bank
from grader.bank.spec import CodeExercise, QuizExercise
from grader.errors import SpecError
from grader.proofs.validate import Validation, validate_exercise
from grader.reports.render import points


def _select(bank: Path, ids: list[str] | None) -> list:
    exercises = load_bank(bank)
    if not ids:
        return exercises
    known = {e.id: e for e in exercises}
    for wanted in ids:
        if wanted not in known:
            raise SpecError(bank, f"no exercise {wanted!r}", fix=f"one of: {', '.join(sorted(known))}")
    return [known[i] for i in ids]


def _code_table(result) -> Table:
    table = Table("exercise", "version", "score", "verdict", title="code exercises", title_justify="left")
    versions = [(ref, f"reference ({ref.edition})" if ref.edition else "reference") for ref in result.references]
    versions += [(ref, "reference, parameters declared in reverse order") for ref in result.reordered]
    for ref, version in versions:
        verdict = "[green]full marks[/green]" if ref.full_marks else "[red]lost points[/red]"
        if ref.edition and ref.result.edition != ref.edition:
            verdict = f"[red]read as {escape(ref.result.edition or 'no edition')}, not {escape(ref.edition)}[/red]"
        table.add_row(ref.exercise_id, version, f"{points(ref.result.score)}/{points(ref.result.max_score)}", verdict)
        for item in ref.result.items:
            if item.score < item.max_score:
                table.add_row("", f"  {item.item_id}", "", f"[red]{escape(item.message[:120])}[/red]")
    for mutant in result.mutants:
        if mutant.caught:
            verdict = f"[green]caught by {', '.join(mutant.caught_by)}[/green]"
        else:
            missed = sorted(set(mutant.caught_by) - set(mutant.lost))
            broke = {i.check_id for i in mutant.result.items if i.crash}
            why = "; ".join(f"{c} broke by an error of its own" if c in broke else f"{c} did not lose points" for c in missed)
            verdict = f"[red]survived: {escape(why)}[/red]"
        edition = f" ({mutant.edition})" if mutant.edition else ""
        table.add_row(mutant.exercise_id, f"mutant {mutant.name}{escape(edition)}: {escape(mutant.mistake)}",
                      f"{points(mutant.result.score)}/{points(mutant.result.max_score)}", verdict)
    return table


def run_selftest(bank: Path, ids: list[str] | None, out: Console, err: Console) -> bool:
    """Prove the selected exercises; print what was found; True when all is well."""
    started = time.perf_counter()
    exercises = _select(bank, ids)
    quizzes = [e for e in exercises if isinstance(e, QuizExercise)]
    code = [e for e in exercises if isinstance(e, CodeExercise)]
    validation = Validation()
    with err.status("proving quiz keys…"):
        for exercise in quizzes:
            validate_exercise(exercise, validation)
    for finding in validation.findings:
        err.print(f"[red]✘[/red] {escape(str(finding))}")
    out.print(f"quizzes: {validation.exercises} exercises, {validation.questions} questions, "
              f"{validation.variants} variants, {validation.verified} verify expressions agreed, "
              f"{len(validation.findings)} problem(s)")
    ok = validation.ok
    if code:
        from grader.proofs.selftest import selftest

        with err.status("grading references and mutants in the sandbox…"):
            result = selftest([e.id for e in code], bank=bank)  # solutions/ beside exercises/ (bank_location)
        out.print(_code_table(result))
        for broken in result.broken:
            err.print(f"[red]✘ broken check:[/red] {escape(broken)} (fix the check: it should fail by assert, "
                      "pytest.fail or an expect_* helper, e.g. expect_shape before using a result)", highlight=False)
        out.print(f"mutation score: {result.mutation_score:.0%} of {len(result.mutants)} mutants caught")
        ok = ok and result.ok
    out.print(f"[{'green' if ok else 'red'}]{'selftest passed' if ok else 'selftest failed'}[/] "
              f"in {time.perf_counter() - started:.1f} s")
    return ok
