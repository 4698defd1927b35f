"""The class report: how a whole class did, from the gradebook's current gradings.

Score distribution, item analysis (pass rate as difficulty, hardest first, and the
corrected item-total correlation as discrimination), the most common wrong quiz answers
with the feedback rule they matched, and the submissions that could not be graded.
Numbers are computed here; templates/classreport.html.j2 only lays them out.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.classroom.gradebook import FEEDBACK_RULES, Entry
from grader.judge.typed import fold
from grader.reports.render import render_page
from grader.reports.results import Status

TEMPLATE = "classreport.html.j2"
BINS = 10


@dataclass(frozen=True)
class Bar:
    """One bin of the score histogram, with its place in the SVG."""

    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


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


def histogram(percents: Sequence[float], width: float = 600, height: float = 180) -> list[Bar]:
    counts = [0] * BINS
    for value in percents:
        counts[min(BINS - 1, max(0, int(value // (100 / BINS))))] += 1
    top, step = max(counts, default=0) or 1, width / BINS
    return [Bar(f"{i * 100 // BINS}–{(i + 1) * 100 // BINS}%", n, i * step + 2, height - n / top * height,
                step - 4, n / top * height) for i, n in enumerate(counts)]


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


def build(entries: Sequence[Entry]) -> ClassReport:
    results = [e.result for e in entries if e.result is not None]
    percents = [100 * r.score / r.max_score if r.max_score else 0.0 for r in results]
    return ClassReport(
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), students=len(entries), graded=len(results),
        mean=statistics.fmean(percents) if percents else None, median=statistics.median(percents) if percents else None,
        bars=histogram(percents), exercises=exercise_stats(results), items=item_stats(results),
        wrong_answers=wrong_answers(results), failures=[e for e in entries if e.result is None],
        problems=[(r.student_id, r.problems) for r in results if r.problems])


def write_class_report(entries: Sequence[Entry], path: Path, overrides: Path | None = None) -> ClassReport:
    """Render the class report of `entries` to `path` as one self-contained HTML page."""
    report = build(entries)
    Path(path).write_text(render_page(TEMPLATE, overrides, c=report), encoding="utf-8")
    return report
