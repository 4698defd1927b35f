"""Student text in reports and exports: no escape sequence, markup, link, forged line or formula gets through.

One hostile probe.py goes through `grader check` and the real sandbox; the rest are result
models holding hostile text where a student can put it (exception messages, echoed
answers, the student id, file names in problems), rendered in every format.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from classfolders import grader
from conftest import HERE
from grader.classroom.class_report import write_class_report
from grader.classroom.export import write_canvas, write_csv
from grader.classroom.gradebook import Gradebook
from grader.reports.render import print_terminal, render
from grader.reports.results import ExerciseResult, ItemResult, Status, SubmissionResult
from grader.reports.untrusted_text import CONTINUATION, MAX_CHARS, clean, for_spreadsheet

ESCAPES = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[H\x9b31m\u202e"  # clipboard write, clear, home, C1 CSI, bidi override
FORGED = "\n  ✔ probe  16/16\nTotal 16/16 (100%)"
MARKUP = "[red]x[/red] [link=javascript:alert(1)]y[/link] ![](http://tracker.example/p.png) [x](javascript:alert(1))"
HOSTILE = f"boom{ESCAPES}{FORGED} {MARKUP} <img src=x>"
# every control character a report may not carry: all C0 but newline and tab, DEL, C1, bidi controls
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
PROBE_SOURCE = f"def double(x):\n    raise RuntimeError({HOSTILE!r})\n"


def hostile_result(score: float = 0) -> SubmissionResult:
    quiz = ExerciseResult("layer-count", "Counting", "quiz", "cnn", (
        ItemResult("layer-count", "count", "count", score, 2, Status.FAILED, "not correct", answer=HOSTILE),
        ItemResult("layer-count", "ratio", "ratio", 0, 1, Status.ERROR, "could not read the answer: " + HOSTILE,
                   answer=HOSTILE),
    ))
    code = ExerciseResult("probe", "Probe", "code", "sandbox", (
        ItemResult("probe", "doubles", "doubles", 0, 1, Status.FAILED, "your code raised RuntimeError: " + HOSTILE,
                   device="cpu"),
    ), message=f"probe.py{ESCAPES}: import failed")
    return SubmissionResult(f"ada{ESCAPES}", f"subs/ada{ESCAPES}", (quiz, code),
                            problems=(f"answers.yaml: unknown exercise {HOSTILE!s}", f"odd\x1b[2Jname{FORGED}.py: not graded"))


def strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in strings(value)]
    return []


def terminal_bytes(result: SubmissionResult, colour: bool) -> str:
    """What reaches a TA's terminal: rich writing to a real terminal, with or without colours."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="truecolor" if colour else None, width=120)
    print_terminal(result, console)
    return buffer.getvalue()


def assert_terminal_safe(text: str) -> None:
    assert "\x1b" not in text and not CONTROL.search(text)
    assert "[red]x[/red]" in text and "[link=javascript:alert(1)]y[/link]" in text  # shown, not interpreted
    lines = text.splitlines()
    assert all(line.startswith(CONTINUATION) for line in lines if "16/16" in line)  # no forged report line
    assert [line for line in lines if line.startswith("Total")] == [next(l for l in lines if l.startswith("Total"))]
    assert lines.index(next(l for l in lines if l.startswith("Total"))) > max(i for i, l in enumerate(lines) if "16/16" in l)


def assert_markdown_inert(text: str) -> None:
    assert not CONTROL.search(text)
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<img" not in html and "<a " not in html and "<script" not in html  # nothing live of the student's
    assert "tracker.example" in html and "javascript:alert(1)" in html  # shown as text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows and all(row.count(" | ") == 3 for row in rows)  # nothing broke out of its table cell


def assert_html_inert(text: str) -> None:
    assert not CONTROL.search(text)
    assert "<img" not in text and "<script" not in text and "&lt;img src=x&gt;" in text
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*(javascript|http)""", text, re.I)


def assert_json_clean(text: str) -> None:
    data = json.loads(text)
    assert all(not CONTROL.search(s) for s in strings(data))
    assert any("\\x1b]52" in s for s in strings(data))  # what was tried is visible, not silently dropped


# --- through the real sandbox and the real CLI -------------------------------------------------


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """A hostile probe.py graded by `grader check` (real sandbox), with every report written."""
    root = tmp_path_factory.mktemp("injection")
    submission = root / "sub"
    submission.mkdir()
    (submission / "probe.py").write_text(PROBE_SOURCE)
    run = grader("check", submission, "--exercises", HERE / "sandbox_bank", "--md", root / "r.md",
                 "--json", root / "r.json", "--html", root / "r.html")
    assert run.returncode == 1, run.stderr
    return run, root


def test_hostile_exception_reaches_no_report_raw(checked):
    run, root = checked
    assert "your code raised RuntimeError: boom\\x1b]52;c;" in run.stdout  # the message is there, made visible
    assert_terminal_safe(run.stdout)
    assert_markdown_inert((root / "r.md").read_text())
    assert_html_inert((root / "r.html").read_text())
    assert_json_clean((root / "r.json").read_text())


# --- result models: every place a student's text can sit --------------------------------------


@pytest.mark.parametrize("colour", [False, True])
def test_terminal_gets_no_escape_sequence_markup_or_forged_line(colour):
    text = terminal_bytes(hostile_result(), colour)
    if colour:  # rich's own colours are SGR sequences; nothing else may be there
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert_terminal_safe(text)
    assert "(you wrote boom\\x1b]52" in text


def test_markdown_html_and_json_are_inert():
    result = hostile_result()
    assert_markdown_inert(render(result, "md"))
    assert_html_inert(render(result, "html"))
    assert_json_clean(render(result, "json"))


def test_values_are_capped_in_every_format():
    huge = ItemResult("probe", "doubles", "doubles", 0, 1, Status.FAILED, "x" * 1_000_000)
    result = SubmissionResult("ada", "sub", (ExerciseResult("probe", "Probe", "code", "t", (huge,)),))
    for fmt in ("terminal", "md", "html", "json"):
        assert len(render(result, fmt)) < 20_000
    assert clean("y" * (MAX_CHARS + 5)).endswith("… (5 more characters)")


def test_lone_surrogates_from_odd_file_names_do_not_crash_a_report():
    result = SubmissionResult("ada", "sub", (), problems=("caf\udce9.py: not UTF-8",))
    for fmt in ("terminal", "md", "html", "json"):
        assert "udce9.py" in render(result, fmt).encode("utf-8").decode()  # encodable, and shown


# --- exports and the class report, from a real gradebook ---------------------------------------


@pytest.fixture
def book(tmp_path):
    """A gradebook holding hostile ids and texts raw, as grading stored them."""
    path = tmp_path / "gb.sqlite"
    with Gradebook(path) as gradebook:
        run = gradebook.start_run("bank", tmp_path, tmp_path, 1, "test")
        for student in ("=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "\tq", "\rq", f"ada{ESCAPES}"):
            result = hostile_result(score=-1)
            gradebook.record(run, student, f"folder-{student}", "hash", "bank",
                             SubmissionResult(student, result.submission, result.exercises, result.problems))
        gradebook.record(run, "=failed()", "folder", "hash", "bank", None, failure=HOSTILE)
    with Gradebook(path, create=False) as gradebook:
        assert any(entry.student_id.startswith("\t") for entry in gradebook.current())  # the gradebook keeps it raw
        yield gradebook.current()


def test_csv_and_canvas_cells_are_never_formulas_and_scores_stay_numbers(book, tmp_path):
    write_csv(book, tmp_path / "grades.csv")
    write_canvas(book, tmp_path / "canvas.csv", "=Lab 1")
    for name, id_columns, score_columns in (("grades.csv", [0], [1, 2, 3]), ("canvas.csv", [0, 2, 3], [5])):
        raw = (tmp_path / name).read_text()
        assert not CONTROL.search(raw.replace("\r\n", "\n"))
        rows = list(csv.reader(io.StringIO(raw)))
        for row in rows[1:]:
            assert all(not row[i].startswith(("=", "+", "-", "@", "\t", "\r")) for i in id_columns)
            if row[0] != "Points Possible" and row[0] != "'=failed()":
                assert all(row[i] in ("-1", "0", "1", "2", "3") for i in score_columns), row  # numbers, unquoted
        assert rows[0][-1 if name == "canvas.csv" else 0] in ("'=Lab 1", "student")
    ids = [row[0] for row in csv.reader((tmp_path / "grades.csv").open())][1:]
    assert "'=HYPERLINK(\"http://x\")" in ids and "'-1" in ids and "'@SUM(A1)" in ids and "\\x09q" in ids


def test_spreadsheet_cells():
    assert [for_spreadsheet(v) for v in ("=1+1", "+1", "-1", "@x", "ok", "a\nb")] == ["'=1+1", "'+1", "'-1", "'@x", "ok", "a\\x0ab"]
    assert for_spreadsheet(-1) == -1 and for_spreadsheet(2.5) == 2.5


def test_class_report_is_inert(book, tmp_path):
    write_class_report(book, tmp_path / "class.html")
    html = (tmp_path / "class.html").read_text()
    assert_html_inert(html)
    assert "ada\\x1b]52" in html and "=failed()" in html
    # every student's own report is inside the folder beside it; ids that are no file names are numbered
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class-students", "class.html", "gb.sqlite"] + \
        sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("gb.sqlite-"))
    pages = sorted(p.name for p in (tmp_path / "class-students").iterdir())
    assert len(pages) == 7 and all(re.fullmatch(r"_\d+\.html", name) for name in pages), pages


def test_progress_bar_shows_a_hostile_student_id_as_text():
    from grader.reports.progress import count_progress

    buffer = io.StringIO()
    with count_progress(Console(file=buffer, force_terminal=True, color_system=None), 2) as done:
        done(f"ada{ESCAPES}[red]x")
    text = buffer.getvalue()
    assert "\x1b]52" not in text and "\x1b[2J" not in text and "\x9b" not in text  # rich's own cursor moves only
    assert "ada\\x1b]52" in text and "[red]x" in text


def test_gradescope_and_moodle_cells_are_never_formulas(book, tmp_path):
    from grader.classroom.export import write_gradescope, write_moodle

    write_gradescope(book, tmp_path / "gs.csv")
    write_moodle(book, tmp_path / "moodle.csv")
    for name in ("gs.csv", "moodle.csv"):
        rows = list(csv.reader((tmp_path / name).open()))
        assert len(rows) > 5
        for row in rows[1:]:
            assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row if cell != "-1"), row
