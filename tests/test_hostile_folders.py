"""Submission folders built to lie, leak or stop a class: links, odd names, odd YAML, odd ids.

Every link, odd name and oversized file is made here at test time, on a real file system;
`grader check` and `grader grade` run as real subprocesses.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from classfolders import answers_for, grader, write_student
from conftest import FIXTURE_BANK, REPO
from grader.errors import SpecError
from grader.submissions.reading import identify, read_submission
from grader.submissions.files import UnreadableFile, content_hash, read_text
from grader.bank.yamlfile import parse_yaml, read_yaml

REFERENCE = REPO / "solutions" / "corr2d" / "conv.py"
HIDDEN_CHECK = REPO / "exercises" / "corr2d" / "checks" / "kernels.py"
BILLION_LAUGHS = "".join(
    [f'{chr(97 + i)}: &{chr(97 + i)} [' + ",".join([f"*{chr(96 + i)}"] * 9 if i else ['"lol"'] * 9) + "]\n"
     for i in range(9)])


@pytest.fixture
def nest():
    """nest(folder, depth): `depth` folders one inside the other, removed again after the test.

    Made and removed relative to each other (no long paths); pytest's own clean-up would
    recurse once per level and fail.
    """
    made: list[tuple[Path, int]] = []

    def make(folder: Path, depth: int) -> None:
        made.append((folder, depth))
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.close(os.open("deep.py", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
        os.close(fd)

    yield make
    for folder, depth in made:
        fds = [os.open(folder, os.O_RDONLY | os.O_DIRECTORY)]
        for _ in range(depth):
            fds.append(os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fds[-1]))
        os.unlink("deep.py", dir_fd=fds[-1])
        os.close(fds.pop())
        while fds:
            os.rmdir("d", dir_fd=fds[-1])
            os.close(fds.pop())


def corr2d_bank(tmp_path: Path) -> Path:
    bank = tmp_path / "bank"
    shutil.copytree(REPO / "exercises" / "corr2d", bank / "corr2d")
    return bank


# Reading one file

def test_links_pipes_huge_and_binary_files_are_refused_by_name(tmp_path):
    ok = tmp_path / "ok.py"
    ok.write_text("x = 1\n")
    (tmp_path / "conv.py").symlink_to(REFERENCE)
    os.mkfifo(tmp_path / "pipe.py")  # opening it without O_NONBLOCK would hang the grader
    with open(tmp_path / "big.py", "wb") as f:
        f.truncate(283_000_000)  # sparse: costs no disk
    (tmp_path / "latin.py").write_bytes(b"x = 1\n# caf\xe9\n")
    assert read_text(tmp_path, "ok.py") == "x = 1\n"
    cases = {"conv.py": "conv.py is a symbolic link; hand in the file itself",
             "pipe.py": "pipe.py is a named pipe, not a regular file",
             "big.py": "big.py is 283 MB, over the 1 MB limit for a source file",
             "latin.py": "latin.py is not UTF-8 text (byte 0xe9 on line 2); save it as UTF-8"}
    for name, message in cases.items():
        with pytest.raises(UnreadableFile) as refused:
            read_text(tmp_path, name, what="a source file")
        assert message in str(refused.value)


def test_the_hash_covers_what_is_graded_and_follows_no_link(tmp_path, nest):
    folder = write_student(tmp_path / "s", "s", {"layer-count": {"count": 1}})
    target = tmp_path / "elsewhere.py"
    target.write_text("one\n")
    (folder / "conv.py").symlink_to(target)
    first = content_hash(folder)
    target.write_text("two\n")  # what the link points at is not graded, so it is not hashed
    assert content_hash(folder) == first
    (folder / "conv.py").unlink()
    (folder / "conv.py").symlink_to(tmp_path / "other.py")  # the link itself is: a new target counts
    assert content_hash(folder) != first
    nest(folder, 1000)  # subfolders are not graded: only their names count, nothing recurses
    os.close(os.open(os.fsencode(folder) + b"/bad\xff.py", os.O_WRONLY | os.O_CREAT))
    assert len(content_hash(folder)) == 64


# Links in a submission

def test_a_linked_answers_yaml_prints_none_of_the_target(tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("root: $6$secrethash\ndaemon: '*'\n")
    for target in (secret, Path("/etc/shadow")):
        folder = tmp_path / f"sub-{target.name}-{target.parent.name}"
        write_student(folder, "alex", None)
        (folder / "answers.yaml").symlink_to(target)
        result = grader("check", folder, "--exercises", FIXTURE_BANK)
        assert result.returncode == 1, result.stdout + result.stderr
        output = result.stdout + result.stderr
        assert "answers.yaml is a symbolic link; hand in the file itself" in output
        assert "secrethash" not in output and "daemon" not in output and ":$" not in output
        assert "unknown exercise" not in output


def test_linked_and_oversized_code_scores_nothing_and_leaks_nothing_in_a_batch(tmp_path):
    bank = corr2d_bank(tmp_path)
    subs = tmp_path / "class"
    for name in ("classmate", "to-reference", "to-check", "to-classmate", "huge", "latin"):
        (subs / name).mkdir(parents=True)
    shutil.copy(REFERENCE, subs / "classmate" / "conv.py")
    (subs / "to-reference" / "conv.py").symlink_to(REFERENCE)
    (subs / "to-check" / "conv.py").symlink_to(HIDDEN_CHECK)
    (subs / "to-classmate" / "conv.py").symlink_to(Path("..") / "classmate" / "conv.py")
    with open(subs / "huge" / "conv.py", "wb") as f:
        f.truncate(283_000_000)
    (subs / "latin" / "conv.py").write_bytes(REFERENCE.read_bytes() + b"# d\xe9j\xe0 vu\n")
    book = tmp_path / "gb.sqlite"
    result = grader("grade", subs, "--exercises", bank, "--gradebook", book, "--jobs", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "graded 6, skipped 0 (unchanged), failed to grade 0" in result.stdout
    db = sqlite3.connect(book)
    scores = dict(db.execute("SELECT student_id, score FROM submissions WHERE current = 1"))
    assert scores == {"classmate": 10, "to-reference": 0, "to-check": 0, "to-classmate": 0, "huge": 0, "latin": 0}
    messages = dict(db.execute("SELECT s.student_id, e.message FROM exercise_results e "
                               "JOIN submissions s ON s.id = e.submission_id"))
    assert messages["to-check"] == "conv.py is a symbolic link; hand in the file itself"
    assert messages["huge"] == "conv.py is 283 MB, over the 1 MB limit for a source file"
    assert "not UTF-8" in messages["latin"]
    dump = "\n".join(db.iterdump())
    check_lines = [line.strip() for line in HIDDEN_CHECK.read_text().splitlines() if len(line.strip()) > 25]
    assert check_lines and not any(line in dump or line in result.stdout + result.stderr for line in check_lines)


def test_a_report_of_a_link_to_a_hidden_check_holds_none_of_its_source(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "conv.py").symlink_to(HIDDEN_CHECK)
    report = tmp_path / "report.md"
    result = grader("check", folder, "--exercises", corr2d_bank(tmp_path), "--md", report, "--json", tmp_path / "r.json")
    assert result.returncode == 1, result.stdout + result.stderr
    texts = [result.stdout, report.read_text(), (tmp_path / "r.json").read_text()]
    assert all("symbolic link" in text for text in texts)
    source = [line.strip() for line in HIDDEN_CHECK.read_text().splitlines() if len(line.strip()) > 25]
    assert not any(line in text for line in source for text in texts)


# Odd YAML

def test_billion_laughs_is_refused_at_once():
    assert len(BILLION_LAUGHS.encode()) < 500
    started = time.perf_counter()
    with pytest.raises(SpecError, match="anchors and aliases"):
        parse_yaml(BILLION_LAUGHS, Path("answers.yaml"), plain=True)
    assert time.perf_counter() - started < 0.1


def test_student_yaml_is_plain_and_shallow_specs_may_keep_aliases(tmp_path):
    for text, message in [("a: &x 1\nb: *x\n", "anchors and aliases"), ("a: " + "[" * 5000, "nested more than 20"),
                          ("a: 2024-02-30\n", "'2024-02-30' reads as a date but is not one"),
                          ("a: b\x07\n", "a control character (#x07)"), ("a: " + "9" * 5000, "cannot be read")]:
        with pytest.raises(SpecError, match=re.escape(message)):
            parse_yaml(text, Path("answers.yaml"), plain=True)
    assert parse_yaml("a: &x [1, 2]\nb: *x\n", Path("spec.yaml")).data == {"a": [1, 2], "b": [1, 2]}
    assert read_yaml(REPO / "solutions" / "vgg-block" / "mutants.yaml").data  # the bank's one user of aliases
    with pytest.raises(SpecError, match="refers to itself"):
        parse_yaml("a: &y [*y]\n", Path("spec.yaml"))


def test_a_billion_laughs_answers_yaml_is_a_problem_in_check(tmp_path):
    folder = write_student(tmp_path / "alex", "alex", BILLION_LAUGHS)
    started = time.perf_counter()
    result = grader("check", folder, "--exercises", FIXTURE_BANK)
    assert time.perf_counter() - started < 60
    assert result.returncode == 1, result.stdout + result.stderr
    assert "answers.yaml:1: not valid YAML: anchors and aliases" in result.stdout


# One student's folder never stops the class

HOSTILE_STUDENT_YAML = {
    "control": ("id: s\x07x\n", "a control character (#x07)"),
    "recursive": ("id: &y [*y]\n", "anchors and aliases"),
    "date": ("id: 2024-02-30\n", "'2024-02-30' reads as a date but is not one"),
    "brackets": ("id: " + "[" * 5000 + "\n", "nested more than 20 levels deep"),
    "clock": ("id: 1:20\n", "id '1:20' is not a student id"),
}


def test_hostile_folders_fail_alone_and_the_batch_goes_on(tmp_path, nest):
    subs = tmp_path / "class"
    for name in ("ann", "bob", "odd-file-name", "deep"):
        write_student(subs / name, name, answers_for(name))
    os.close(os.open(os.fsencode(subs / "odd-file-name") + b"/notes\xff.py", os.O_WRONLY | os.O_CREAT))
    nest(subs / "deep", 1000)
    for name, (text, _) in HOSTILE_STUDENT_YAML.items():
        (subs / name).mkdir()
        (subs / name / "student.yaml").write_text(text)
    (subs / "Jane Doe").mkdir()
    os.mkdir(os.fsencode(subs) + b"/caf\xe9")
    (subs / "linked").symlink_to(subs / "ann")
    result = grader("grade", subs, "--exercises", FIXTURE_BANK, "--gradebook", tmp_path / "gb.sqlite", "--jobs", "1")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "graded 4, skipped 0 (unchanged), failed to grade 8" in result.stdout, output
    assert "internal error" not in output and "Traceback" not in output
    for _, message in HOSTILE_STUDENT_YAML.values():
        assert message in result.stderr
    assert "the folder name 'Jane Doe' is not a student id" in result.stderr
    assert "the folder name 'caf\\xe9' is not UTF-8" in result.stderr
    assert "linked is a symbolic link" in result.stderr
    db = sqlite3.connect(tmp_path / "gb.sqlite")
    rows = {s: (status, json_problems) for s, status, json_problems in
            db.execute("SELECT student_id, status, problems FROM submissions WHERE current = 1")}
    assert rows["ann"][0] == rows["deep"][0] == rows["odd-file-name"][0] == "graded"
    assert "notes\\\\xff.py" in rows["odd-file-name"][1] and "not UTF-8" in rows["odd-file-name"][1]
    again = grader("grade", subs, "--exercises", FIXTURE_BANK, "--gradebook", tmp_path / "gb.sqlite", "--jobs", "1")
    assert again.returncode == 1 and "graded 0, skipped 4 (unchanged), failed to grade 8" in again.stdout


@pytest.mark.parametrize("name", sorted(HOSTILE_STUDENT_YAML))
def test_check_on_a_hostile_student_yaml_says_why_and_exits_1(tmp_path, name):
    text, message = HOSTILE_STUDENT_YAML[name]
    folder = write_student(tmp_path / "alex", "alex", answers_for("alex"))
    (folder / "student.yaml").write_text(text)
    result = grader("check", folder, "--exercises", FIXTURE_BANK)
    assert result.returncode in (1, 2), result.stdout + result.stderr
    assert message in result.stdout and "using the folder name" in result.stdout
    assert "internal error" not in result.stdout + result.stderr


# Student ids

@pytest.mark.parametrize("written, expected", [
    ("0123", "0123"), ("0x1F", "0x1F"), ("1.5e3", "1.5e3"), ("2024-01-15", "2024-01-15"), ("true", "true"),
    ('"s1234"', "s1234"), ("ada.lovelace@uni.edu", "ada.lovelace@uni.edu"),
])
def test_an_id_is_the_text_as_written(tmp_path, written, expected):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "student.yaml").write_text(f"id: {written}\n")
    assert identify(folder) == (expected, [])


@pytest.mark.parametrize("written, message", [
    ("1:20", "id '1:20' is not a student id"), ("", "id is empty"), ("~", "id is empty"),
    ("[a, b]", "id must be one value"), ('"s1234\\n"', "is not a student id"), ('"-x"', "is not a student id"),
    ("a" * 129, "is not a student id"),
])
def test_an_id_that_breaks_the_rule_is_refused(tmp_path, written, message):
    folder = tmp_path / "s9"
    folder.mkdir()
    (folder / "student.yaml").write_text(f"id: {written}\n")
    student, problems = identify(folder)
    assert student == "s9" and len(problems) == 1 and message in problems[0], problems
    assert "using the folder name" in problems[0]


def test_ids_land_in_the_gradebook_as_written(tmp_path):
    subs = tmp_path / "class"
    for folder, student in (("one", "0123"), ("two", "0x1F"), ("three", "00123")):
        write_student(subs / folder, student, answers_for(student))
    result = grader("grade", subs, "--exercises", FIXTURE_BANK, "--gradebook", tmp_path / "gb.sqlite", "--jobs", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite3.connect(tmp_path / "gb.sqlite")
    assert {s for (s,) in db.execute("SELECT student_id FROM submissions")} == {"0123", "0x1F", "00123"}


def test_read_submission_reports_odd_names_and_links_without_raising(tmp_path):
    folder = write_student(tmp_path / "s1", "s1", None)
    (folder / "answers.yaml").symlink_to(tmp_path)  # a link to a folder
    os.close(os.open(os.fsencode(folder) + b"/\xff\xfe.yaml", os.O_WRONLY | os.O_CREAT))
    submission = read_submission(folder, {})
    assert submission.student_id == "s1" and submission.answers == {}
    assert any("answers.yaml is a symbolic link" in p for p in submission.problems)
    assert any("'\\xff\\xfe.yaml' is not UTF-8" in p for p in submission.problems)
