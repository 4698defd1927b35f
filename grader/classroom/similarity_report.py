"""The findings of `grader similarity` as JSON, and as HTML: an index of the ranked pairs
per file, and one page per pair with the two files side by side, the shared lines marked.

Student ids and code are the students' words: the HTML environment escapes and neutralises
every value (grader.reports.untrusted_text), and pair pages are named by rank, not by id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.fingerprints import NOISE, WINDOW
from grader.classroom.similarity import Findings, Pair
from grader.reports.render import render_page
from grader.reports.untrusted_text import for_json

INDEX_TEMPLATE = "similarity.html.j2"
PAIR_TEMPLATE = "similarity_pair.html.j2"


def top_pairs(findings: Findings, top: int) -> dict[str, list[Pair]]:
    return {file: pairs[:top] for file, pairs in findings.pairs.items()}


def as_data(findings: Findings, top: int, common: int) -> dict:
    """The findings as plain data: settings, every file's best `top` pairs, what was skipped."""
    return {
        "submissions": findings.submissions,
        "settings": {"noise_tokens": NOISE, "guarantee_tokens": NOISE + WINDOW - 1, "common": common, "top": top},
        "files": {file: [{"a": p.a, "b": p.b, "similarity": p.similarity, "shared_fingerprints": p.shared,
                          "a_lines": [list(r) for r in p.a_lines], "b_lines": [list(r) for r in p.b_lines]}
                         for p in pairs] for file, pairs in top_pairs(findings, top).items()},
        "skipped": findings.skipped,
    }


def write_json(findings: Findings, path: Path, top: int, common: int) -> None:
    text = json.dumps(for_json(as_data(findings, top, common)), indent=2, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    shared: bool


def _lines(lines: list[str], shared: list[tuple[int, int]]) -> list[Line]:
    marked = {n for first, last in shared for n in range(first, last + 1)}
    return [Line(n, text, n in marked) for n, text in enumerate(lines, start=1)]


def pages_folder(path: Path) -> Path:
    """Where the pair pages of the index `path` go: a folder beside it (`similarity.html` -> `similarity-pairs/`)."""
    return Path(path).with_name(Path(path).stem + "-pairs")


def write_html(findings: Findings, path: Path, top: int, common: int) -> int:
    """The index page at `path` and one page per listed pair beside it; returns how many pair pages."""
    folder = pages_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    listed = top_pairs(findings, top)
    rows: dict[str, list[tuple[Pair, str]]] = {}
    count = 0
    for file, pairs in listed.items():
        for pair in pairs:
            count += 1
            page = f"pair-{count:05d}.html"
            a = findings.documents[(pair.a, file)]
            b = findings.documents[(pair.b, file)]
            html = render_page(PAIR_TEMPLATE, pair=pair, index=f"../{Path(path).name}",
                               a_lines=_lines(a.lines, pair.a_lines), b_lines=_lines(b.lines, pair.b_lines))
            (folder / page).write_text(html, encoding="utf-8")
            rows.setdefault(file, []).append((pair, f"{folder.name}/{page}"))
    html = render_page(INDEX_TEMPLATE, rows=rows, files=sorted(findings.pairs), submissions=findings.submissions,
                       skipped=findings.skipped, common=common, guarantee=NOISE + WINDOW - 1, top=top)
    Path(path).write_text(html, encoding="utf-8")
    return count
