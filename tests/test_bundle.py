"""grader bundle gradescope, end to end without Gradescope.

The zip is unpacked into a temporary root laid out like /autograder (source/ holds the zip,
run_autograder is copied beside it, submission/ and results/ are Gradescope's), setup.sh
runs with GRADER_OFFLINE=1 (no apt, venv or pip: it checks the local install instead), and
run_autograder grades the example submission. Each results.json is checked against
Gradescope's documented format (gradescope-autograders.readthedocs.io, "Autograder
Specifications": top-level and per-test fields, their types, the visibility, status and
output-format values).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURE_BANK, REPO, write_spec
from grader.bank.loading import load_bank
from grader.bank.location import locate_bank
from grader.bank.resources import bundled
from grader.bank.variants import draw
from grader.errors import SpecError
from grader.lms.gradescope import build_bundle, limits_for, torch_version
from grader.lms.gradescope_run import Identity, identity

VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
TOP = {"score": (int, float), "execution_time": (int, float), "output": str, "output_format": str,
       "test_output_format": str, "test_name_format": str, "visibility": str, "stdout_visibility": str,
       "extra_data": dict, "tests": list, "leaderboard": list}
TEST = {"score": (int, float), "max_score": (int, float), "status": str, "name": str, "name_format": str,
        "number": str, "output": str, "output_format": str, "tags": list, "visibility": str, "extra_data": dict}


def check_gradescope(results: dict) -> None:
    """Assert `results` follows Gradescope's results.json format."""
    assert set(results) <= set(TOP), set(results) - set(TOP)
    for key, kinds in TOP.items():
        if key in results:
            assert isinstance(results[key], kinds) and not isinstance(results[key], bool), key
    for key in ("visibility", "stdout_visibility"):
        assert results.get(key, "visible") in VISIBILITY
    for key in ("output_format", "test_output_format", "test_name_format"):
        assert results.get(key, "text") in FORMATS
    tests = results.get("tests", [])
    assert "score" in results or (tests and all("score" in t for t in tests)), "a score at the top or on every test"
    for test in tests:
        assert set(test) <= set(TEST), set(test) - set(TEST)
        for key, kinds in TEST.items():
            if key in test:
                assert isinstance(test[key], kinds) and not isinstance(test[key], bool), (test.get("name"), key)
        assert test.get("status", "passed") in ("passed", "failed")
        assert test.get("visibility", "visible") in VISIBILITY
        assert test.get("output_format", "text") in FORMATS
        if "max_score" in test:
            assert 0 <= test["score"] <= test["max_score"]


def small_bank(folder: Path) -> Path:
    """A bank with one code exercise (corr2d: public and hidden checks) and two quizzes, as a course keeps it."""
    for name in ("corr2d", "conv-params", "conv-shape"):
        shutil.copytree(bundled("exercises") / name, folder / "exercises" / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(bundled("solutions") / "corr2d", folder / "solutions" / "corr2d",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def unpack(bundle: Path, root: Path) -> Path:
    """Lay the bundle out as Gradescope does: /autograder/source and /autograder/run_autograder."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():  # extractall drops the modes; Gradescope keeps them
            mode = info.external_attr >> 16
            if mode:
                os.chmod(root / "source" / info.filename, mode)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "results").mkdir()
    return root


def env(root: Path, **extra) -> dict:
    return {**os.environ, "GRADER_AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable,
            "GRADER_OFFLINE": "1", **extra}


def run(command: list, root: Path, timeout: int = 420, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, env=env(root, **extra), cwd=root, timeout=timeout)


def results_of(root: Path) -> dict:
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    check_gradescope(results)
    return results


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return small_bank(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def installed(course, tmp_path_factory) -> Path:
    """The bundle of the small course bank, unpacked and set up (offline)."""
    folder = tmp_path_factory.mktemp("gradescope")
    build_bundle(locate_bank(course), folder / "autograder.zip")
    root = unpack(folder / "autograder.zip", folder / "autograder")
    setup = run(["bash", str(root / "source" / "setup.sh")], root)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "ready: 3 exercises" in setup.stdout
    return root


def submit(root: Path, files: dict[str, str] | None = None) -> Path:
    """Put a submission in root/submission: the example student's, or these files."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    if files is None:
        shutil.copytree(REPO / "examples" / "submission", root / "submission")
    else:
        (root / "submission").mkdir()
        for name, text in files.items():
            (root / "submission" / name).write_text(text, encoding="utf-8")
    return root / "submission"


def test_the_zip_holds_what_gradescope_and_setup_need(course, tmp_path):
    bundle = build_bundle(locate_bank(course), tmp_path / "autograder.zip", hidden_visibility="after_due_date")
    with zipfile.ZipFile(bundle.path) as archive:
        names = set(archive.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        config = json.loads(archive.read("grader_bundle.json"))
        constraints = archive.read("constraints.txt").decode().split()
    assert {"setup.sh", "run_autograder", "grader_bundle.json", "constraints.txt"} <= names  # at the root
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert {"bank/exercises/corr2d/spec.yaml", "bank/exercises/corr2d/checks/kernels.py",
            "bank/exercises/corr2d/public/examples.py", "bank/solutions/corr2d/conv.py",
            "bank/solutions/corr2d/mutants.yaml", "grader-src/pyproject.toml",
            "grader-src/grader/lms/gradescope_run.py", "grader-src/templates/results.json.j2"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert f'--index-url https://download.pytorch.org/whl/cpu "torch=={torch_version()}"' in setup
    assert "bubblewrap" in setup
    for script in ("setup.sh", "run_autograder"):  # the network steps cannot run here: at least they parse
        with zipfile.ZipFile(bundle.path) as archive:
            (tmp_path / script).write_bytes(archive.read(script))
        assert subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True).returncode == 0
    assert all("==" in line for line in constraints) and any(line.startswith("sympy==") for line in constraints)
    assert config["hidden_visibility"] == "after_due_date" and config["grader_version"] == __import__("grader").__version__
    assert config["budget_seconds"] == 20 and config["child_memory_mb"] == 3072 - 900  # the spec's budget fits 600 s


def test_gradescope_limits_map_onto_the_spec_limits():
    bank = load_bank(bundled("exercises"))
    budget, memory = limits_for(bank, 300, 1536)
    assert budget == 300 - 20 - 90  # the bank's budgets add up to more than the timeout leaves
    assert limits_for(bank, 3600, 4096)[0] == sum(e.limits.budget_seconds for e in bank if e.kind == "code")
    assert memory == 1536 - 900
    with pytest.raises(SpecError, match="leaves 100 MB for student code"):
        limits_for(bank, 600, 1000)
    with pytest.raises(SpecError, match="leaves 0 s for code checks"):
        limits_for(bank, 110, 4096)


def test_example_submission_graded_in_a_root_laid_out_like_autograder(installed, course):
    root = installed
    submit(root)
    graded = run([str(root / "run_autograder")], root)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    results = results_of(root)
    tests = {t["name"]: t for t in results["tests"]}
    assert results["extra_data"]["student"] == "ada-lovelace"
    assert results["visibility"] == "visible" and results["stdout_visibility"] == "hidden"
    # quiz questions and public checks are visible; hidden checks wait for the grades to be published
    assert tests["conv-params/count"]["visibility"] == "visible"
    assert tests["conv-params/count"]["status"] == "failed"  # she forgot the biases
    hidden = [t for t in results["tests"] if t["extra_data"]["hidden"]]
    public = [t for t in results["tests"] if t["name"].startswith("corr2d/") and not t["extra_data"]["hidden"]]
    assert hidden and public
    assert {t["visibility"] for t in hidden} == {"after_published"}
    assert {t["visibility"] for t in public} == {"visible"}
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]), abs=1e-3)
    assert "sandbox layers off" in graded.stdout  # for the instructor only (stdout is hidden)
    assert f"from {root / 'source' / 'grader-src'}" in graded.stdout  # the bundle's own grader ran
    # the same grades as `grader check` gives the same submission on the same bank
    check = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(REPO / "examples" / "submission"),
                            "--bank", str(course), "--json", str(root / "check.json"), "-q"],
                           capture_output=True, text=True, cwd=REPO, timeout=420)
    assert check.returncode == 1, check.stderr  # she made mistakes
    local = json.loads((root / "check.json").read_text(encoding="utf-8"))
    assert [(t["name"], t["score"], t["status"]) for t in local["tests"]] == \
        [(t["name"], t["score"], t["status"]) for t in results["tests"]]


def test_a_submission_that_blows_the_memory_limit_still_gets_results(installed, tmp_path):
    root = installed
    submit(root, {"conv.py": "hog = bytearray(3 * 1024 ** 3)  # over the 2048 MB of the spec\n"})
    graded = run([str(root / "run_autograder")], root)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    results = results_of(root)
    corr2d = [t for t in results["tests"] if t["name"].startswith("corr2d/")]
    assert corr2d and all(t["status"] == "failed" and t["score"] == 0 for t in corr2d)
    assert "MemoryError" in corr2d[0]["output"] or "memory" in corr2d[0]["output"].lower()


def right_count(student: str) -> int:
    """The right answer of conv-params/count in `student`'s variant."""
    p = draw({e.id: e for e in load_bank(bundled("exercises"))}["conv-params"], student)
    return p["c_out"] * p["c_in"] * p["k"] ** 2 + p["c_out"]


def graded_as(root: Path, users: list[dict], files: dict[str, str]) -> tuple[dict, str]:
    """results.json and stdout of run_autograder on `files`, submitted by Gradescope `users`."""
    submit(root, files)
    (root / "submission_metadata.json").write_text(json.dumps({"users": users}))
    try:
        graded = run([str(root / "run_autograder")], root)
        assert graded.returncode == 0, graded.stdout + graded.stderr
        return results_of(root), graded.stdout
    finally:
        (root / "submission_metadata.json").unlink()


def test_the_gradescope_student_id_seeds_quizzes_when_no_student_yaml(installed):
    results, _ = graded_as(installed, [{"sid": "s1234", "email": "a@b.c"}],
                           {"answers.yaml": f"conv-params:\n  course-case: 280\n  count: {right_count('s1234')}\n"})
    assert results["extra_data"]["student"] == "s1234" and results["extra_data"]["student_id_source"] == "gradescope"
    statuses = {t["name"]: t["status"] for t in results["tests"]}
    assert statuses["conv-params/course-case"] == statuses["conv-params/count"] == "passed"
    assert "drawn for s1234" in results["output"]


def test_a_classmates_student_yaml_does_not_earn_the_classmates_grade(installed):
    """Handing in a classmate's student.yaml and answers: graded as the account that submitted."""
    classmate, me = "s9999", "s1234"
    assert right_count(classmate) != right_count(me)
    files = {"student.yaml": f"id: {classmate}\n", "answers.yaml": f"conv-params:\n  count: {right_count(classmate)}\n"}
    results, stdout = graded_as(installed, [{"sid": me, "email": "me@uni.edu"}], files)
    assert results["extra_data"]["student"] == me
    assert results["extra_data"]["student_yaml_id"] == classmate
    assert {t["name"]: t["status"] for t in results["tests"]}["conv-params/count"] == "failed"  # the classmate's numbers
    assert f"student.yaml says id: {classmate}" in results["output"]  # shown to the student
    assert f"FLAG: student.yaml gives id '{classmate}'" in stdout  # and to the instructor (stdout is hidden)

    # their own student.yaml (the same id, in another case) is no flag
    files = {"student.yaml": "id: S1234\n", "answers.yaml": f"conv-params:\n  count: {right_count(me)}\n"}
    results, stdout = graded_as(installed, [{"sid": me}], files)
    assert {t["name"]: t["status"] for t in results["tests"]}["conv-params/count"] == "passed"
    assert "student_yaml_id" not in results["extra_data"] and "FLAG" not in stdout


def test_an_email_id_with_a_plus_seeds_its_own_variant(installed):
    """No sid: the email is the id, `+` and all; it is never the folder's name that all would share."""
    email = "ada+dl@uni.edu"
    results, _ = graded_as(installed, [{"email": email, "sid": None}],
                           {"answers.yaml": f"conv-params:\n  count: {right_count(email)}\n"})
    assert results["extra_data"]["student"] == email
    assert {t["name"]: t["status"] for t in results["tests"]}["conv-params/count"] == "passed"


def test_identity_from_the_metadata_and_the_folder(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    assert identity(tmp_path, folder) == Identity(None, "submission")  # a dry run: the folder says
    for metadata in ("{not json", json.dumps({"users": []}), json.dumps({"users": [{"sid": "\x1b[31m"}]})):
        (tmp_path / "submission_metadata.json").write_text(metadata)
        assert identity(tmp_path, folder).student_id is None
    (tmp_path / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": 1234, "email": "x@y.z"}]}))
    assert identity(tmp_path, folder) == Identity("1234", "gradescope")
    (folder / "student.yaml").write_text("id: [not, one]\n")  # a broken student.yaml is moot, not a claim
    who = identity(tmp_path, folder)
    assert who.student_id == "1234" and who.claimed is None and who.folder_problems and who.flag() is None
    (folder / "student.yaml").write_text("name: Ada\n")  # no id: nothing claimed (not the folder's name either)
    assert identity(tmp_path, folder) == Identity("1234", "gradescope")
    (folder / "student.yaml").write_text("id: s42\n")
    assert identity(tmp_path, folder).claimed == "s42" and "s42" in identity(tmp_path, folder).flag()
    odd = tmp_path / "My Work"  # a zip's folder whose name is no id: moot where the account is known
    odd.mkdir()
    assert identity(tmp_path, odd).folder_problems and identity(tmp_path, odd).claimed is None


def test_a_grader_that_cannot_start_still_leaves_results(installed):
    root = installed
    graded = run([str(root / "run_autograder")], root, GRADER_PYTHON="/bin/false")
    assert graded.returncode == 0
    results = results_of(root)
    assert results["score"] == 0 and "exit code 1" in results["output"]


def test_grading_past_the_timeout_is_stopped_and_still_leaves_results(installed, tmp_path):
    root = installed
    sleeper = tmp_path / "python"
    sleeper.write_text("#!/bin/sh\nsleep 60\n")
    sleeper.chmod(0o755)
    script = tmp_path / "run_autograder"
    text = (root / "run_autograder").read_text()
    assert "timeout --kill-after=5 580 " in text  # Gradescope's 600 s, less the margin to write results
    script.write_text(text.replace("timeout --kill-after=5 580 ", "timeout --kill-after=1 1 "))
    script.chmod(0o755)
    graded = run([str(script)], root, timeout=30, GRADER_PYTHON=str(sleeper))
    assert graded.returncode == 0
    results = results_of(root)
    assert results["score"] == 0 and "time limit" in results["output"]


def test_a_broken_bundle_config_gives_a_zero_with_a_message_not_a_missing_file(installed):
    root = installed
    config = root / "source" / "grader_bundle.json"
    saved = config.read_text()
    config.write_text("{not json")
    try:
        graded = run([str(root / "run_autograder")], root)
    finally:
        config.write_text(saved)
    assert graded.returncode == 0
    results = results_of(root)
    assert results["score"] == 0 and "could not grade this submission (JSONDecodeError)" in results["output"]
    assert "Traceback" in graded.stdout  # the instructor sees what happened


def test_cli_bundle_gradescope(tmp_path):
    """Wherever the temporary folder lies: a long path is printed on one line (piped output never wraps)."""
    deep = tmp_path.joinpath(*["a-folder-with-a-rather-long-name"] * 8)
    deep.mkdir(parents=True)
    out = deep / "autograder.zip"
    command = [sys.executable, "-m", "grader.cli", "bundle", "gradescope", "--bank", str(FIXTURE_BANK), "--out", str(out)]
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120, env=environment)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1 and f"wrote {out}: 2 exercises (0 code)" in done.stdout, done.stdout
    assert out.is_file()
    bad = subprocess.run(command + ["--hidden-visibility", "later"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert bad.returncode == 2 and "unknown visibility 'later'" in bad.stderr


def test_a_bank_that_does_not_load_is_refused_at_bundle_time(tmp_path):
    write_spec(tmp_path / "exercises" / "broken", "id: broken\ntitle: x\nkind: quizz\ntopic: cnn-basics\n")
    with pytest.raises(Exception) as refused:
        build_bundle(locate_bank(tmp_path), tmp_path / "autograder.zip")
    assert "kind" in str(refused.value)
    assert not (tmp_path / "autograder.zip").exists()


def test_links_inside_the_bank_are_copied_as_files_and_links_outside_refused(course, tmp_path):
    bank = tmp_path / "bank"
    shutil.copytree(course, bank, symlinks=True)
    shared = bank / "solutions" / "corr2d" / "conv.py"
    (bank / "solutions" / "shared.py").write_text(shared.read_text())
    shared.unlink()
    shared.symlink_to("../shared.py")
    build_bundle(locate_bank(bank), tmp_path / "ok.zip")
    with zipfile.ZipFile(tmp_path / "ok.zip") as archive:
        assert archive.read("bank/solutions/corr2d/conv.py") == (bank / "solutions" / "shared.py").read_bytes()
    shared.unlink()
    shared.symlink_to("/etc/hostname")
    with pytest.raises(SpecError, match="outside the bank"):
        build_bundle(locate_bank(bank), tmp_path / "bad.zip")
    shared.unlink()
    with pytest.raises(SpecError, match="reference solutions/corr2d/conv.py is not in the bank"):
        build_bundle(locate_bank(bank), tmp_path / "bad.zip")


def test_a_term_from_the_time_limit_mid_grading_still_leaves_results(installed, tmp_path):
    root = installed
    submit(root, {"conv.py": "import time\ntime.sleep(300)\n"})
    script = tmp_path / "run_autograder"
    script.write_text((root / "run_autograder").read_text().replace("timeout --kill-after=5 580 ", "timeout --kill-after=20 6 "))
    script.chmod(0o755)
    graded = run([str(script)], root, timeout=60)
    assert graded.returncode == 0
    results = results_of(root)
    assert results["score"] == 0 and "ran past the autograder's time limit" in results["output"]


def test_help_of_both_commands_has_examples():
    for command in (["bundle", "gradescope"], ["export-quiz"]):
        shown = subprocess.run([sys.executable, "-m", "grader.cli", *command, "--help"], capture_output=True, text=True,
                               cwd=REPO, timeout=60, env={**os.environ, "COLUMNS": "200"})
        assert shown.returncode == 0 and "Examples" in shown.stdout, shown.stdout


def test_a_zip_of_one_folder_is_graded_as_that_folder(installed):
    root = installed
    folder = submit(root, {}) / "my-work"
    folder.mkdir()
    (folder / "student.yaml").write_text("id: s777\n", encoding="utf-8")
    (folder / "answers.yaml").write_text("conv-params:\n  course-case: 280\n", encoding="utf-8")
    assert run([str(root / "run_autograder")], root).returncode == 0
    results = results_of(root)
    assert results["extra_data"]["student"] == "s777"
    assert {t["name"]: t["status"] for t in results["tests"]}["conv-params/course-case"] == "passed"


def test_setup_refuses_a_bank_changed_after_bundling(installed):
    root = installed
    spec = root / "source" / "bank" / "exercises" / "conv-params" / "spec.yaml"
    saved = spec.read_text()
    spec.write_text(saved.replace("Parameters of a convolution layer", "Parameters"))
    try:
        setup = run(["bash", str(root / "source" / "setup.sh")], root)
    finally:
        spec.write_text(saved)
    assert setup.returncode == 1 and "differ from those the bundle was built with" in setup.stderr


@pytest.mark.timeout(600)
def test_the_bundled_bank_grades_the_example_submission(tmp_path):
    """The whole bundled bank (13 code exercises; references shared through links) as shipped."""
    build_bundle(locate_bank(), tmp_path / "autograder.zip")
    root = unpack(tmp_path / "autograder.zip", tmp_path / "autograder")
    assert run(["bash", str(root / "source" / "setup.sh")], root).returncode == 0
    submit(root)
    graded = run([str(root / "run_autograder")], root)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    results = results_of(root)
    assert results["output"] == ""  # every answer of the example belongs to an exercise of the bank
    code = {e.id for e in load_bank(bundled("exercises")) if e.kind == "code"}
    graded_code = {t["name"].split("/")[0] for t in results["tests"]} & code
    assert graded_code == code and len(code) == 13  # none lost to a missing reference
    assert 0 < results["score"] < results["extra_data"]["max_score"]  # she made a few classic mistakes


def impostor_checkout(folder: Path) -> Path:
    """A folder holding another grader (as a checkout's root does): importing it fails loudly."""
    (folder / "grader").mkdir(parents=True)
    (folder / "grader" / "__init__.py").write_text("raise SystemExit('the grader of the current folder was imported')\n")
    return folder


def test_setup_and_run_autograder_never_import_a_grader_in_the_current_folder(installed, tmp_path):
    root, here = installed, impostor_checkout(tmp_path / "work")
    environment = env(root)
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True,
                           env=environment, cwd=here, timeout=420)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert f"grader from {root / 'source' / 'grader-src'}" in setup.stdout
    submit(root)
    graded = subprocess.run([str(root / "run_autograder")], capture_output=True, text=True, env=environment,
                            cwd=here, timeout=420)
    assert f"from {root / 'source' / 'grader-src'}" in graded.stdout, graded.stdout + graded.stderr
    assert results_of(root)["extra_data"]["student"] == "ada-lovelace"


def dry_run_block() -> str:
    text = (REPO / "docs" / "instructors.md").read_text(encoding="utf-8")
    start = text.index("**Trying a bundle without Gradescope.**")
    return text[text.index("```bash\n", start) + len("```bash\n"):text.index("```", text.index("```bash\n", start) + 7)]


def test_the_documented_dry_run_grades_with_the_bundles_code(course, tmp_path):
    """docs/instructors.md's block as written, run where an instructor would: beside examples/ and
    a grader of their own (the checkout's root), with the Python that has grader installed."""
    here = impostor_checkout(tmp_path / "checkout")
    shutil.copytree(REPO / "examples" / "submission", here / "examples" / "submission")
    build_bundle(locate_bank(course), here / "autograder.zip")
    ag = tmp_path / "ag"
    script = dry_run_block().replace("AG=/tmp/ag", f"AG={ag}")
    assert f"AG={ag}" in script
    path = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"  # `which python` finds ours
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, cwd=here,
                          timeout=420, env={**os.environ, "PATH": path})
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"grader from {ag / 'source' / 'grader-src'}" in done.stdout
    assert f"from {ag / 'source' / 'grader-src'}\n" in done.stdout  # run_autograder's own line
    results = results_of(ag)
    assert results["extra_data"]["student"] == "ada-lovelace" and results["tests"]
