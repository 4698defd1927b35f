"""End to end, as an instructor works after `grader grade` (issue 22's "done when"): a class with
a submission that dies at import is graded; the broken one is listed with its error; an override
with a comment survives a forced regrade and shows in the CSV and the reports; and the package
installs by its own name from a wheel in a new venv and answers `grader --version`."""

from __future__ import annotations

import csv
import re
import subprocess

import pytest

from classfolders import MISTAKES, PROBE_D2L, PROBE_RIGHT, answers_for, grader, mixed_bank, write_student
from test_classreport import CHROMIUM, CHROMIUM_FLAGS, assert_not_blank_and_students_visible
from test_student_install import build_wheel, install_and_ask_version

COMMENT = "accepted late fix: the lab sheet allowed d2l"


def test_grade_a_class_list_the_broken_one_override_regrade_export_report_and_install(tmp_path):
    bank = mixed_bank(tmp_path / "bank")
    subs = tmp_path / "class"
    for i, (student, probe) in enumerate((("ann", PROBE_RIGHT), ("bob", PROBE_D2L), ("cid", None))):
        folder = write_student(subs / student, student, answers_for(student, MISTAKES[i]))
        if probe:
            (folder / "probe.py").write_text(probe)
    book = tmp_path / "gb.sqlite"
    graded = grader("grade", subs, "--bank", bank, "--gradebook", book, "-j", "2", "--allow-root-child")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "graded 3, skipped 0 (unchanged), failed to grade 0" in graded.stdout

    # the broken submission is listed, with its error, under "graded with problems"
    assert grader("report", "--gradebook", book, "--html", tmp_path / "class.html").returncode == 0
    page = (tmp_path / "class.html").read_text()
    troubles = page[page.index('id="troubles"'):page.index("Submissions that could not be graded")]
    assert re.search(r"bob</a></td><td>probe</td><td><strong>import failure</strong></td><td>importing probe.py failed: "
                     r"raised ModuleNotFoundError: No module named &#39;d2l&#39;", troubles), troubles
    assert "cid" in troubles and "not submitted" in troubles

    # an override with a comment, then a forced regrade: it stands
    made = grader("override", "bob", "probe/doubles", "--score", "1", "--comment", COMMENT, "--gradebook", book)
    assert made.returncode == 0 and f"bob probe/doubles: 1 (graded 0): {COMMENT}" in made.stdout, made.stderr
    again = grader("grade", subs, "--bank", bank, "--gradebook", book, "-j", "2", "--allow-root-child", "--force")
    assert "graded 3, skipped 0" in again.stdout, again.stdout + again.stderr
    assert "1 override(s) stand over these grades" in again.stdout and "changed since" not in again.stderr

    # bob fixes his import: the regrade gives the check its point, and the override is flagged
    (subs / "bob" / "probe.py").write_text(PROBE_RIGHT)
    fixed = grader("grade", subs, "--bank", bank, "--gradebook", book, "-j", "1", "--allow-root-child", "-s", "bob")
    assert "the grade under 1 override(s) changed since they were made: bob probe/doubles" in fixed.stderr, fixed.stderr
    (subs / "bob" / "probe.py").write_text(PROBE_D2L)
    again = grader("grade", subs, "--bank", bank, "--gradebook", book, "-j", "2", "--allow-root-child", "--force")
    assert "graded 3, skipped 0" in again.stdout and "changed since" not in again.stderr, again.stdout + again.stderr

    exported = grader("export", "--gradebook", book, "--csv", tmp_path / "grades.csv")
    assert exported.returncode == 0, exported.stderr
    rows = {row["student"]: row for row in csv.DictReader((tmp_path / "grades.csv").open())}
    assert rows["bob"]["probe"] == "1" and rows["ann"]["probe"] == "2" and rows["cid"]["probe"] == "0"
    assert rows["bob"]["overrides"] == f"probe/doubles: 1 (graded 0): {COMMENT}"
    assert float(rows["bob"]["total"]) == float(rows["bob"]["layer-count"]) + float(rows["bob"]["shapes-and-choices"]) + 1

    assert grader("report", "--gradebook", book, "--html", tmp_path / "class.html").returncode == 0
    page = (tmp_path / "class.html").read_text()
    overrides = page[page.index('<table id="overrides">'):page.index("</table>", page.index('<table id="overrides">'))]
    assert "probe/doubles" in overrides and COMMENT in overrides and "changed since" not in overrides
    own = (tmp_path / "class-students" / "bob.html").read_text()
    assert f"Score set by the instructor (graded 0): {COMMENT}" in own and "No module named &#39;d2l&#39;" in own

    if CHROMIUM is not None:
        shot = tmp_path / "class.png"
        run = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1600",
                              f"--screenshot={shot}", (tmp_path / "class.html").as_uri()],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        assert_not_blank_and_students_visible(shot)

    # and a new venv installs the package by its own name, from a wheel
    wheel = build_wheel(tmp_path / "build")
    assert wheel.name.startswith("dl_grader-")
    assert "dl-grader" in install_and_ask_version(wheel, tmp_path / "venv")


def test_an_override_that_names_nothing_graded_exits_2_with_a_message(tmp_path):
    bank = mixed_bank(tmp_path / "bank")
    write_student(tmp_path / "class" / "ann", "ann", answers_for("ann"))
    book = tmp_path / "gb.sqlite"
    assert grader("grade", tmp_path / "class", "--bank", bank, "--gradebook", book, "-e", "layer-count").returncode == 0
    for args, words in ((["zed", "layer-count", "--score", "1", "--comment", "x"], "no student 'zed'"),
                        (["ann", "probe", "--score", "1", "--comment", "x"], "ann was not graded on an exercise 'probe'"),
                        (["ann", "layer-count/count", "--score", "5", "--comment", "x"], "from 0 to 2"),
                        (["ann", "layer-count", "--comment", "x"], "--score S --comment TEXT"),
                        (["ann", "layer-count", "--clear"], "ann has no override on layer-count")):
        done = grader("override", *args, "--gradebook", book)
        assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
    missing = grader("override", "ann", "layer-count", "--score", "1", "--comment", "x", "--gradebook", tmp_path / "no.sqlite")
    assert missing.returncode == 2 and "no gradebook here" in missing.stderr


@pytest.mark.parametrize("command", ["override", "key", "grade", "export", "report"])
def test_the_desk_commands_have_help_with_examples(command):
    shown = grader(command, "--help")
    assert shown.returncode == 0 and "Examples" in shown.stdout and f"grader {command}" in shown.stdout
