"""What the Gradescope bundle's `run_autograder` runs: `python -m grader.lms.gradescope_run`.

It grades `$ROOT/submission` (ROOT is `$GRADER_AUTOGRADER_ROOT`, default /autograder) on
the bank in `$ROOT/source/bank` and writes `$ROOT/results/results.json` in Gradescope's
format: quiz questions and public checks `visible`, hidden checks with the bundle's
hidden visibility (`after_published` unless chosen otherwise), the overall output visible.
Whatever breaks, a results.json is written (score 0 and what happened); what only the
instructor should see (tracebacks, sandbox layers) goes to stdout, which Gradescope keeps
hidden from students.

`--check-install` (the last step of setup.sh) loads the bank and says whether this is the
grader version and the bank the bundle was built with.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import traceback
from pathlib import Path

ROOT_VARIABLE = "GRADER_AUTOGRADER_ROOT"
CONFIG = "grader_bundle.json"


def autograder_root() -> Path:
    return Path(os.environ.get(ROOT_VARIABLE, "/autograder"))


def read_config(root: Path) -> dict:
    return json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))


def failure(message: str) -> dict:
    """A results.json for a submission that could not be graded: zero, and why."""
    return {"score": 0, "output": message, "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": []}


def write_results(root: Path, results: dict) -> Path:
    """Write results.json atomically: Gradescope never reads half a file."""
    folder = root / "results"
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "results.json.partial"
    partial.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(folder / "results.json")
    return folder / "results.json"


def with_visibility(results: dict, hidden_visibility: str) -> dict:
    """Gradescope visibility on grader's results.json: hidden checks get `hidden_visibility`."""
    for test in results.get("tests", []):
        hidden = bool(test.get("extra_data", {}).get("hidden"))
        test["visibility"] = hidden_visibility if hidden else "visible"
    if "max_score" in results:  # not a top-level field of Gradescope's format: kept, but as extra data
        results.setdefault("extra_data", {})["max_score"] = results.pop("max_score")
    results["visibility"] = "visible"
    results["stdout_visibility"] = "hidden"
    return results


def submission_folder(root: Path, scratch: Path) -> Path:
    """The folder to grade. A zip of one folder unpacks as submission/<folder>/: that folder is
    graded. Without a student.yaml the Gradescope student id (submission_metadata.json) seeds
    the quiz variants, so the folder is copied (its regular top-level files) under that name."""
    from grader.submissions.reading import STUDENT, student_id, valid_id

    folder = root / "submission"
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.is_dir() else []
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        folder = entries[0]
    if (folder / STUDENT).is_file():
        return folder
    student = _gradescope_student(root)
    student = student_id(student) if student is not None else None
    if student is None or not valid_id(student):
        return folder
    copy = scratch / student
    copy.mkdir()
    for path in folder.iterdir():
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, copy / path.name)
    return copy


def _gradescope_student(root: Path) -> str | None:
    try:
        users = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8")).get("users") or []
        user = users[0]
        return str(user.get("sid") or user.get("email") or "") or None
    except (OSError, ValueError, AttributeError, IndexError, KeyError, TypeError):
        return None


def _bank(root: Path, config: dict):
    from grader.bank.loading import load_bank
    from grader.bank.spec import CodeExercise

    exercises = load_bank(root / "source" / config["bank"] / "exercises")
    memory = int(config["child_memory_mb"])
    return [e.model_copy(update={"limits": e.limits.model_copy(update={"memory_mb": min(e.limits.memory_mb, memory)})})
            if isinstance(e, CodeExercise) else e for e in exercises]


def grade(root: Path, config: dict) -> dict:
    """Grade the submission; Gradescope's results as a dict."""
    from grader.grading import grade_submission, runner_for
    from grader.reports.render import render

    exercises = _bank(root, config)
    with tempfile.TemporaryDirectory(prefix="grader-submission-") as scratch:
        folder = submission_folder(root, Path(scratch))
        # Gradescope runs us as root in a throwaway container: a root child is reported, not refused
        with runner_for(exercises, root_child="warn") as runner:
            result = grade_submission(folder, exercises, runner=runner,
                                      budget_seconds=config.get("budget_seconds") or None)
    off = [name for name, on in result.protections if not on]
    import grader

    print(f"grader {grader.__version__} from {Path(grader.__file__).parent.parent}")
    print(f"graded {result.student_id}: {result.score:g}/{result.max_score:g}; sandbox layers off: {', '.join(off) or 'none'}")
    results = with_visibility(json.loads(render(result, "json")), config["hidden_visibility"])
    results["extra_data"]["bank_sha256"] = config.get("bank_sha256", "")
    return results


def check_install(root: Path) -> int:
    import grader

    config = read_config(root)
    problems = []
    if grader.__version__ != config["grader_version"]:
        problems.append(f"grader {grader.__version__} is installed but the bundle was built with {config['grader_version']}")
    try:
        import torch

        if torch.__version__.split("+")[0] != config["torch_version"]:
            problems.append(f"torch {torch.__version__} is installed but the bundle pins {config['torch_version']}")
    except ImportError:
        problems.append("torch is not installed")
    from grader.lms.gradescope import tree_hash

    if tree_hash(root / "source" / config["bank"]) != config.get("bank_sha256"):
        problems.append("the bank's files differ from those the bundle was built with (bank_sha256)")
    try:
        exercises = _bank(root, config)
    except Exception as error:  # a broken bank: say so at build time, not at the first submission
        problems.append(f"the bank does not load: {error}")
        exercises = []
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems:
        print(f"grader {grader.__version__} ready: {len(exercises)} exercises in {root / 'source' / config['bank']}")
    return 1 if problems else 0


class Stopped(BaseException):  # not Exception: no handler of a check may swallow it
    """run_autograder's `timeout` sent SIGTERM: Gradescope's time limit is near."""


_stopped: list[bool] = []  # set by the handler: a check harness may wrap Stopped in an error of its own


def _stop(signum, frame) -> None:
    _stopped.append(True)
    raise Stopped()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = autograder_root()
    if argv == ["--check-install"]:
        return check_install(root)
    signal.signal(signal.SIGTERM, _stop)  # unwinds the sandbox (its children die with it), then results
    try:
        results = grade(root, read_config(root))
    except BaseException as error:  # anything at all: the student still gets a results.json
        if _stopped:
            results = failure("Grading ran past the autograder's time limit and was stopped, so no check is graded. "
                              "Look for code that runs for long (a loop that never ends, training for many epochs); "
                              "your instructor can see how far grading got.")
        else:
            traceback.print_exc(file=sys.stdout)
            results = failure(f"The autograder could not grade this submission ({type(error).__name__}). This is not "
                              "a grade of your work: your instructor can see what happened; please tell them.")
        write_results(root, results)
        return 1
    write_results(root, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
