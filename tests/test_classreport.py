"""`grader report`: the class report's numbers, its page, and the page in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from classfolders import answers_for, grader, make_class, write_student
from conftest import FIXTURE_BANK
from grader.classroom.class_report import build
from grader.classroom.gradebook import Gradebook

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RULE = "One bias per output channel is missing."


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """12 students graded by `grader grade` (3 miss the bias), one hostile answer, one failure to grade."""
    root = tmp_path_factory.mktemp("classreport")
    subs = make_class(root / "class", size=12)
    evil = answers_for("evil")
    evil["layer-count"]["count"] = "<script>alert(1)</script>"
    write_student(subs / "evil", "evil", evil)
    write_student(subs / "twin-a", "twin", answers_for("twin"))
    write_student(subs / "twin-b", "twin", answers_for("twin"))
    result = grader("grade", subs, "--exercises", FIXTURE_BANK, "--gradebook", root / "gb.sqlite", "--jobs", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    report = grader("report", "--gradebook", root / "gb.sqlite", "--html", root / "class.html")
    assert report.returncode == 0, report.stderr
    assert "13 of 14 students graded" in report.stdout
    return root


def test_item_analysis_counts_and_orders_hardest_first(book):
    with Gradebook(book / "gb.sqlite", create=False) as gradebook:
        report = build(gradebook.current())
    assert (report.students, report.graded) == (14, 13)
    assert sum(bar.count for bar in report.bars) == 13
    rates = [s.pass_rate for s in report.items]
    assert rates == sorted(rates) and rates[0] < rates[-1]
    assert [s.pass_rate for s in report.exercises] == sorted(s.pass_rate for s in report.exercises)
    count = next(s for s in report.items if s.name == "layer-count/count")
    assert count.taken == 13 and count.passed == 13 - 3 - 1 - 1 - 1 - 1  # no-bias x3, typo, evil, broken, none
    no_bias = next(w for w in report.wrong_answers if w.rule == RULE)
    assert (no_bias.name, no_bias.count) == ("layer-count/count", 3)
    unmatched = next(w for w in report.wrong_answers if w.name == "layer-count/count" and not w.rule)
    assert dict(unmatched.examples)["<script>alert(1)</script>"] == 1
    assert [f.student_id for f in report.failures] == ["twin"] and "claimed by" in report.failures[0].message
    assert [student for student, _ in report.problems] == ["s11"]  # the unreadable answers.yaml


def test_the_page_is_self_contained_and_escapes_student_text(book):
    html = (book / "class.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and html.count('<rect class="bar"') == 10
    assert RULE in html and "twin" in html
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", html)  # nothing fetched from anywhere


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_the_page_renders_in_a_headless_browser(book, tmp_path):
    page = (book / "class.html").as_uri()
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'id="histogram"' in dom.stdout and dom.stdout.count('class="bar"') == 10
    assert 'id="items"' in dom.stdout and RULE in dom.stdout
    shot = tmp_path / "shot.png"
    run = subprocess.run([CHROMIUM, *flags, "--window-size=1200,1600", f"--screenshot={shot}", page],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000  # a blank page compresses to a few KB
