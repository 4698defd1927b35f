"""`grader watch`: a submission graded once, then again on every save, with everything kept warm.

    with Watcher(folder, bank_dir, only=["lenet", "conv-params"]) as watcher:
        first = watcher.start()                       # every chosen exercise, once
        again = watcher.regrade([folder / "lenet.py"])  # only what that file touches
        for line in report_lines(again): ...

What stays warm between regrades: the loaded bank, one quiz worker (grader.quiz.process),
one sandbox zygote and the CodeGrader over it (its references and collected checks are
cached). What a save touches:

- answers.yaml: only the quizzes whose answers, as parsed, differ from the last grading;
- a code exercise's file, a notebook that provides it (`lenet.ipynb`, `# file: x.py`
  cells), or a module of the folder that file imports (directly or through another one):
  that code exercise;
- student.yaml (whose variant the quizzes are): everything;
- a file of the bank (a spec, a check, a reference): the bank is loaded again, its version
  (grader.bank.version.bank_hash) compared, and when it changed everything is regraded
  against the new bank; a bank that no longer loads is reported and the old one kept.

Hidden files, `__pycache__`, subfolders and editor temp files (`x.swp`, `x~`, `.#x`, `#x#`)
touch nothing. Saves are watched with `watchfiles` when it is installed (the `watch` extra),
else by polling the folder's entries every POLL_SECONDS; either way a burst of saves (an
editor writes twice) is one regrade.

A watched folder that vanishes (deleted, moved, or deleted and made again by a checkout) is
waited for, then watched again and graded whole. Student code still runs only in the
sandbox's children; all the grader reads of the folder is read through grader.submissions
(regular files, capped, no links followed): a file swapped for a link is the student's file,
refused, never the bank file it points at.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from grader.bank.loading import chosen, load_bank
from grader.bank.location import solutions_beside
from grader.bank.spec import CodeExercise, QuizExercise
from grader.bank.version import bank_hash, instructor_files
from grader.errors import GraderError, SpecErrors
from grader.grading import grade_submission
from grader.i18n import N_, _, listed
from grader.quiz.process import QuizWorker
from grader.reports.results import ExerciseResult, Status, SubmissionResult
from grader.reports.untrusted_text import for_terminal
from grader.submissions.files import UnreadableFile, present, python_files, read_text
from grader.submissions.reading import ANSWERS, STUDENT, read_submission

POLL_SECONDS = 0.2  # how often the polling fallback stats the folder
SETTLE_SECONDS = 0.05  # a burst of saves is over when nothing changed for this long
MAX_DEBOUNCE_SECONDS = 1.6  # ... or when it has gone on this long
STARTED_MS = 200  # watchfiles says it has begun watching (an empty set) this soon, when nothing changed
BANK_POLL_EVERY = 5  # polls: the bank's files are stat'ed every BANK_POLL_EVERY * POLL_SECONDS
MESSAGE_CHARS = 160  # of a failing item's message in the one-line report
INSTALL_HINT = N_("pip install 'dl-grader[watch]' to watch with watchfiles")
KEPT_ANSWERS = N_("{file}: kept the quiz results of its last readable version")

_TEMP_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".bak", ".orig", "~")
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*)([A-Za-z_][\w.]*)?[ \t]+import[ \t]+([\w \t,()*]+)"
                     r"|import[ \t]+([\w \t,.]+))", re.MULTILINE)


def ignored(name: str) -> bool:
    """Whether a file of this name can touch no exercise: hidden, a cache, an editor's temp file."""
    return (not name or name.startswith((".", "#")) or name == "__pycache__" or name.endswith(_TEMP_SUFFIXES)
            or name == "4913")  # vim's probe that it may write in the folder


def imported_modules(source: str) -> set[str]:
    """The top-level module names `source` imports, read by pattern so a file with a syntax
    error still says what it imports. `from . import x` and `from .x import y` name x."""
    found = set()
    for dots, module, names, plain in _IMPORT.findall(source):
        if plain:
            found |= {part.split(" as ")[0].strip().split(".")[0] for part in plain.split(",")}
        elif module:
            found.add(module.split(".")[0])
        elif dots:
            found |= {part.split(" as ")[0].strip(" \t()") for part in names.split(",")}
    return {name for name in found if name.isidentifier()}


@dataclass(frozen=True)
class Regrade:
    """One grading of the watch: what changed, what was graded again, the whole standing."""

    changed: tuple[str, ...]  # the submission's files (names) and bank files (paths) that changed
    regraded: tuple[ExerciseResult, ...]  # in bank order
    result: SubmissionResult  # every watched exercise, the last result of those not regraded
    seconds: float
    notes: tuple[str, ...] = ()  # in the grader's words (names in them are the student's: cleaned at print)
    first: bool = False


@dataclass
class _Seen:
    """What the last grading saw of the submission, to tell what a save changed."""

    student_id: str | None = None
    answers: dict[str, object] = field(default_factory=dict)
    notebook_files: dict[str, set[str]] = field(default_factory=dict)  # notebook -> the .py files it provides


class Watcher:
    """One submission against one bank, graded again on demand: `regrade(changed_paths)`.

    `bank_dir` is the bank's exercises folder (grader.bank.location.locate_bank); `only`
    names exercises to watch (all by default); an unknown id is a SpecError, as in `check`.
    """

    def __init__(self, submission: Path, bank_dir: Path, *, only: Sequence[str] | None = None,
                 public_only: bool = False, root_child: str = "warn", budget_seconds: float | None = None,
                 sandbox=None):
        self.folder = Path(submission)
        self.bank_dir = Path(bank_dir)
        self.solutions_dir = solutions_beside(self.bank_dir)
        self.only = list(only or [])
        self.public_only, self.root_child, self.budget_seconds = public_only, root_child, budget_seconds
        self._stack = ExitStack()
        self._sandbox = sandbox
        self.quiz_worker = QuizWorker()
        self.runner = None
        self.results: dict[str, ExerciseResult] = {}
        self.regrades = 0
        self._seen = _Seen()
        self._closed = False
        self.bank, self.chosen = self._choose(load_bank(self.bank_dir))
        self.version = bank_hash(self.bank_dir, self.bank, self.solutions_dir)

    # -- life cycle -----------------------------------------------------------------------

    def __enter__(self) -> "Watcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the quiz worker and the sandbox (with its zygote and children)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.quiz_worker.close()
        finally:
            self._stack.close()

    def _choose(self, bank):
        """The bank and the watched exercises of it (all unless `only` names some)."""
        return bank, chosen(bank, self.only, self.bank_dir)

    def _ensure_runner(self) -> None:
        """The sandbox and the CodeGrader over it, when the watched exercises hold code."""
        if self.runner is not None or not any(isinstance(e, CodeExercise) for e in self.chosen):
            return
        from grader.checking.codegrade import CodeGrader
        from grader.sandbox.launcher import Sandbox

        if self._sandbox is None:
            self._sandbox = self._stack.enter_context(Sandbox(root_child=self.root_child))
        self._sandbox.start()
        self.runner = CodeGrader(sandbox=self._sandbox)  # the sandbox is closed by our stack, not by it

    def start_sandbox(self) -> None:
        """Start the zygote now (it imports torch while the caller does something else)."""
        self._ensure_runner()

    # -- grading --------------------------------------------------------------------------

    @property
    def quizzes(self) -> dict[str, QuizExercise]:
        return {e.id: e for e in self.bank if isinstance(e, QuizExercise)}

    def start(self) -> Regrade:
        """Grade every watched exercise once."""
        started = time.perf_counter()
        submission = read_submission(self.folder, self.quizzes)
        self._remember(submission)
        return self._grade({e.id for e in self.chosen}, (), started, (), first=True)

    def regrade(self, changed: Iterable[Path | str]) -> Regrade | None:
        """Grade again what the `changed` paths touch; None when they touch nothing at all
        (temp files, caches, files no exercise reads, a bank file that changed nothing)."""
        started = time.perf_counter()
        names, bank_paths = self._split(changed)
        notes: list[str] = []
        everything = bool(bank_paths) and self._bank_changed(notes)
        if not names and not everything and not notes:
            return None
        submission = read_submission(self.folder, self.quizzes)
        targets = ({e.id for e in self.chosen} if everything else
                   self._touched(names, submission, notes) if names else set())
        self._remember(submission, keep_answers=_(KEPT_ANSWERS).format(file=ANSWERS) in notes)
        if not targets and not notes:
            return None
        return self._grade(targets, tuple(sorted(names)) + tuple(sorted(bank_paths)), started, notes)

    def _grade(self, targets: set[str], changed: tuple[str, ...], started: float, notes, first=False) -> Regrade:
        regraded: tuple[ExerciseResult, ...] = ()
        problems: tuple[str, ...] = ()
        if targets:
            if any(isinstance(e, CodeExercise) and e.id in targets for e in self.chosen):
                self._ensure_runner()
            result = grade_submission(self.folder, self.bank, public_only=self.public_only, runner=self.runner,
                                      quiz_worker=self.quiz_worker, only=targets, budget_seconds=self.budget_seconds)
            regraded, problems = result.exercises, result.problems
            self.results.update({r.exercise_id: r for r in regraded})
            self.regrades += 0 if first else 1
        else:
            problems = tuple(read_submission(self.folder, self.quizzes).problems)
        whole = SubmissionResult(
            student_id=self._seen.student_id or "", submission=str(self.folder),
            exercises=tuple(self.results[e.id] for e in self.chosen if e.id in self.results),
            problems=problems, protections=self.runner.protections if self.runner else (),
            public_only=self.public_only, duration=time.perf_counter() - started)
        return Regrade(changed, regraded, whole, time.perf_counter() - started, tuple(notes), first)

    # -- what a change touches ------------------------------------------------------------

    def _split(self, changed: Iterable[Path | str]) -> tuple[set[str], set[str]]:
        """The submission's file names among `changed`, and the bank's files."""
        folder = self.folder.resolve()
        bank_roots = [self.bank_dir.resolve(), self.solutions_dir.resolve()]
        names, bank = set(), set()
        for raw in changed:
            path = Path(raw)
            path = self.folder / path if not path.is_absolute() else path
            # the folder resolved, never the file: a conv.py swapped for a link into the bank is the
            # student's conv.py (refused when read, as `check` refuses it), not an edit of the bank
            path = path.parent.resolve(strict=False) / path.name
            if path.parent == folder:
                if not ignored(path.name) and (path.name in (ANSWERS, STUDENT) or path.suffix in (".py", ".ipynb")):
                    names.add(path.name)  # nothing else of the folder is graded
                continue
            for root in bank_roots:
                if path.is_relative_to(root):
                    relative = path.relative_to(root).parts
                    if relative and not any(ignored(part) for part in relative):
                        bank.add(str(path))
                    break
        return names, bank

    def _bank_changed(self, notes: list[str]) -> bool:
        """Load the bank again when its version changed; False (with a note) when it no longer loads."""
        try:
            bank = load_bank(self.bank_dir)
            version = bank_hash(self.bank_dir, bank, self.solutions_dir)
        except (SpecErrors, GraderError, OSError) as error:
            notes.append(_("bank changed and does not load: {reason}; still grading with the bank as it was").format(
                reason=_first_line(error)))
            return False
        if version == self.version:
            return False
        old = (self.bank, self.chosen, self.version, self.runner)
        try:
            self.version = version
            self.bank, self.chosen = self._choose(bank)
            if self.runner is not None:  # its cached references and checks are the old bank's
                from grader.checking.codegrade import CodeGrader

                self.runner = CodeGrader(sandbox=self._sandbox)
        except (SpecErrors, GraderError) as error:
            self.bank, self.chosen, self.version, self.runner = old
            notes.append(_("bank changed: {reason}; still grading with the bank as it was").format(reason=_first_line(error)))
            return False
        self.results = {k: v for k, v in self.results.items() if k in {e.id for e in self.chosen}}
        notes.append(_("bank changed: reloaded it, regrading everything"))
        return True

    def _touched(self, names: set[str], submission, notes: list[str]) -> set[str]:
        """The ids of the watched exercises that the changed file `names` touch."""
        chosen = {e.id: e for e in self.chosen}
        if STUDENT in names or submission.student_id != self._seen.student_id:
            return set(chosen)
        targets: set[str] = set()
        if ANSWERS in names:
            if submission.answers_unreadable:
                notes.append(_(KEPT_ANSWERS).format(file=ANSWERS))
            else:
                targets |= {i for i, e in chosen.items() if isinstance(e, QuizExercise)
                            and submission.answers.get(i) != self._seen.answers.get(i)}
        modules = set()
        for name in names:
            if name.endswith(".py"):
                modules.add(name)
            elif name.endswith(".ipynb"):
                modules |= self._seen.notebook_files.get(name, set()) | self._notebook_files(name)
        if modules:
            code = [e for e in chosen.values() if isinstance(e, CodeExercise)]
            for exercise in code:
                if exercise.file in modules or self._imports(exercise.file) & {m.removesuffix(".py") for m in modules}:
                    targets.add(exercise.id)
        return targets

    def _notebook_files(self, notebook: str) -> set[str]:
        """The .py files `notebook` provides now (its own one when it cannot be read)."""
        from grader.submissions.notebook_cells import target_of
        from grader.submissions.notebooks import own_file, read_cells

        own = own_file(notebook)
        if not present(self.folder, notebook):
            return set()
        try:
            cells = read_cells(self.folder, notebook)
        except UnreadableFile:
            return {own} - {None}
        return ({target_of(c.source, own) for c in cells} | {own}) - {None}

    def _module_source(self, file: str) -> str:
        try:
            if present(self.folder, file):
                return read_text(self.folder, file, what=_("a source file"))
            from grader.submissions.notebooks import module_from_notebooks

            extracted = module_from_notebooks(self.folder, file)
            return extracted.source if extracted is not None and not extracted.error else ""
        except (UnreadableFile, OSError):
            return ""

    def _imports(self, file: str) -> set[str]:
        """The folder's modules (names without .py) that `file` imports, directly or through one another."""
        from grader.submissions.notebooks import provided_files

        local = {n.removesuffix(".py") for n in python_files(self.folder)}
        try:
            local |= {n.removesuffix(".py") for n in provided_files(self.folder)}
        except (UnreadableFile, OSError):
            pass
        found: set[str] = set()
        todo = [file]
        while todo:
            for module in imported_modules(self._module_source(todo.pop())) & local:
                if module not in found and module != file.removesuffix(".py"):
                    found.add(module)
                    todo.append(module + ".py")
        return found

    def _remember(self, submission, keep_answers: bool = False) -> None:
        from grader.submissions.notebooks import notebooks

        self._seen.student_id = submission.student_id
        if not keep_answers:
            self._seen.answers = dict(submission.answers)
        try:
            names = notebooks(self.folder)
        except OSError:
            names = []
        self._seen.notebook_files = {n: self._notebook_files(n) for n in names}


# -- watching the files -------------------------------------------------------------------


def watchfiles_available() -> bool:
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        return False
    return True


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(mtime, size, inode) of every entry directly in `folder` that is not ignored."""
    found = {}
    try:
        with os.scandir(folder) as listing:
            for entry in listing:
                if ignored(entry.name):
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                found[entry.path] = (info.st_mtime_ns, info.st_size, info.st_ino)
    except OSError:
        pass
    return found


def _bank_snapshot(folders: Sequence[Path]) -> dict[str, tuple[int, int, int]]:
    found = {}
    for folder in folders:
        try:
            paths = instructor_files(folder)
        except OSError:
            continue
        for path in paths:
            try:
                info = path.stat()
            except OSError:
                continue
            found[str(path)] = (info.st_mtime_ns, info.st_size, info.st_ino)
    return found


def _differ(old: dict, new: dict) -> set[str]:
    return {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)}


def poll_changes(folder: Path, bank_folders: Sequence[Path] = (), stop: threading.Event | None = None,
                 interval: float = POLL_SECONDS) -> Iterator[set[str]]:
    """Sets of changed paths, one per burst of saves, found by stat'ing `folder`'s entries every
    `interval` seconds (the bank's files every BANK_POLL_EVERY polls). Ends when `stop` is set.
    The first set is empty, said once watching has begun (see `watch`)."""
    stop = stop or threading.Event()
    seen = _snapshot(folder)
    bank_seen = _bank_snapshot(bank_folders)
    yield set()
    polls = 0
    while not stop.wait(interval):
        polls += 1
        now = _snapshot(folder)
        changed = _differ(seen, now)
        if bank_folders and polls % BANK_POLL_EVERY == 0:
            bank_now = _bank_snapshot(bank_folders)
            changed |= _differ(bank_seen, bank_now)
            bank_seen = bank_now
        if not changed:
            continue
        began = time.monotonic()
        while time.monotonic() - began < MAX_DEBOUNCE_SECONDS and not stop.wait(SETTLE_SECONDS):
            later = _snapshot(folder)
            more = _differ(now, later)
            now = later
            if not more:
                break
            changed |= more
        seen = now
        yield changed


def watchfiles_changes(folder: Path, bank_folders: Sequence[Path] = (),
                       stop: threading.Event | None = None) -> Iterator[set[str]]:
    """Sets of changed paths from `watchfiles`, a burst of saves grouped into one set. The first
    comes once watching has begun (empty when nothing changed yet: see `watch`); after it, an empty
    set each time nothing changed for STARTED_MS, so that the caller looks again whether the folder
    itself is still there: the deletion of the watched folder is not always reported."""
    import watchfiles

    def wanted(_change, path: str) -> bool:
        return not any(ignored(part) for part in Path(path).parts[1:])

    roots = [str(folder)] + [str(f) for f in bank_folders if Path(f).is_dir()]
    for changes in watchfiles.watch(*roots, watch_filter=wanted, step=int(SETTLE_SECONDS * 1000),
                                    debounce=int(MAX_DEBOUNCE_SECONDS * 1000), stop_event=stop,
                                    raise_interrupt=True, yield_on_timeout=True, rust_timeout=STARTED_MS):
        yield {path for _change, path in changes}


def change_source(folder: Path, bank_folders: Sequence[Path] = (), *, poll: bool = False,
                  stop: threading.Event | None = None) -> tuple[str, Iterator[set[str]]]:
    """How saves are watched (said in words) and the sets of changed paths."""
    if not poll and watchfiles_available():
        return "watchfiles", watchfiles_changes(folder, bank_folders, stop)
    how = (_("polling every {seconds:g} s (--poll)") if poll else
           _("polling every {seconds:g} s (watchfiles is not installed: {hint})")).format(seconds=POLL_SECONDS, hint=_(INSTALL_HINT))
    return how, poll_changes(folder, bank_folders, stop)


# -- the report ---------------------------------------------------------------------------


def _first_line(text: object) -> str:
    line = str(text).strip().split("\n", 1)[0]
    return line if len(line) <= MESSAGE_CHARS else line[:MESSAGE_CHARS - 3] + "..."


def _points(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


def exercise_line(result: ExerciseResult) -> str:
    """One line (rich markup): id, score/max, and the failing items with their messages."""
    mark = "[green]✔[/green]" if result.passed else "[red]✘[/red]"
    failing = [i for i in result.items if not i.status.counts_as_pass]
    line = f"{mark} {for_terminal(result.exercise_id)}  {_points(result.score)}/{_points(result.max_score)}"
    if failing:
        grouped: dict[str, list[str]] = {}  # items failing for one reason (a file that does not import) share it
        for item in failing:
            message = item.message or item.status.word
            if item.status == Status.PARTIAL:
                said = {"score": _points(item.score), "max_score": _points(item.max_score), "message": item.message}
                message = (_("partly right ({score}/{max_score}): {message}") if item.message
                           else _("partly right ({score}/{max_score})")).format(**said)
            if item.answer is not None:
                message = _("{message} (you wrote {answer})").format(message=message, answer=item.answer)
            grouped.setdefault(_first_line(message), []).append(item.item_id)
        line += "  " + "; ".join(f"{for_terminal(', '.join(ids))}: {for_terminal(message)}" for message, ids in grouped.items())
    elif result.message:
        line += f"  {for_terminal(_first_line(result.message))}"
    return line


def report_lines(regrade: Regrade) -> list[str]:
    """What the terminal shows for one grading (rich markup; every student text cleaned)."""
    lines = []
    stamp = time.strftime("%H:%M:%S")
    if regrade.first:
        lines.append(_("[{time}] graded {count} exercise(s)").format(time=stamp, count=len(regrade.regraded)))
    elif regrade.changed:
        shown = listed(for_terminal(Path(c).name) for c in regrade.changed[:6])
        if len(regrade.changed) > 6:
            lines.append(_("[{time}] changed: {files} and {more} more").format(time=stamp, files=shown,
                                                                               more=len(regrade.changed) - 6))
        else:
            lines.append(_("[{time}] changed: {files}").format(time=stamp, files=shown))
    lines += [f"  {for_terminal(note)}" for note in regrade.notes]
    lines += ["  " + _("[yellow]problem:[/yellow] {problem}").format(problem=for_terminal(_first_line(p)))
              for p in regrade.result.problems]
    if not regrade.regraded and not regrade.first:
        lines.append("  " + _("nothing to regrade"))
    lines += [f"  {exercise_line(r)}" for r in regrade.regraded]
    total, best = regrade.result.score, regrade.result.max_score
    said = {"score": _points(total), "max_score": _points(best), "percent": f"{100 * total / best:.0f}" if best else "",
            "watched": len(regrade.result.exercises), "count": len(regrade.regraded), "seconds": regrade.seconds}
    if regrade.first:
        total_line = (_("total {score}/{max_score} ({percent}%) over {watched} exercise(s); graded {count} in "
                        "{seconds:.2f} s") if best else
                      _("total {score}/{max_score} over {watched} exercise(s); graded {count} in {seconds:.2f} s"))
    else:
        total_line = (_("total {score}/{max_score} ({percent}%) over {watched} exercise(s); regraded {count} in "
                        "{seconds:.2f} s") if best else
                      _("total {score}/{max_score} over {watched} exercise(s); regraded {count} in {seconds:.2f} s"))
    lines.append(total_line.format(**said))
    return lines


def folder_identity(folder: Path) -> tuple[int, int] | None:
    """(device, inode) of `folder`, or None while it is not there as a folder: a folder deleted
    and made again (git checkout, some editors) is another folder, which watchfiles does not watch."""
    try:
        info = os.stat(folder)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def wait_for_folder(folder: Path, stop: threading.Event, interval: float = POLL_SECONDS) -> bool:
    """Wait until `folder` is there again and its entries have settled (a checkout writes its files
    one by one); False when `stop` is set first."""
    while folder_identity(folder) is None:
        if stop.wait(interval):
            return False
    began, seen = time.monotonic(), _snapshot(folder)
    while time.monotonic() - began < MAX_DEBOUNCE_SECONDS:
        if stop.wait(SETTLE_SECONDS * 2):
            return False
        now = _snapshot(folder)
        if now == seen:
            break
        seen = now
    return True


def watch(watcher: Watcher, say: Callable[[str], None], *, poll: bool = False,
          stop: threading.Event | None = None, on_ready: Callable[[str], None] | None = None) -> None:
    """Grade once, then again on every burst of saves until `stop` is set (or Ctrl-C, which
    propagates as KeyboardInterrupt for the caller to end quietly). `say` prints one line.

    A folder that vanishes (deleted, moved, or deleted and made again) is waited for; once it is
    back, saves are watched in it and everything is graded again."""
    stop = stop or threading.Event()
    shown = for_terminal(str(watcher.folder))
    how, changes = change_source(watcher.folder, [watcher.bank_dir, watcher.solutions_dir], poll=poll, stop=stop)
    say(_("watching {folder} with {how}; Ctrl-C to stop").format(folder=shown, how=how))
    watcher.start_sandbox()
    watched = folder_identity(watcher.folder)
    while True:
        seen = _graded_whole(watcher, say)
        if seen is not None and on_ready is not None:
            on_ready(how)
            on_ready = None
        if seen is not None and _follow(watcher, changes, watched, seen, say):
            return  # stopped
        changes.close()
        if folder_identity(watcher.folder) is None:
            say(_("{folder} is gone (deleted or moved); waiting for it to come back").format(folder=shown))
            if not wait_for_folder(watcher.folder, stop):
                return
        say(_("{folder} is a new folder now: watching it, grading everything again").format(folder=shown))
        watched = folder_identity(watcher.folder)
        how, changes = change_source(watcher.folder, [watcher.bank_dir, watcher.solutions_dir], poll=poll, stop=stop)


def _vanished(watcher: Watcher, error: OSError) -> None:
    """An error reading the folder is its vanishing (deleted under the grading), else raised again."""
    if folder_identity(watcher.folder) is not None:
        raise error


def _graded_whole(watcher: Watcher, say: Callable[[str], None]) -> dict | None:
    """Grade everything, then what was saved meanwhile, and show it; what the folder held at the
    end, or None when it vanished under the grading."""
    try:
        before = _snapshot(watcher.folder)
        _show(watcher.start(), say)
        after = _snapshot(watcher.folder)
        if _differ(before, after):
            _show(watcher.regrade(_differ(before, after)), say)
        return after
    except OSError as error:
        _vanished(watcher, error)
        return None


def _follow(watcher: Watcher, changes: Iterator[set[str]], watched, seen: dict, say: Callable[[str], None]) -> bool:
    """Regrade on every burst of saves: True once the changes end (stopped), False when the folder
    vanished or was made again. `seen`: the folder as last graded; the saves between then and the
    first set of changes (when watching began) count in that set."""
    folder = os.path.abspath(watcher.folder)
    first = True
    for changed in changes:
        if first:
            changed, first = set(changed) | _differ(seen, _snapshot(watcher.folder)), False
        if folder in {os.path.abspath(path) for path in changed}:
            return False  # the folder itself was deleted (made again at once, it may even have its inode)
        if folder_identity(watcher.folder) != watched:
            return False
        if changed:
            try:
                _show(watcher.regrade(changed), say)
            except OSError as error:
                _vanished(watcher, error)
                return False
        if folder_identity(watcher.folder) != watched:
            return False
    return True


def _show(regrade: Regrade | None, say: Callable[[str], None]) -> None:
    if regrade is not None:
        for line in report_lines(regrade):
            say(line)
