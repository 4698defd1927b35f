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
    assert not re.search(r"""src\s*=|url\(|@import""", html)  # nothing fetched from anywhere
    links = re.findall(r"""href\s*=\s*["']([^"']*)""", html)
    assert links and all(re.fullmatch(r"class-students/[A-Za-z0-9_][A-Za-z0-9._@-]*\.html", link) for link in links), links
    for link in set(links):  # each student's own report, beside the class report
        assert (book / link).is_file() and "Grading report" in (book / link).read_text()


def test_every_student_is_listed_with_scores_and_a_link_and_problems_have_their_section(book):
    html = (book / "class.html").read_text()
    table = html[html.index('<table id="students">'):html.index("</table>", html.index('<table id="students">'))]
    for student in [f"s{i:02d}" for i in range(12)] + ["evil", "twin"]:
        assert f">{student}<" in table
    assert '<a href="class-students/s00.html">s00</a>' in table
    assert "could not be graded" in table  # twin: two folders claim the id
    troubles = html[html.index('id="troubles"'):html.index("Submissions that could not be graded")]
    assert "s10" in troubles and "not submitted" in troubles  # no answers.yaml at all
    assert "s11" in troubles and "(the submission)" in troubles  # its answers.yaml does not read
    assert 'id="exercise-distribution"' in html and 'id="item-map"' in html and "<circle" in html


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
    assert_not_blank_and_students_visible(shot)


def png_pixels(path, max_rows: int = 700) -> tuple[int, int, list[bytes]]:
    """(width, height, the first `max_rows` rows of RGB(A) bytes) of an 8-bit, non-interlaced PNG, as Chromium writes them."""
    import struct
    import zlib

    data, chunks, offset = path.read_bytes(), {}, 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunks.setdefault(kind, []).append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"][0])
    assert depth == 8 and colour in (2, 6) and not interlace, (depth, colour, interlace)
    step = 4 if colour == 6 else 3
    raw, rows, previous = zlib.decompress(b"".join(chunks[b"IDAT"])), [], bytearray(width * step)
    stride = width * step + 1
    for y in range(min(height, max_rows)):
        kind, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
        for i in range(len(line)):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def assert_not_blank_and_students_visible(shot, link=(0x18, 0x64, 0xAB)) -> None:
    """The screenshot has ink, and the student table's links (the page's only blue text near the
    top) are on the first screen, not pushed off by the plots."""
    width, height, rows = png_pixels(shot)
    step = len(rows[0]) // width
    top = rows
    dark = blue = 0
    for row in top:
        for x in range(0, len(row), step):
            r, g, b = row[x], row[x + 1], row[x + 2]
            dark += r + g + b < 300
            blue += abs(r - link[0]) < 40 and abs(g - link[1]) < 40 and abs(b - link[2]) < 40
    assert dark > 2_000, f"the top of the page is almost blank ({dark} dark pixels)"
    assert blue > 100, f"no student links on the first screen ({blue} link-blue pixels)"
