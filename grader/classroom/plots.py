"""The class report's pictures as geometry: inline SVG drawn by the template, nothing fetched.

- the total-score histogram (`histogram`);
- one row of bins per exercise: how the class spread over its score (`distribution_rows`);
- items placed by difficulty (pass rate) against discrimination (`item_map`): the lower
  right holds items everyone passes, the band near zero those that do not tell strong work
  from weak, the ones worth a look.

Coordinates are computed here so the template only lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BINS = 10
WEAK_DISCRIMINATION = 0.2  # below it an item separates strong from weak work poorly (a common rule of thumb)


@dataclass(frozen=True)
class Bar:
    """One bin of a histogram, with its place in the SVG."""

    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


def _bin(percent: float) -> int:
    return min(BINS - 1, max(0, int(percent // (100 / BINS))))


def _label(i: int) -> str:
    return f"{i * 100 // BINS}–{(i + 1) * 100 // BINS}%"


def histogram(percents: Sequence[float], width: float = 600, height: float = 180) -> list[Bar]:
    counts = [0] * BINS
    for value in percents:
        counts[_bin(value)] += 1
    top, step = max(counts, default=0) or 1, width / BINS
    return [Bar(_label(i), n, i * step + 2, height - n / top * height, step - 4, n / top * height)
            for i, n in enumerate(counts)]


@dataclass(frozen=True)
class DistributionRow:
    """One exercise's row: its bins, its place, and its mean in percent."""

    name: str
    title: str
    y: float
    bars: tuple[Bar, ...]
    mean: float
    taken: int


ROW_HEIGHT, ROW_BAR, LABEL_WIDTH, BIN_WIDTH = 40, 30, 190, 40


def distribution_rows(scores: dict[str, tuple[str, list[float]]]) -> list[DistributionRow]:
    """`scores`: exercise id -> (title, every student's percent on it), in the order to draw."""
    rows = []
    for index, (name, (title, percents)) in enumerate(scores.items()):
        counts = [0] * BINS
        for value in percents:
            counts[_bin(value)] += 1
        top, base = max(counts) or 1, index * ROW_HEIGHT + ROW_BAR + 4
        bars = tuple(Bar(_label(i), n, LABEL_WIDTH + i * BIN_WIDTH + 1, base - n / top * ROW_BAR, BIN_WIDTH - 2,
                         n / top * ROW_BAR) for i, n in enumerate(counts))
        rows.append(DistributionRow(name, title, base, bars, sum(percents) / len(percents) if percents else 0.0,
                                    len(percents)))
    return rows


@dataclass(frozen=True)
class Dot:
    name: str
    kind: str  # question | check
    x: float
    y: float
    pass_rate: float
    discrimination: float
    weak: bool


PLOT_WIDTH, PLOT_HEIGHT = 520, 260


def item_map(items) -> list[Dot]:
    """A dot per item with a discrimination (`Stat`s of grader.classroom.class_report)."""
    return [Dot(s.name, s.kind, s.pass_rate * PLOT_WIDTH, (1 - (s.discrimination + 1) / 2) * PLOT_HEIGHT,
                s.pass_rate, s.discrimination, s.discrimination < WEAK_DISCRIMINATION)
            for s in items if s.discrimination is not None]


def plot_y(discrimination: float) -> float:
    """Where a discrimination value sits on the item map (for its grid lines)."""
    return (1 - (discrimination + 1) / 2) * PLOT_HEIGHT
