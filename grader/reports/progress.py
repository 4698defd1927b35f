"""A progress bar on stderr for work over many exercises or submissions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from grader.i18n import _
from grader.reports.untrusted_text import for_terminal


@contextmanager
def exercise_progress(console: Console, total: int, label: str = "") -> Iterator[Callable[[str], None]]:
    """Yield `advance(name)`: call it as each item starts; the bar disappears when done."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    label = label or _("grading")
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        started = False

        def advance(name: str) -> None:
            nonlocal started
            progress.update(task, advance=1 if started else 0, description=_("{label} {name}").format(label=label, name=for_terminal(name)))
            started = True

        yield advance
        progress.update(task, completed=total)


@contextmanager
def count_progress(console: Console, total: int, label: str = "") -> Iterator[Callable[[str], None]]:
    """Yield `done(name)`: call it as each item finishes, in any order; the ETA follows the pace."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    label = label or _("grading")
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda name: progress.update(task, advance=1, description=_("{label} (last: {name})").format(label=label, name=for_terminal(name)))  # a student id
