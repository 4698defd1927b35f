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
from grader.i18n import _, listed
from grader.proofs.validate import Validation, validate_exercise
from grader.reports.render import points


def _select(bank: Path, ids: list[str] | None) -> list:
    exercises = load_bank(bank)
    if not ids:
        return exercises
    known = {e.id: e for e in exercises}
    for wanted in ids:
        if wanted not in known:
            raise SpecError(bank, _("no exercise {id!r}").format(id=wanted), fix=_("one of: {ids}").format(ids=listed(sorted(known))))
    return [known[i] for i in ids]


def _code_table(result) -> Table:
    table = Table(_("exercise"), _("version"), _("score"), _("verdict"), title=_("code exercises"), title_justify="left")
    versions = [(ref, _("reference ({edition})").format(edition=ref.edition) if ref.edition else _("reference"))
                for ref in result.references]
    versions += [(ref, _("reference, parameters declared in reverse order")) for ref in result.reordered]
    for ref, version in versions:
        verdict = "[green]" + _("full marks") + "[/green]" if ref.full_marks else "[red]" + _("lost points") + "[/red]"
        if ref.edition and ref.result.edition != ref.edition:
            verdict = "[red]" + _("read as {found}, not {edition}").format(
                found=escape(ref.result.edition or _("no edition")), edition=escape(ref.edition)) + "[/red]"
        table.add_row(ref.exercise_id, version, f"{points(ref.result.score)}/{points(ref.result.max_score)}", verdict)
        for item in ref.result.items:
            if item.score < item.max_score:
                table.add_row("", f"  {item.item_id}", "", f"[red]{escape(item.message[:120])}[/red]")
    for mutant in result.mutants:
        if mutant.caught:
            verdict = "[green]" + _("caught by {checks}").format(checks=listed(mutant.caught_by)) + "[/green]"
        else:
            missed = sorted(set(mutant.caught_by) - set(mutant.lost))
            broke = {i.check_id for i in mutant.result.items if i.crash}
            why = "; ".join((_("{check} broke by an error of its own") if c in broke else _("{check} did not lose points"))
                            .format(check=c) for c in missed)
            verdict = "[red]" + _("survived: {why}").format(why=escape(why)) + "[/red]"
        name = (_("mutant {name} ({edition}): {mistake}") if mutant.edition else _("mutant {name}: {mistake}")).format(
            name=mutant.name, edition=escape(mutant.edition or ""), mistake=escape(mutant.said()))
        table.add_row(mutant.exercise_id, name,
                      f"{points(mutant.result.score)}/{points(mutant.result.max_score)}", verdict)
    return table


def run_selftest(bank: Path, ids: list[str] | None, out: Console, err: Console) -> bool:
    """Prove the selected exercises; print what was found; True when all is well."""
    started = time.perf_counter()
    exercises = _select(bank, ids)
    quizzes = [e for e in exercises if isinstance(e, QuizExercise)]
    code = [e for e in exercises if isinstance(e, CodeExercise)]
    validation = Validation()
    with err.status(_("proving quiz keys…")):
        for exercise in quizzes:
            validate_exercise(exercise, validation)
    for finding in validation.findings:
        err.print(f"[red]✘[/red] {escape(str(finding))}")
    out.print(_("quizzes: {exercises} exercises, {questions} questions, {variants} variants, {verified} verify expressions "
                "agreed, {problems} problem(s)").format(exercises=validation.exercises, questions=validation.questions,
                                                        variants=validation.variants, verified=validation.verified,
                                                        problems=len(validation.findings)))
    ok = validation.ok
    if code:
        from grader.proofs.selftest import selftest

        with err.status(_("grading references and mutants in the sandbox…")):
            result = selftest([e.id for e in code], bank=bank)  # solutions/ beside exercises/ (bank_location)
        out.print(_code_table(result))
        for broken in result.broken:
            err.print(_("[red]✘ broken check:[/red] {check} (fix the check: it should fail by assert, pytest.fail or an "
                        "expect_* helper, e.g. expect_shape before using a result)").format(check=escape(broken)), highlight=False)
        out.print(_("mutation score: {score:.0%} of {count} mutants caught").format(score=result.mutation_score,
                                                                                   count=len(result.mutants)))
        ok = ok and result.ok
    seconds = time.perf_counter() - started
    out.print((_("[green]selftest passed[/] in {seconds:.1f} s") if ok else _("[red]selftest failed[/] in {seconds:.1f} s"))
              .format(seconds=seconds))
    return ok
