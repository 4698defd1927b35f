"""Rendering a SubmissionResult through Jinja templates: terminal, HTML, Markdown, JSON.

A course may override any template by putting a file of the same name in its own
templates folder; the bundled ones fill in the rest. Every value a template prints goes
through its format's function in untrusted_text (Jinja's `finalize`, then autoescape for
HTML; JSON strings after rendering), so an override template is as safe as ours.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
from markupsafe import Markup
from rich.console import Console

from grader.bank.resources import bundled
from grader.i18n import language, listed, translations
from grader.reports.results import Status, SubmissionResult
from grader.reports.untrusted_text import clean, for_html, for_json, for_markdown, for_terminal

TEMPLATES = {"terminal": "terminal.txt.j2", "html": "report.html.j2", "md": "report.md.j2", "json": "results.json.j2"}
_NEUTRALISE = {"terminal": for_terminal, "html": for_html, "md": for_markdown}
_MARKS = {
    Status.PASSED: "✔", Status.PARTIAL: "◐", Status.FAILED: "✘",
    Status.ERROR: "!", Status.NOT_SUBMITTED: "–", Status.SKIPPED: "○",
}
_COLOURS = {
    Status.PASSED: "green", Status.PARTIAL: "yellow", Status.FAILED: "red",
    Status.ERROR: "red", Status.NOT_SUBMITTED: "dim", Status.SKIPPED: "dim",
}


def points(value: float) -> str:
    """2.0 -> '2', 1.5 -> '1.5', 0.3333 -> '0.33'."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def percent(result: SubmissionResult) -> str:
    return f"{100 * result.score / result.max_score:.0f}%" if result.max_score else "0%"


def _environment(fmt: str, overrides: Path | None) -> jinja2.Environment:
    loaders = [jinja2.FileSystemLoader(str(overrides))] if overrides else []
    loaders.append(jinja2.FileSystemLoader(str(bundled("templates"))))
    options = {"autoescape": fmt == "html", "undefined": jinja2.StrictUndefined, "trim_blocks": False}
    if fmt in _NEUTRALISE:
        neutralise = _NEUTRALISE[fmt]  # Markup is the template's own HTML (`| safe`), not a value
        options["finalize"] = lambda v: neutralise(v) if isinstance(v, str) and not isinstance(v, Markup) else v
    environment = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), extensions=["jinja2.ext.i18n"], **options)
    # {{ _("hint: %(hint)s", hint=item.hint | clean) }}: the sentence is translated whole; a value
    # put into it is cleaned here and escaped (HTML) or neutralised with the sentence (finalize)
    environment.install_gettext_translations(translations(), newstyle=True)
    environment.globals["lang"] = language()
    environment.filters.update(points=points, percent=percent, md=for_markdown, clean=clean, listed=listed,
                               mark=lambda s: _MARKS[s], colour=lambda s: _COLOURS[s])
    return environment


def render(result: SubmissionResult, fmt: str, overrides: Path | None = None) -> str:
    """The report of `result` in `fmt` (one of TEMPLATES)."""
    text = _environment(fmt, overrides).get_template(TEMPLATES[fmt]).render(r=result)
    if fmt == "json":  # normalise, prove the template produced valid JSON, clean every string
        text = json.dumps(for_json(json.loads(text)), indent=2, ensure_ascii=False)
    return text.rstrip("\n") + "\n"


def render_page(template: str, overrides: Path | None = None, **context) -> str:
    """Another HTML template (e.g. the class report) with the same environment and filters."""
    return _environment("html", overrides).get_template(template).render(**context).rstrip("\n") + "\n"


def print_terminal(result: SubmissionResult, console: Console, overrides: Path | None = None) -> None:
    console.print(render(result, "terminal", overrides), highlight=False, soft_wrap=True, emoji=False)


def write_report(result: SubmissionResult, fmt: str, path: Path, overrides: Path | None = None) -> None:
    Path(path).write_text(render(result, fmt, overrides), encoding="utf-8")
