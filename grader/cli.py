"""The `grader` command: a thin shell over the library.

It shapes arguments, shows progress and maps outcomes to exit codes:
0 all passed, 1 something scored less than full, 2 usage or spec error, 3 internal error.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from grader.errors import GraderError, SpecErrors
from grader.i18n import N_, _, choose, listed, normalize, set_language, speak_for_libraries


def _language_in(argv: list[str]) -> str | None:
    """`--lang X` or `--lang=X` in `argv`: read before the app is built, so its help speaks X too."""
    for index, word in enumerate(argv):
        if word == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith("--lang="):
            return word.partition("=")[2]
    return None


set_language(choose(_language_in(sys.argv[1:])))
speak_for_libraries()
# Typer's own words (its help panels, usage errors' frame), looked up in grader's catalog; the
# click inside Typer says its usage line and errors in English only, so grader.usage says them
LIBRARY_WORDS = (N_("Options"), N_("Arguments"), N_("Commands"), N_("Error"), N_("Aborted."), N_("[required]"),
                 N_("[default: {}]"), N_("Try [blue]'{command_path} {help_option}'[/] for help."),
                 N_("Missing command."), N_("No such command {name!r}."))

from grader import paths  # noqa: E402
from grader.bank.location import BANK_HELP, EXERCISES_ALIAS_HELP  # noqa: E402 (their help in the language chosen)
from grader.reports.untrusted_text import for_terminal  # noqa: E402
from grader.usage import Command, Group  # noqa: E402

app = typer.Typer(
    name="grader",
    cls=Group,
    help=_("Quizzes and auto-grading for deep-learning courses in PyTorch."),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
# A message piped to a file or a log stays one line per message, whatever the path lengths: rich
# wraps at 80 columns where it is not writing to a terminal, so neither stream wraps there.
out = Console(highlight=False, soft_wrap=not sys.stdout.isatty())
err = Console(stderr=True, highlight=False, soft_wrap=not sys.stderr.isatty())

def _print_version(asked: bool) -> None:
    if asked:
        from grader import DISTRIBUTION, __version__

        out.print(f"grader {__version__} ({DISTRIBUTION}, Python {sys.version.split()[0]})", highlight=False)
        raise typer.Exit(0)


LANG_HELP = _("The language grader speaks: en or zh-CN. Default: GRADER_LANG, then the locale (LC_ALL, "
              "LC_MESSAGES, LANG), then English.")


@app.callback(help=_("""Quizzes and auto-grading for deep-learning courses in PyTorch (installed as dl-grader; the command is grader)."""))
def _options(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help=_("Print grader's version and exit.")),
    lang: Optional[str] = typer.Option(None, "--lang", metavar="LANG", help=LANG_HELP),
) -> None:
    if lang is not None and normalize(lang) is None:
        raise typer.BadParameter(_("{lang!r} is no language grader speaks: use en or zh-CN").format(lang=lang),
                                 param_hint="--lang")
    set_language(choose(lang))


BUDGET_HELP = _("Wall-clock seconds for all of a submission's code checks together; once spent, the checks "
               "left fail with \"the time budget for this submission (N s) ran out\" (quizzes are still graded). "
               "Default: the sum of the graded code exercises' limits.budget_seconds (20 s each unless a spec says).")


def checked(check, **options):
    """A callback that checks a path as the command line is read, before any work (grader.paths):
    a report, zip or folder that could not be written ends the command at once, with exit 2."""

    def callback(ctx: typer.Context, param: typer.CallbackParam, value):
        if value is None or ctx.resilient_parsing:
            return value
        name = param.opts[0] if param.param_type_name == "option" else (param.metavar or param.name.upper())
        return check(value, name, **options)

    return callback


def output_file_option(*flags: str, help: str, default: Optional[Path] = None, **more):
    """An option naming a file the command writes, checked before any work (see `checked`)."""
    return typer.Option(default, *flags, help=help, callback=checked(paths.output_file), **more)


def bank_option():
    """`--bank DIR`, the same on every command that reads a bank (see grader.bank.location)."""
    return typer.Option(None, "--bank", metavar="DIR", help=BANK_HELP)


def exercises_option():
    """`--exercises DIR`, the older spelling of `--bank` (the bank's exercises/ folder)."""
    return typer.Option(None, "--exercises", metavar="DIR", help=EXERCISES_ALIAS_HELP)


def _bank(bank: Optional[Path], exercises: Optional[Path] = None, *, submission: Optional[Path] = None):
    """The bank the options name, else the one found for `submission` (grader.bank.location), said
    aloud when no option named it and it is not the checkout's."""
    from grader.bank.location import ENVIRONMENT, locate_bank

    location = locate_bank(bank, exercises=exercises, near=submission)
    if bank is None and exercises is None and not location.bundled:
        said = {"bank": for_terminal(str(location.exercises.parent)), "variable": ENVIRONMENT}
        err.print((_("using the bank at {bank} (from ${variable})") if location.source == ENVIRONMENT
                   else _("using the bank at {bank} (found beside the work)")).format(**said), highlight=False)
    return location


def _bank_dir(bank: Optional[Path], exercises: Optional[Path], *, submission: Optional[Path] = None) -> Path:
    """The exercises folder of the bank (see `_bank`); its solutions/ are beside it."""
    return _bank(bank, exercises, submission=submission).exercises


def _load(bank: Optional[Path], exercises: Optional[Path], only: list[str] | None = None, *,
          folder: Optional[Path] = None, names: bool = True):
    """The bank, and the exercises of it that `only` names (all when it names none).

    With `only`, every spec is read and its fields checked, but only the chosen exercises'
    expressions and templates (see grader.bank.loading.load_bank); without `names`, none of
    them (the caller checks the chosen ones' later). `folder`: the bank's exercises folder,
    when the caller has located it already.
    """
    from grader.bank.loading import chosen, load_bank

    folder = folder or _bank_dir(bank, exercises)
    loaded = load_bank(folder, only=only or None, names=names)
    return loaded, chosen(loaded, only, folder)


@app.command(cls=Command, help=_("""Grade one submission: quiz answers and code, with a report.

[bold]Examples[/bold]

  grader check examples/submission

  grader check my-work/ --public-only -e conv-params -e corr2d

  grader check sub/ --json results.json --html report.html --md report.md

  grader check sub/ --bank my-course"""))
def check(
    submission: Path = typer.Argument(..., help=_("The submission folder (answers.yaml and the .py files)."),
                                      callback=checked(paths.input_folder)),
    bank: Optional[Path] = bank_option(),
    exercises: Optional[Path] = exercises_option(),
    only: Optional[list[str]] = typer.Option(None, "--exercise", "-e", help=_("Grade only this exercise (repeatable).")),
    json_file: Optional[Path] = output_file_option("--json", help=_("Write Gradescope results.json here.")),
    html_file: Optional[Path] = output_file_option("--html", help=_("Write a self-contained HTML report here.")),
    md_file: Optional[Path] = output_file_option("--md", help=_("Write a Markdown report here.")),
    public_only: bool = typer.Option(False, "--public-only", help=_("Run only the public checks (a student's self-test).")),
    templates: Optional[Path] = typer.Option(None, "--templates", help=_("Folder of report templates that override the bundled ones."),
                                               callback=checked(paths.input_folder)),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=_("Print no terminal report.")),
    budget: Optional[float] = typer.Option(None, "--budget", min=1, metavar="SECONDS", help=BUDGET_HELP),
    jobs: int = typer.Option(min(2, os.cpu_count() or 1), "--jobs", "-j", min=1, show_default=_("2 where there are 2 CPUs"),
                             help=_("Code exercises graded at once, each in its own sandboxed child.")),
) -> None:
    from grader.quiz.process import close_shared, start_shared  # no sympy in this import: the quiz worker imports it

    with ExitStack() as stack:
        folder = _bank_dir(bank, exercises, submission=submission)
        kinds = None  # of the -e exercises, as their specs say (None: one that cannot tell)
        if only:
            from grader.bank.loading import spec_kind  # no sympy in this import

            kinds = {spec_kind(folder / name) for name in only}
        # a folder with Python files will want the sandbox (unless every -e is a quiz): its zygote
        # imports torch while we load the bank; on a student's own machine a root child is warned
        # about, not refused (their code, their machine)
        code = any(submission.glob("*.py")) or any(submission.glob("*.ipynb"))
        if code and kinds is not None:
            code = kinds != {"quiz"}
        quizzes = (submission / "answers.yaml").exists() and kinds != {"code"}
        if quizzes and not code:
            start_shared()  # the quiz worker imports sympy while we load the bank
        early = None
        if code:
            from grader.sandbox.launcher import Sandbox

            early = stack.enter_context(Sandbox(root_child="warn"))
        from grader.grading import grade_submission, runner_for

        # the chosen specs' names are checked beside the code checks (grading.grade_submission)
        loaded, chosen = _load(bank, exercises, only, folder=folder, names=False)
        if not any(e.kind == "quiz" for e in chosen):
            close_shared()  # started for nothing: free its core for the code
            quizzes = False
        runner = stack.enter_context(runner_for(chosen, early, root_child="warn"))
        if quizzes and code:
            start_shared()  # after the torch imports here and in the zygote: quizzes are marked beside the code
        with _progress(len(chosen)) as advance:
            result = grade_submission(submission, loaded, public_only=public_only, runner=runner, on_exercise=advance,
                                      only={e.id for e in chosen}, budget_seconds=budget, jobs=jobs,
                                      names_checked=False)
    from grader.reports.render import print_terminal, write_report

    if not quiet:
        print_terminal(result, out, templates)
    if ("non-root-child", False) in result.protections:
        from grader.sandbox.launcher import root_child_fix

        err.print(_("[yellow]warning:[/yellow] {message}").format(message=escape(root_child_fix())), highlight=False)
    for fmt, path in (("json", json_file), ("html", html_file), ("md", md_file)):
        if path is not None:
            with paths.writing(path, f"--{fmt}"):
                write_report(result, fmt, path, templates)
    raise typer.Exit(0 if result.passed else 1)


def _progress(total: int):
    from grader.reports.progress import exercise_progress

    return exercise_progress(err, total)


@app.command(cls=Command, help=_("""Check a bank: specs load, and every answer key is proven on many variants.

[bold]Examples[/bold]

  grader validate

  grader validate --bank my-course

  grader validate my-course/exercises"""))
def validate(
    directory: Optional[Path] = typer.Argument(None, metavar="[DIR]", help=_("Same as --bank DIR.")),
    bank: Optional[Path] = bank_option(),
    exercises: Optional[Path] = exercises_option(),
) -> None:
    from grader.errors import SpecError
    from grader.proofs.validate import validate_bank

    if directory is not None and bank is not None and directory != bank:
        raise SpecError(directory, _("the folder {folder} and --bank {bank} name two banks").format(folder=directory, bank=bank),
                        fix=_("pass one of them"))
    folder = _bank_dir(directory or bank, exercises)
    with err.status(_("validating…")):
        report = validate_bank(folder)
    for finding in report.findings:
        err.print(f"[red]✘[/red] {escape(str(finding))}", highlight=False)
    for warning in report.warnings:  # the bank is still valid: the exit code does not change
        err.print(_("[yellow]warning:[/yellow] {message}").format(message=escape(str(warning))), highlight=False)
    for line in report.spread():  # where the keys were tried: a name stuck at one value proves little
        err.print(_("sampled {spread}").format(spread=escape(line)), highlight=False)
    summary = _("{exercises} exercises, {questions} questions, {variants} variants, {verified} verify expressions "
                "agreed").format(exercises=report.exercises, questions=report.questions, variants=report.variants,
                                 verified=report.verified)
    if report.ok:
        out.print(_("[green]✔[/green] bank is valid: {summary}").format(summary=summary))
        raise typer.Exit(0)
    err.print(_("{count} problem(s) found ({summary})").format(count=len(report.findings), summary=summary))
    raise typer.Exit(2)


@app.command(cls=Command, help=_("""Take a quiz in the terminal: each question (its id is the key in answers.yaml), your answer, feedback at once.

Answers can come from stdin, one per line. From a handout, only practice questions are
judged; graded ones are asked and can be saved to answers.yaml.

[bold]Examples[/bold]

  grader quiz conv-params

  grader quiz conv-shape --student s1234 --show

  printf '280\\n' | grader quiz conv-params --save my-work/"""))
def quiz(
    exercise_id: str = typer.Argument(..., metavar="EXERCISE", help=_("The id of a quiz exercise.")),
    student: Optional[str] = typer.Option(None, "--student", "-s", help=_("Whose variant to show (seeds the numbers). Default: the id in the submission folder's student.yaml, else \"practice\".")),
    submission: Optional[Path] = typer.Option(None, "--submission", help=_("Your submission folder: its student.yaml gives your id. Default: the current folder, when it holds a student.yaml."),
                                              callback=checked(paths.input_folder)),
    bank: Optional[Path] = bank_option(),
    exercises: Optional[Path] = exercises_option(),
    retries: int = typer.Option(1, "--retries", min=0, help=_("Extra tries after a wrong answer (an answer that cannot be read is no try).")),
    show: bool = typer.Option(False, "--show", help=_("Only print the questions with their ids (no answers asked).")),
    save: Optional[Path] = typer.Option(None, "--save", help=_("Write the answers you give into DIR/answers.yaml (merged: other answers are kept)."),
                                        callback=checked(paths.output_folder, exists=True)),
) -> None:
    from grader.bank.spec import QuizExercise
    from grader.quiz.interactive import run_quiz

    (exercise,) = _load(bank, exercises, [exercise_id])[1]
    if not isinstance(exercise, QuizExercise):
        raise typer.BadParameter(_("{id} is a code exercise; grade it with `grader check`").format(id=exercise_id),
                                 param_hint="EXERCISE")
    from grader.submissions.reading import student_id

    student = student_id(student) if student else _student_of(submission)
    score = run_quiz(exercise, student, out, retries=retries, ask=not show)
    if save is not None and score.answers:
        from grader.handouts.answer_sheet import save_answers
        from grader.submissions.files import UnreadableFile

        try:
            path = save_answers(save, exercise, score.answers)
        except (UnreadableFile, OSError) as error:
            err.print(_("[red]error:[/red] answers not saved: {reason}").format(reason=for_terminal(error)), highlight=False)
            raise typer.Exit(2)
        out.print(_("saved {count} answer(s) to {path}").format(count=len(score.answers), path=escape(str(path))),
                  highlight=False)
    raise typer.Exit(0 if show or score.full else 1)


def _student_of(submission: Optional[Path]) -> str:
    """The id in `submission`'s (else the current folder's) student.yaml, said aloud; else "practice"."""
    from grader.bank.variants import PRACTICE
    from grader.submissions.files import present
    from grader.submissions.reading import STUDENT, identify

    folder = submission or Path.cwd()
    if submission is None and not present(folder, STUDENT):
        return PRACTICE
    student, problems = identify(folder)
    for problem in problems:
        err.print(_("[yellow]warning:[/yellow] {message}").format(message=for_terminal(problem)), highlight=False)
    err.print(_("using student id {student} (from {folder})").format(student=for_terminal(student),
                                                                     folder=for_terminal(str(folder))), highlight=False)
    return student


@app.command(cls=Command, help=_("""Instructors: a student's quiz variant with every key and its value, proven on that variant.

Needs the course's full bank: a handout's bank has no graded keys. Practice questions are
asked with the practice numbers, the same for everyone, and are marked so.
Exit codes: 0 every key proven on this variant, 1 a proof failed (run grader validate), 2 usage.

[bold]Examples[/bold]

  grader key --student s1234

  grader key --student s1234 -e conv-params --bank my-course"""))
def key(
    student: str = typer.Option(..., "--student", "-s", help=_("Whose variant: the student id, as in their student.yaml.")),
    only: Optional[list[str]] = typer.Option(None, "--exercise", "-e", help=_("Only this quiz (repeatable).")),
    bank: Optional[Path] = bank_option(),
    exercises: Optional[Path] = exercises_option(),
) -> None:
    from grader.bank.variants import PRACTICE
    from grader.proofs.student_key import key_sheets

    loaded, chosen = _load(bank, exercises, only)
    sheets = key_sheets(chosen, student, only)
    failed = False
    for sheet in sheets:
        params = ", ".join(f"{k}={v}" for k, v in sheet.params.items()) or _("no parameters")
        out.print(f"\n[bold]{escape(sheet.exercise_id)}[/bold] {escape(sheet.title)}  [dim]"
                  + _("variant of {student}: {params}").format(student=for_terminal(student), params=escape(params))
                  + "[/dim]", highlight=False)
        for line in sheet.lines:
            said = {"id": escape(line.question_id), "points": line.points, "prompt": escape(line.prompt), "practice": PRACTICE}
            out.print("  " + (_("[bold]{id}[/bold] ({points:g} pt) [cyan]practice ({practice} numbers, the same for "
                                "everyone)[/cyan] {prompt}") if line.practice else
                              _("[bold]{id}[/bold] ({points:g} pt) {prompt}")).format(**said), highlight=False)
            mark = _("[green]✔ proven on this variant[/green]") if not line.proof else _("[red]✘ not proven[/red]")
            out.print("    " + _("key {key} = [bold]{value}[/bold]  {mark}").format(
                key=escape(line.key), value=escape(line.value), mark=mark), highlight=False)
            for finding in line.proof:
                out.print(f"      [red]{escape(finding)}[/red]", highlight=False)
            failed = failed or bool(line.proof)
    if not sheets:
        err.print(_("no quiz in this bank: nothing has a key"), highlight=False)
    raise typer.Exit(1 if failed else 0)


@app.command(cls=Command, help=_("""Grade a submission, then again each time you save a file: only what the save changed.

The bank, the quiz judge and the sandbox stay warm between saves.

Each regrade prints a line per exercise graded again (score, failing checks), then the total.

Saves are found with watchfiles (pip install 'dl-grader\\[watch]'), else by polling. Ctrl-C stops.

[bold]Examples[/bold]

  grader watch my-work/

  grader watch my-work/ -e lenet -e conv-params --public-only"""))
def watch(
    submission: Path = typer.Argument(..., help=_("The submission folder to watch (answers.yaml and the .py files)."),
                                      callback=checked(paths.input_folder)),
    bank: Optional[Path] = bank_option(),
    exercises: Optional[Path] = exercises_option(),
    only: Optional[list[str]] = typer.Option(None, "--exercise", "-e", help=_("Watch only this exercise (repeatable).")),
    public_only: bool = typer.Option(False, "--public-only", help=_("Run only the public checks (a student's self-test).")),
    poll: bool = typer.Option(False, "--poll", help=_("Find saves by polling the folder every 0.2 s, even where watchfiles is installed.")),
    budget: Optional[float] = typer.Option(None, "--budget", min=1, metavar="SECONDS", help=BUDGET_HELP),
) -> None:
    import signal

    from grader.watch import Watcher, watch as watch_folder

    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C stops, even where a shell started us ignoring it
    watcher = Watcher(submission, _bank_dir(bank, exercises, submission=submission), only=only or None, public_only=public_only,
                      budget_seconds=budget)
    try:
        watch_folder(watcher, lambda line: out.print(line, highlight=False, soft_wrap=True), poll=poll)
    except KeyboardInterrupt:
        out.print(_("stopped watching"), highlight=False)
    finally:
        watcher.close()
    raise typer.Exit(0)


@app.command(cls=Command, help=_("""Write what students get: starter files (.py and .ipynb), public checks, a blank answers.yaml.

Hidden checks, reference solutions and graded keys never ship; practice questions
(`practice: true`) ship their practice variant's key.

[bold]Examples[/bold]

  grader handout --out handout/

  grader handout --out s1234/ --student s1234 -e lenet -e conv-shape"""))
def handout(
    out_dir: Path = typer.Option(..., "--out", help=_("A new (or empty) folder to write the handout into."),
                                 callback=checked(paths.output_folder, empty=True)),
    bank: Optional[Path] = bank_option(),
    student: Optional[str] = typer.Option(None, "--student", "-s", help=_("Also write this student's quiz sheet (their numbers) and student.yaml.")),
    only: Optional[list[str]] = typer.Option(None, "--exercise", "-e", help=_("Only this exercise (repeatable).")),
) -> None:
    from grader.handouts.handout import build_handout
    from grader.submissions.reading import ID_RULE, student_id, valid_id

    student = student_id(student) if student is not None else None
    if student is not None and not valid_id(student):
        raise typer.BadParameter(_("'{student}' is not a student id: use {rule}").format(student=student[:40], rule=_(ID_RULE)),
                                 param_hint="--student")
    location = _bank(bank)
    made = build_handout(location.exercises, location.solutions, out_dir, student=student, only=only or None)
    out.print(_("wrote {folder}: {files} starter file(s) ({names}), {quizzes} quiz(zes), {practice} practice "
                "question(s) with keys").format(folder=escape(str(made.folder)), files=len(made.files),
                                                 names=escape(listed(made.files)), quizzes=made.quizzes,
                                                 practice=made.practice_questions), highlight=False)


@app.command(cls=Command, help=_("""Prove the bank: quiz keys proven, references score full marks, every mutant is caught.

[bold]Examples[/bold]

  grader selftest

  grader selftest corr2d lenet

  grader selftest --bank my-course"""))
def selftest(
    exercise_ids: Optional[list[str]] = typer.Argument(None, metavar="[EXERCISE]...", help=_("Exercises to test (default: all).")),
    bank: Optional[Path] = bank_option(),
    exercises: Optional[Path] = exercises_option(),
) -> None:
    from grader.proofs.selftest_report import run_selftest

    ok = run_selftest(_bank_dir(bank, exercises), exercise_ids or None, out, err)
    raise typer.Exit(0 if ok else 1)


@app.command("init-bank", cls=Command, help=_("""Write a small working bank to start from: one quiz, one code exercise with its reference and mutants.

It passes `grader validate` and `grader selftest` as written; edit it into your course.

[bold]Examples[/bold]

  grader init-bank my-course

  grader selftest --bank my-course"""))
def init_bank(
    directory: Path = typer.Argument(..., metavar="DIR", help=_("A new (or empty) folder for the bank."),
                                     callback=checked(paths.output_folder, empty=True)),
) -> None:
    from grader.bank.scaffold import init_bank as write_bank

    written = write_bank(directory)
    for path in written:
        out.print(_("wrote {path}").format(path=escape(str(path))), highlight=False)
    out.print(_("next: grader validate --bank {bank} && grader selftest --bank {bank}").format(bank=escape(str(directory))),
              highlight=False)


bundle_app = typer.Typer(cls=Group, help=_("Build what a course platform runs: a Gradescope autograder."), no_args_is_help=True,
                         rich_markup_mode="rich")
app.add_typer(bundle_app, name="bundle")


@bundle_app.command("gradescope", cls=Command, help=_("""Write a Gradescope autograder zip: setup.sh, run_autograder, grader and the bank, pinned.

[bold]Examples[/bold]

  grader bundle gradescope --out autograder.zip

  grader bundle gradescope --bank my-course --timeout 1200 --memory-mb 6144 --cpus 2"""))
def bundle_gradescope(
    out_file: Path = output_file_option("--out", "-o", help=_("The zip to write (upload it as the autograder)."), default=Path("autograder.zip")),
    bank: Optional[Path] = bank_option(),
    hidden: str = typer.Option("after_published", "--hidden-visibility", metavar="WHEN",
                               help=_("When students see hidden checks: hidden, after_due_date, after_published or visible.")),
    timeout: int = typer.Option(600, "--timeout", min=60, metavar="SECONDS", help=_("The autograder timeout set in Gradescope.")),
    memory_mb: int = typer.Option(3072, "--memory-mb", min=512, help=_("The memory of the container picked in Gradescope.")),
    cpus: int = typer.Option(1, "--cpus", min=1, help=_("The CPUs of the container picked in Gradescope.")),
) -> None:
    from grader.lms.gradescope import build_bundle

    built = build_bundle(_bank(bank), out_file, hidden_visibility=hidden, timeout_seconds=timeout,
                         memory_mb=memory_mb, cpus=cpus)
    out.print(_("wrote {path}: {exercises} exercises ({code} code), {files} files; code budget {budget:g} s, "
                "{memory} MB per exercise; hidden checks {hidden}").format(
        path=escape(str(built.path)), exercises=built.exercises, code=built.code_exercises, files=built.files,
        budget=built.budget_seconds, memory=built.memory_mb, hidden=hidden), highlight=False)


@app.command("export-quiz", cls=Command, help=_("""Export quizzes for Moodle (XML) or Canvas (QTI zip): each question's variants with proven keys.

Symbolic questions become STACK questions in Moodle and are skipped for Canvas (each named,
with why). Exit codes: 0 every question exported, 1 some skipped, 2 usage or spec error.

[bold]Examples[/bold]

  grader export-quiz --variants 10 --moodle quizzes.xml

  grader export-quiz --bank my-course -e conv-params -n 5 --qti conv-params.zip"""))
def export_quiz(
    variants: int = typer.Option(..., "--variants", "-n", min=1, help=_("Variants per question (at most those validate proves).")),
    moodle: Optional[Path] = output_file_option("--moodle", help=_("Write a Moodle XML question bank."), metavar="FILE.xml"),
    qti: Optional[Path] = output_file_option("--qti", help=_("Write a Canvas QTI 1.2 package."), metavar="FILE.zip"),
    bank: Optional[Path] = bank_option(),
    only: Optional[list[str]] = typer.Option(None, "--exercise", "-e", help=_("Export only this quiz (repeatable).")),
) -> None:
    from grader.lms.quiz_export import export_quiz as write_quizzes

    if moodle is None and qti is None:
        raise typer.BadParameter(_("name --moodle FILE.xml or --qti FILE.zip (or both)"), param_hint="export-quiz")
    done = write_quizzes(_bank(bank).exercises, only, variants, moodle=moodle, qti=qti)
    for line in done.notes:
        err.print(_("[cyan]note:[/cyan] {message}").format(message=escape(line)), highlight=False)
    for line in done.skipped:
        err.print(f"[yellow]{escape(line)}[/yellow]", highlight=False)
    for path in (moodle, qti):
        if path is not None:
            out.print(_("wrote {path}").format(path=escape(str(path))), highlight=False)
    if done.stack:
        out.print(_("{items} questions (variants) and {stack} STACK question(s) (Moodle) from {quizzes} quizzes; "
                    "{skipped} skipped").format(items=done.items, stack=done.stack, quizzes=done.exercises,
                                                skipped=len(done.skipped)))
    else:
        out.print(_("{items} questions (variants) from {quizzes} quizzes; {skipped} skipped").format(
            items=done.items, quizzes=done.exercises, skipped=len(done.skipped)))
    raise typer.Exit(1 if done.skipped else 0)


GRADEBOOK_HELP = _("The SQLite gradebook file.")


def _default_jobs() -> int:
    return max(1, min(8, os.cpu_count() or 1))


@app.command(cls=Command, help=_("""Grade a whole class into a gradebook, in parallel; unchanged submissions are skipped.

A submission is graded again when its files or the bank changed, or when its last
grading failed. A broken or hostile submission is recorded with its message and the
batch goes on. Exit codes: 0 every submission graded (whatever it scored), 1 some
could not be graded (listed at the end), 2 usage or spec error.

[bold]Examples[/bold]

  grader grade submissions/ --jobs 4

  grader grade submissions/ --student s1234

  grader grade lab3/ -e conv-params -e corr2d -e lenet -e conv-shape

  grader grade submissions/ --bank my-course --gradebook fall.sqlite --force

  grader grade submissions/ --scheduler tcp://10.0.0.5:8786"""))
def grade(
    submissions: Path = typer.Argument(..., help=_("The class folder: one folder per submission (student id from its student.yaml or its name)."),
                                       callback=checked(paths.input_folder)),
    bank: Optional[Path] = bank_option(),
    exercises: Optional[Path] = exercises_option(),
    jobs: int = typer.Option(_default_jobs(), "--jobs", "-j", min=1, help=_("Worker processes grading in parallel, each with its own sandbox. Default: the number of CPUs, at most 8.")),
    gradebook: Path = output_file_option("--gradebook", help=_("The SQLite gradebook file. Created if missing."), default=Path("gradebook.sqlite")),
    student: Optional[str] = typer.Option(None, "--student", "-s", help=_("Regrade only this student's submission.")),
    only: Optional[list[str]] = typer.Option(None, "--exercise", "-e", help=_("Grade only this exercise (repeatable): a lab's part of the bank.")),
    force: bool = typer.Option(False, "--force", help=_("Regrade every submission, changed or not.")),
    budget: Optional[float] = typer.Option(None, "--budget", min=1, metavar="SECONDS", help=BUDGET_HELP),
    allow_root_child: bool = typer.Option(False, "--allow-root-child", help=_("Grade even where student code would run as root (the grader runs as root and no other user can reach its Python). Refused without it.")),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT", help=_("Grade on this Dask cluster's workers instead of local --jobs (needs dl-grader[cluster] on every machine; see docs/scale.md).")),
    cluster: Optional[str] = typer.Option(None, "--cluster", metavar="local:N", help=_("Grade on a Dask LocalCluster of N worker processes started here (needs dl-grader[cluster]).")),
) -> None:
    from grader.classroom.batch import grade_planned, plan_class
    from grader.classroom.cluster import target
    from grader.classroom.gradebook import Gradebook
    from grader.reports.progress import count_progress

    where = target(scheduler, cluster)
    with Gradebook(gradebook) as book:
        from grader.submissions.reading import student_id

        plan = plan_class(submissions, _bank_dir(bank, exercises, submission=submissions), book,
                          student=student and student_id(student), force=force, budget_seconds=budget, only=only or ())
        with count_progress(err, len(plan.todo)) as done:
            summary = grade_planned(plan, book, jobs=jobs, on_done=done,
                                    root_child="allow" if allow_root_child else "refuse", cluster=where)
        overrides = book.adjustments()
        changed = [f"{e.student_id} {target}" for e in (book.current() if overrides else []) if e.result is not None
                   for target, o in e.result.overrides if o.changed]
    if summary.mean_percent is not None:
        out.print(_("graded {graded}, skipped {skipped} (unchanged), failed to grade {failed}; mean score {mean:.1f}%").format(
            graded=summary.graded, skipped=summary.skipped, failed=summary.failed, mean=summary.mean_percent))
    else:
        out.print(_("graded {graded}, skipped {skipped} (unchanged), failed to grade {failed}").format(
            graded=summary.graded, skipped=summary.skipped, failed=summary.failed))
    if overrides:
        out.print(_("{count} override(s) stand over these grades (grader report lists them)").format(count=len(overrides)),
                  highlight=False)
    if changed:
        err.print(_("[yellow]warning:[/yellow] the grade under {count} override(s) changed since they were made: {which}; "
                    "check they still hold (grader report flags them)").format(
            count=len(changed), which=for_terminal(listed(changed))), highlight=False)
    for worker, protections in sorted(summary.protections.items()):
        off = [name for name, on in protections if not on]
        if off:
            err.print(_("worker {worker}: sandbox protections off: {layers}").format(worker=escape(worker), layers=listed(off)),
                      highlight=False)
    for student_id, why in summary.failures:
        err.print(f"[red]✘[/red] {for_terminal(student_id)}: {for_terminal(why)}", highlight=False)
    out.print(_("gradebook: {path}").format(path=escape(str(gradebook))), highlight=False)
    raise typer.Exit(1 if summary.failures else 0)


def _scores_csv(path: Path, flag: str) -> Path:
    """--gradescope once named a folder of results.json files: a folder now gets the why."""
    if path.is_dir():
        raise GraderError(_("{flag} {path}: is a folder: --gradescope now writes one CSV for Gradescope's Import Scores "
                            "(e.g. --gradescope scores.csv)").format(flag=flag, path=path))
    return paths.output_file(path, flag)


@app.command(cls=Command, help=_("""Export every student's current grade, overrides included: a CSV, or score imports for Gradescope, Canvas, Moodle.

Students whose grading failed get empty cells (no row for Gradescope); they are named.

[bold]Examples[/bold]

  grader export --csv grades.csv

  grader export --gradebook fall.sqlite --gradescope gradescope-scores.csv

  grader export --canvas canvas.csv --assignment \"Lab 3 (1234)\"

  grader export --moodle moodle-grades.csv"""))
def export(
    gradebook: Path = typer.Option(Path("gradebook.sqlite"), "--gradebook", help=GRADEBOOK_HELP),
    csv_file: Optional[Path] = output_file_option("--csv", help=_("One row per student: a column per exercise, the total, the overrides with their comments.")),
    gradescope: Optional[Path] = typer.Option(None, "--gradescope", metavar="FILE.csv", help=_("A CSV for a Gradescope assignment's Import Scores (SID, Email, Total Score)."),
                                              callback=checked(_scores_csv)),
    canvas: Optional[Path] = output_file_option("--canvas", help=_("A grades CSV for Canvas's gradebook import (student ids as SIS ids).")),
    moodle: Optional[Path] = output_file_option("--moodle", help=_("A grades CSV for Moodle's grade import (ID number, grade, feedback)."), metavar="FILE.csv"),
    assignment: str = typer.Option("grader", "--assignment", help=_("Canvas: the assignment column, e.g. \"Lab 3 (1234)\" with its Canvas id.")),
) -> None:
    from grader.classroom.export import write_canvas, write_csv, write_gradescope, write_moodle
    from grader.classroom.gradebook import Gradebook

    if not (csv_file or gradescope or canvas or moodle):
        raise typer.BadParameter(_("name at least one of --csv, --gradescope, --canvas, --moodle"), param_hint="export")
    with Gradebook(gradebook, create=False) as book:
        entries = book.current()
    left_out: set[str] = set()
    for path, write in ((csv_file, write_csv), (gradescope, write_gradescope), (moodle, write_moodle),
                        (canvas, lambda e, p: write_canvas(e, p, assignment))):
        if path is not None:
            left_out.update(write(entries, path))
            out.print(_("wrote {path}").format(path=escape(str(path))), highlight=False)
    if left_out:
        err.print(_("no grade for {count} student(s) whose grading failed: {students}").format(
            count=len(left_out), students=for_terminal(listed(sorted(left_out)))), highlight=False)
    overridden = sum(1 for e in entries if e.result is not None and e.result.overrides)
    if overridden:
        out.print(_("{count} student(s) with overrides (see `grader report`)").format(count=overridden), highlight=False)
    out.print(_("{exported} of {students} students exported").format(exported=len(entries) - len(left_out),
                                                                      students=len(entries)))


@app.command(cls=Command, help=_("""Set a student's score by hand, with a comment; it stands over every regrade (`grade --force` too).

The gradebook keeps when it was made and the grade under it; if a regrade changes that
grade, the reports flag the override. Reports and every export show it.

[bold]Examples[/bold]

  grader override s1234 lenet/shape --score 2 --comment \"accepted late fix (email of 3 May)\"

  grader override s1234 conv-params --score 5 --comment \"regrade request: the prompt was ambiguous\"

  grader override s1234 lenet/shape --clear"""))
def override(
    student: str = typer.Argument(..., metavar="STUDENT", help=_("The student id, as the gradebook has it.")),
    target: str = typer.Argument(..., metavar="EXERCISE[/CHECK]", help=_("An exercise (its whole score) or one of its checks or questions.")),
    score: Optional[float] = typer.Option(None, "--score", help=_("The score to give, from 0 to the item's (or exercise's) maximum.")),
    comment: str = typer.Option("", "--comment", help=_("Why: the student's report and the class report show it.")),
    clear: bool = typer.Option(False, "--clear", help=_("Remove this override: the graded score counts again.")),
    gradebook: Path = typer.Option(Path("gradebook.sqlite"), "--gradebook", help=GRADEBOOK_HELP),
) -> None:
    from grader.classroom.gradebook import Gradebook
    from grader.classroom.overrides import OverrideError, adjust, split_target

    if clear == (score is not None):
        raise OverrideError(_("give --score S --comment TEXT to set an override, or --clear to remove one"))
    with Gradebook(gradebook, create=False) as book:
        if clear:
            if not book.clear_override(student, *split_target(target)):
                raise OverrideError(_("{student} has no override on {target}").format(student=student, target=target))
            out.print(_("cleared the override of {student} on {target}").format(
                student=for_terminal(student), target=for_terminal(target)), highlight=False)
            return
        made = adjust(book.current(graded_only=True), student, target, score, comment)
        book.set_override(made)
    out.print(_("{student} {target}: {score:g} (graded {graded:g}): {comment}").format(
        student=for_terminal(student), target=for_terminal(made.target), score=made.score, graded=made.graded_then,
        comment=for_terminal(made.comment)), highlight=False)


@app.command(cls=Command, help=_("""Write a class report: every student linked to their own report, problems, overrides, score plots, item analysis.

Each graded student's report is written beside it, into FILE-stem-students/.

[bold]Examples[/bold]

  grader report --html class.html

  grader report --gradebook fall.sqlite --html fall.html"""))
def report(
    gradebook: Path = typer.Option(Path("gradebook.sqlite"), "--gradebook", help=GRADEBOOK_HELP),
    html_file: Path = output_file_option("--html", help=_("Write the class report here (a self-contained HTML page; the students' own reports go into a folder beside it)."), default=...),
    templates: Optional[Path] = typer.Option(None, "--templates", help=_("Folder of report templates that override the bundled ones."),
                                               callback=checked(paths.input_folder)),
) -> None:
    from grader.classroom.class_report import students_folder, write_class_report
    from grader.classroom.gradebook import Gradebook

    paths.output_folder(students_folder(html_file), "--html")  # the students' own reports beside it
    with Gradebook(gradebook, create=False) as book:
        entries = book.current()
    summary = write_class_report(entries, html_file, templates)
    out.print(_("wrote {path}: {graded} of {students} students graded, {troubled} with problems, {overrides} "
                "override(s)").format(path=escape(str(html_file)), graded=summary.graded, students=summary.students,
                                      troubled=len({trouble.student_id for trouble, _why in summary.troubles}),
                                      overrides=len(summary.overrides)), highlight=False)
    if summary.graded:
        out.print(_("their own reports: {folder}/").format(folder=escape(str(students_folder(html_file)))), highlight=False)


@app.command(cls=Command, help=_("""Rank pairs of submissions by the code they share, file by file, to find copies.

Code is compared as tokens, never run: renamed identifiers, comments, docstrings,
formatting and reordered definitions do not hide a copy. The handout's starter code
(--base) and code most of the class shares never count. A high score is a reason to
look at the pair side by side, not a verdict.

[bold]Examples[/bold]

  grader similarity submissions/ --html similarity.html

  grader similarity submissions/ -e lenet -e conv --base handout/ --json pairs.json"""))
def similarity(
    submissions: Path = typer.Argument(..., help=_("The class folder: one folder per submission, as `grader grade` takes."),
                                       callback=checked(paths.input_folder)),
    bank: Optional[Path] = bank_option(),
    only: Optional[list[str]] = typer.Option(None, "--exercise", "-e", metavar="ID", help=_("Compare only the files of this code exercise (repeatable). Default: every .py file and notebook.")),
    base: Optional[Path] = typer.Option(None, "--base", metavar="HANDOUT", help=_("The handout (or a folder of starter files) whose code never counts as shared."),
                                        callback=checked(paths.input_folder)),
    json_file: Optional[Path] = output_file_option("--json", help=_("Write the ranked pairs, with their shared line ranges, as JSON.")),
    html_file: Optional[Path] = output_file_option("--html", help=_("Write an HTML index of the ranked pairs, with a side-by-side page per pair in a folder beside it.")),
    top: int = typer.Option(50, "--top", min=1, help=_("How many pairs to list per file.")),
    common: int = typer.Option(10, "--common", min=2, metavar="N", help=_("Code that more than N submissions share counts as common knowledge (the course's own code), not as a copy.")),
) -> None:
    from grader.classroom.similarity import find_similar
    from grader.classroom.similarity_report import pages_folder, write_html, write_json

    if html_file is not None:
        paths.output_folder(pages_folder(html_file), "--html")  # the pair pages beside the index
    files = None
    if only:
        picked = _load(bank, None, only, folder=_bank_dir(bank, None, submission=submissions), names=False)[1]
        files = {exercise.file for exercise in picked if getattr(exercise, "file", None)}
        if not files:
            raise typer.BadParameter(_("none of these exercises is a code exercise with a file to compare"),
                                     param_hint="--exercise")
    findings = find_similar(submissions, files=files, base=base, common=common)
    for file, pairs in findings.pairs.items():
        best = listed(f"{for_terminal(p.a)} ~ {for_terminal(p.b)} {100 * p.similarity:.0f}%" for p in pairs[:3])
        said = {"file": escape(file), "count": len(pairs), "best": best}
        out.print((_("{file}: {count} pair(s) share code; most similar: {best}") if best
                   else _("{file}: {count} pair(s) share code")).format(**said), highlight=False)
    for why in findings.skipped:
        err.print(_("not compared: {reason}").format(reason=for_terminal(why)), highlight=False)
    if json_file is not None:
        write_json(findings, json_file, top, common)
        out.print(_("wrote {path}").format(path=escape(str(json_file))), highlight=False)
    if html_file is not None:
        pages = write_html(findings, html_file, top, common)
        out.print(_("wrote {path} and {pages} pair page(s) in {folder}").format(
            path=escape(str(html_file)), pages=pages, folder=escape(str(pages_folder(html_file)))), highlight=False)


def main() -> None:
    """Entry point: user mistakes exit 2 with a message; our own bugs exit 3.

    As the program itself (`grader ...`, `python -m grader.cli`) it ends by `_exit_now`, once
    all is written and closed; called from Python (a test), it raises SystemExit as before.
    """
    if getattr(sys.modules.get("__main__"), "main", None) is not main:
        _main()
        return
    try:
        _main()
        code = 0
    except SystemExit as done:
        code = done.code
    _exit_now(code)


def _exit_now(code) -> None:
    """Exit without the interpreter's teardown: with torch loaded, freeing every module costs 0.3 s.

    First what a normal exit does before that teardown, in its order: threads finished (executors'
    workers joined), the judge worker stopped, atexit functions and weakref finalisers run
    (temporary folders removed), stdout and stderr flushed (a failure there exits 120, as Python
    does). Where this Python has no threading._shutdown, a normal exit.
    """
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is None:
        sys.exit(code)
    shutdown()
    workers = sys.modules.get("grader.judge.process")  # the judge's and the quizzes' shared workers
    if workers is not None:
        workers.close_shared_workers()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            code = 120
    os._exit(code)


def _say_usage_error(error) -> None:
    """A mistake on the command line, framed as Typer frames it and said in the language spoken."""
    from rich.panel import Panel

    from grader.usage import say_usage_error

    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        err.print(escape(ctx.get_usage()), highlight=False)
        if ctx.command.get_help_option(ctx) is not None:
            err.print(_("Try [blue]'{command_path} {help_option}'[/] for help.").format(
                command_path=escape(ctx.command_path), help_option=ctx.help_option_names[0]), highlight=False)
    err.print(Panel(escape(say_usage_error(error)), title=_("Error"), title_align="left", border_style="red"),
              highlight=False)


def _main() -> None:
    from grader.usage import ClickException, NoArgsIsHelpError

    try:
        code = app(standalone_mode=False)  # typer.Exit comes back as its code; click's errors are raised
    except NoArgsIsHelpError as shown:  # the help is already on the screen
        sys.exit(shown.exit_code)
    except ClickException as error:
        _say_usage_error(error)
        sys.exit(error.exit_code)
    except typer.Abort:
        err.print(_("Aborted."))
        sys.exit(1)
    except SpecErrors as errors:
        for error in errors.errors:
            err.print(_("[red]error:[/red] {message}").format(message=for_terminal(error)), highlight=False)
        sys.exit(2)
    except GraderError as error:
        err.print(_("[red]error:[/red] {message}").format(message=for_terminal(error)), highlight=False)  # may name a student's file
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        err.print(_("aborted"))
        sys.exit(130)
    except Exception as error:  # a bug of ours: say so plainly, keep the traceback for a bug report
        err.print(_("[red]internal error:[/red] {kind}: {message}\nThis is a bug in grader, not in your work; please "
                    "report it with the command you ran.").format(kind=type(error).__name__, message=for_terminal(error)),
                  highlight=False)
        if os.environ.get("GRADER_DEBUG"):
            raise
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
