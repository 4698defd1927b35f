"""One bank, one lookup: every command finds a course bank's exercises, references and
mutants the same way, and a missing reference is the author's error, loudly."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from grader.bank.location import locate_bank
from grader.bank.scaffold import init_bank
from grader.errors import SpecError


def grader(*args, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.fixture
def course(tmp_path) -> Path:
    init_bank(tmp_path / "course")
    return tmp_path / "course"


def reference_as_submission(course: Path, folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(course / "solutions" / "moving-average" / "smooth.py", folder / "smooth.py")
    return folder


# -- the lookup ------------------------------------------------------------------------
def test_a_bank_folder_an_exercises_folder_and_the_alias_name_the_same_bank(course):
    by_bank, by_folder, by_alias = (locate_bank(course), locate_bank(course / "exercises"),
                                    locate_bank(exercises=course / "exercises"))
    assert by_bank.exercises == by_folder.exercises == by_alias.exercises == course / "exercises"
    assert by_bank.solutions == by_folder.solutions == by_alias.solutions == course / "solutions"
    assert not by_bank.bundled and locate_bank().bundled
    assert locate_bank().solutions.name == "solutions" and (locate_bank().solutions / "corr2d").is_dir()


def test_a_folder_that_holds_no_bank_and_two_different_banks_are_errors(course, tmp_path):
    with pytest.raises(SpecError, match="holds no exercises/ folder"):
        locate_bank(tmp_path / "course" / "solutions")
    with pytest.raises(SpecError, match="no such folder"):
        locate_bank(tmp_path / "nowhere")
    with pytest.raises(SpecError, match="name different banks"):
        locate_bank(course, exercises=REPO / "exercises")
    assert locate_bank(course, exercises=course / "exercises").exercises == course / "exercises"


def test_without_an_option_the_bank_is_grader_bank_then_a_bank_folder_near_the_work_then_the_checkout(course, tmp_path):
    handout = tmp_path / "handout"
    shutil.copytree(course, handout / "bank")
    (handout / "submission" / "deep").mkdir(parents=True)
    other = tmp_path / "other"
    shutil.copytree(course, other)
    near = handout / "submission"
    assert locate_bank(near=near, environ={}).exercises == handout / "bank" / "exercises"  # beside the submission
    assert locate_bank(near=near / "deep", environ={}).exercises == handout / "bank" / "exercises"  # two above
    assert locate_bank(near=handout, environ={}).exercises == handout / "bank" / "exercises"  # in the folder itself
    assert locate_bank(near=tmp_path / "other" / "exercises", environ={}).bundled  # no bank/ near: the checkout's
    by_env = locate_bank(near=near, environ={"GRADER_BANK": str(other)})
    assert by_env.exercises == other / "exercises" and by_env.source == "GRADER_BANK"  # the variable beats bank/
    assert locate_bank(course, near=near, environ={"GRADER_BANK": str(other)}).exercises == course / "exercises"
    with pytest.raises(SpecError, match="GRADER_BANK: no such folder"):
        locate_bank(near=near, environ={"GRADER_BANK": str(tmp_path / "gone")})


def test_every_command_and_the_magic_find_the_same_bank(course, tmp_path):
    from grader.notebook.magic import find_bank

    handout = tmp_path / "handout"
    shutil.copytree(course, handout / "bank")
    submission = reference_as_submission(course, handout / "submission")
    checked = grader("check", submission, "-e", "moving-average", "--public-only", "-q", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert f"using the bank at {handout / 'bank'} (found beside the work)" in checked.stderr
    env_run = subprocess.run([sys.executable, "-m", "grader.cli", "validate"], capture_output=True, text=True,
                             cwd=tmp_path, timeout=300, env={**os.environ, "GRADER_BANK": str(course), "NO_COLOR": "1",
                                                              "COLUMNS": "200"})
    assert env_run.returncode == 0 and f"using the bank at {course} (from $GRADER_BANK)" in env_run.stderr
    here = Path.cwd()
    try:
        os.chdir(submission)
        assert find_bank().exercises == handout / "bank" / "exercises"
    finally:
        os.chdir(here)


def test_the_bank_version_covers_specs_checks_references_and_mutants(course):
    from grader.bank.loading import load_bank
    from grader.bank.version import bank_hash

    def version() -> str:
        return bank_hash(course / "exercises", load_bank(course / "exercises"))

    seen = {version()}
    for path in ("exercises/moving-average/spec.yaml", "exercises/moving-average/checks/reference.py",
                 "solutions/moving-average/smooth.py", "solutions/moving-average/mutants.yaml"):
        with open(course / path, "a") as f:
            f.write("\n# edited\n")
        seen.add(version())
    assert len(seen) == 5


def test_a_linked_reference_is_read_through_its_link(course, tmp_path):
    from grader.bank.loading import load_bank
    from grader.bank.version import bank_hash

    shared = tmp_path / "shared.py"
    reference = course / "solutions" / "moving-average" / "smooth.py"
    shutil.move(reference, shared)
    reference.symlink_to(shared)
    before = bank_hash(course / "exercises", load_bank(course / "exercises"))
    shared.write_text(shared.read_text() + "\n# edited\n")
    assert bank_hash(course / "exercises", load_bank(course / "exercises")) != before


# -- the commands ----------------------------------------------------------------------
def test_check_finds_a_course_banks_reference(course, tmp_path):
    """Before, a course bank got reference=None: matches-reference 'could not be checked (AttributeError)'."""
    submission = reference_as_submission(course, tmp_path / "alex")
    for option in (["--bank", course], ["--exercises", course / "exercises"]):
        result = grader("check", submission, *option, "-e", "moving-average", "--json", tmp_path / "r.json")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "could not be checked" not in (tmp_path / "r.json").read_text()


def test_a_missing_reference_is_the_authors_error_in_check_and_grade(course, tmp_path):
    (course / "solutions" / "moving-average" / "smooth.py").unlink()
    submission = reference_as_submission_text(tmp_path / "class" / "alex")
    result = grader("check", submission, "--bank", course, "-e", "moving-average")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "solutions/moving-average/smooth.py" in result.stderr and "test_matches_reference" in result.stderr
    assert "add the reference module" in result.stderr and "Traceback" not in result.stderr
    graded = grader("grade", tmp_path / "class", "--bank", course, "--gradebook", tmp_path / "g.sqlite", "-j", "1")
    assert graded.returncode == 2, graded.stdout + graded.stderr
    assert "solutions/moving-average/smooth.py" in graded.stderr


def reference_as_submission_text(folder: Path) -> Path:
    from grader.bank.scaffold import REFERENCE

    folder.mkdir(parents=True)
    (folder / "smooth.py").write_text(REFERENCE)
    return folder


def test_grade_uses_the_course_banks_references(course, tmp_path):
    reference_as_submission_text(tmp_path / "class" / "alex")
    result = grader("grade", tmp_path / "class", "--bank", course, "--gradebook", tmp_path / "g.sqlite", "-j", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    from grader.classroom.gradebook import Gradebook

    with Gradebook(tmp_path / "g.sqlite", create=False) as book:
        (entry,) = book.current()
    code = next(e for e in entry.result.exercises if e.exercise_id == "moving-average")
    assert code.score == code.max_score, [(i.item_id, i.message) for i in code.items]


def test_quiz_and_validate_take_the_bank(course):
    shown = grader("quiz", "conv-output", "--bank", course, "--show")
    assert shown.returncode == 0 and "How wide is the output?" in shown.stdout
    for args in (["--bank", course], [course], [course / "exercises"], ["--exercises", course / "exercises"]):
        result = grader("validate", *args)
        assert result.returncode == 0, (args, result.stdout + result.stderr)
    clash = grader("validate", course, "--bank", REPO)
    assert clash.returncode == 2 and "two banks" in clash.stderr


def test_a_bank_option_that_names_no_bank_exits_2_with_the_fix(tmp_path):
    result = grader("validate", "--bank", tmp_path)
    assert result.returncode == 2
    assert "holds no exercises/ folder" in result.stderr and "init-bank" in result.stderr


# -- the pytest plugin -----------------------------------------------------------------
def run_pytest(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "grader.checking.pytest_plugin", "-q", "-p", "no:cacheprovider",
                           *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_plugin_runs_a_course_banks_checks_against_its_reference(course):
    result = run_pytest(course / "exercises" / "moving-average", cwd=course)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "2 passed" in result.stdout and "skipped" not in result.stdout


def test_the_plugin_fails_not_skips_without_a_reference(course):
    (course / "solutions" / "moving-average" / "smooth.py").unlink()
    result = run_pytest(course / "exercises" / "moving-average", cwd=course)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "2 errors" in result.stdout and "skipped" not in result.stdout  # a fixture that fails: pytest's ERROR
    assert "the reference solution of moving-average is missing" in result.stdout


def test_the_plugins_bank_option_names_where_references_are(course, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(course, other)
    (course / "solutions" / "moving-average" / "smooth.py").unlink()
    result = run_pytest(course / "exercises" / "moving-average", "--bank", other, cwd=course)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "2 passed" in result.stdout
    wrong = run_pytest(course / "exercises" / "moving-average", "--bank", tmp_path / "nowhere", cwd=course)
    assert wrong.returncode != 0 and "no such folder" in wrong.stdout + wrong.stderr
