"""The class report: how a whole class did, from the gradebook's current gradings.

Every student with their total and per-exercise scores, each linked to their own report
(written into a folder beside the class report); the submissions graded with problems
(import failure, not submitted, time or memory limit, budget) and those that could not be
graded; the instructor's overrides; score distributions, overall and per exercise; item
analysis (pass rate as difficulty, hardest first, and the corrected item-total
correlation as discrimination), drawn as a map too; the most common wrong quiz answers
with the feedback rule they matched. Numbers are computed here (pictures in
grader.classroom.plots); templates/classreport.html.j2 only lays them out.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.classroom.gradebook import FEEDBACK_RULES, Entry
from grader.classroom.plots import (PLOT_HEIGHT, PLOT_WIDTH, WEAK_DISCRIMINATION, Bar, DistributionRow, Dot,
                                    distribution_rows, histogram, item_map, plot_y)
from grader.classroom.troubles import Trouble, troubles
from grader.judge.typed import fold
from grader.reports.render import render, render_page
from grader.reports.results import Override, Status
from grader.submissions.reading import valid_id

TEMPLATE = "classreport.html.j2"


@dataclass(frozen=True)
class Stat:
    """An exercise or an item: how many took it, how many passed, the mean score."""

    name: str
    title: str
    kind: str  # quiz | code for exercises; question | check for items
    taken: int
    passed: int
    mean: float
    max_score: float
    discrimination: float | None = None

    @property
    def pass_rate(self) -> float:
        return self.passed / self.taken if self.taken else 0.0


@dataclass(frozen=True)
class WrongAnswer:
    name: str  # <exercise-id>/<question-id>
    rule: str  # the feedback rule's message, or "" when no rule matched
    count: int
    examples: tuple[tuple[str, int], ...]  # the commonest answers given, with their counts


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 3 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return statistics.correlation(xs, ys)


def exercise_stats(results) -> list[Stat]:
    by_id = defaultdict(list)
    for result in results:
        for exercise in result.exercises:
            by_id[exercise.exercise_id].append(exercise)
    stats = [Stat(i, runs[0].title, runs[0].kind, len(runs), sum(e.passed for e in runs),
                  statistics.fmean(e.score for e in runs), max(e.max_score for e in runs)) for i, runs in by_id.items()]
    return sorted(stats, key=lambda s: (s.pass_rate, s.mean / s.max_score if s.max_score else 0, s.name))


def item_stats(results) -> list[Stat]:
    rows = defaultdict(list)  # item name -> (item, the student's total)
    kinds = {e.exercise_id: e.kind for result in results for e in result.exercises}
    for result in results:
        for item in result.items:
            if item.status is not Status.SKIPPED:
                rows[item.name].append((item, result.score))
    stats = []
    for name, taken in rows.items():
        first = taken[0][0]
        passes = [1.0 if item.status.counts_as_pass else 0.0 for item, _ in taken]
        rest = [total - item.score for item, total in taken]
        kind = "question" if kinds[first.exercise_id] == "quiz" else "check"
        stats.append(Stat(name, first.title, kind, len(taken), int(sum(passes)),
                          statistics.fmean(item.score for item, _ in taken), first.max_score, _correlation(passes, rest)))
    return sorted(stats, key=lambda s: (s.pass_rate, s.name))


def wrong_answers(results, limit: int = 20) -> list[WrongAnswer]:
    groups: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for result in results:
        rules = result.extra.get(FEEDBACK_RULES, {})
        for item in result.items:
            if item.answer is not None and item.status in (Status.FAILED, Status.PARTIAL, Status.ERROR):
                # as read, not as typed: ２３５３ is 2353 (grader.judge.typed), one answer however it was typed
                groups[(item.name, rules.get(item.name, ""))][" ".join(fold(item.answer).split())] += 1
    found = [WrongAnswer(name, rule, sum(c.values()), tuple(c.most_common(3))) for (name, rule), c in groups.items()]
    return sorted(found, key=lambda w: (-w.count, w.name, w.rule))[:limit]


@dataclass(frozen=True)
class StudentRow:
    """One line of the student table: scores by exercise id, and where their own report is."""

    student_id: str
    link: str  # the student's report, relative to the class report ("" when none was written)
    status: str  # graded | failed
    score: float | None
    max_score: float | None
    scores: dict[str, tuple[float, float]]  # exercise id -> (score, max)
    overridden: frozenset[str]  # exercise ids with an override on them or on one of their items
    troubles: int
    message: str = ""  # why grading failed

    @property
    def percent(self) -> float | None:
        return 100 * self.score / self.max_score if self.max_score else (0.0 if self.score is not None else None)


@dataclass(frozen=True)
class OverrideRow:
    student_id: str
    link: str
    target: str
    max_score: float
    override: Override


@dataclass(frozen=True)
class ClassReport:
    generated: str
    students: int
    graded: int
    mean: float | None  # percent
    median: float | None
    bars: list[Bar]
    exercises: list[Stat]
    items: list[Stat]
    wrong_answers: list[WrongAnswer]
    failures: list[Entry]
    problems: list[tuple[str, tuple[str, ...]]]  # graded, but with submission-level problems
    columns: list[str] = ()  # exercise ids, bank order
    rows: list[StudentRow] = ()
    troubles: list[tuple[Trouble, str]] = ()  # each with the student's report link
    overrides: list[OverrideRow] = ()
    distribution: list[DistributionRow] = ()
    dots: list[Dot] = ()
    weak_line: float = plot_y(WEAK_DISCRIMINATION)
    zero_line: float = plot_y(0.0)
    plot_width: float = PLOT_WIDTH
    plot_height: float = PLOT_HEIGHT


def student_pages(entries: Sequence[Entry], folder_name: str) -> dict[str, str]:
    """Student id -> the file name of their report in the folder beside the class report.

    An id that is a safe file name is the name; any other (an old gradebook's '../x') is
    numbered (_3), so no report is ever written outside that folder."""
    names = {}
    for number, entry in enumerate(entries, start=1):
        if entry.result is not None:
            stem = entry.student_id if valid_id(entry.student_id) else f"_{number}"  # no valid id starts with _
            names[entry.student_id] = f"{folder_name}/{stem}.html"
    return names


def build(entries: Sequence[Entry], links: dict[str, str] | None = None) -> ClassReport:
    """The report's numbers; `links`: student id -> their report's path (see `student_pages`)."""
    links = links or {}
    results = [e.result for e in entries if e.result is not None]
    percents = [100 * r.score / r.max_score if r.max_score else 0.0 for r in results]
    columns = list({e.exercise_id: None for r in results for e in r.exercises})
    found = [(t, links.get(r.student_id, "")) for r in results for t in troubles(r)]
    exercises = exercise_stats(results)
    items = item_stats(results)
    by_exercise = {s.name: (s.title, [100 * e.score / e.max_score if e.max_score else 0.0
                                      for r in results for e in r.exercises if e.exercise_id == s.name])
                   for s in exercises}
    return ClassReport(
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), students=len(entries), graded=len(results),
        mean=statistics.fmean(percents) if percents else None, median=statistics.median(percents) if percents else None,
        bars=histogram(percents), exercises=exercises, items=items,
        wrong_answers=wrong_answers(results), failures=[e for e in entries if e.result is None],
        problems=[(r.student_id, r.problems) for r in results if r.problems],
        columns=columns, rows=[_row(e, links, found) for e in entries], troubles=found,
        overrides=[OverrideRow(r.student_id, links.get(r.student_id, ""), target, _maximum(r, target), o)
                   for r in results for target, o in r.overrides],
        distribution=distribution_rows(by_exercise), dots=item_map(items))


def _row(entry: Entry, links: dict[str, str], found: list[tuple[Trouble, str]]) -> StudentRow:
    result = entry.result
    if result is None:
        return StudentRow(entry.student_id, "", entry.status, None, None, {}, frozenset(), 0, entry.message)
    overridden = frozenset(target.split("/")[0] for target, _ in result.overrides)
    return StudentRow(entry.student_id, links.get(entry.student_id, ""), entry.status, result.score, result.max_score,
                      {e.exercise_id: (e.score, e.max_score) for e in result.exercises}, overridden,
                      sum(1 for t, _ in found if t.student_id == entry.student_id))


def _maximum(result, target: str) -> float:
    exercise_id, _, item_id = target.partition("/")
    exercise = next(e for e in result.exercises if e.exercise_id == exercise_id)
    return next(i.max_score for i in exercise.items if i.item_id == item_id) if item_id else exercise.max_score


def students_folder(path: Path) -> Path:
    """Where the students' own reports go: `class-students/` beside `class.html`."""
    return Path(path).parent / f"{Path(path).stem}-students"


def write_class_report(entries: Sequence[Entry], path: Path, overrides: Path | None = None) -> ClassReport:
    """Render the class report of `entries` to `path` as one self-contained HTML page, and each
    graded student's own report into `<path stem>-students/` beside it (same templates)."""
    path = Path(path)
    links = student_pages(entries, students_folder(path).name)
    if links:
        students_folder(path).mkdir(exist_ok=True)
    for entry in entries:
        if entry.student_id in links:
            (path.parent / links[entry.student_id]).write_text(render(entry.result, "html", overrides), encoding="utf-8")
    report = build(entries, links)
    path.write_text(render_page(TEMPLATE, overrides, c=report), encoding="utf-8")
    return report
