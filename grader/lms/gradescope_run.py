"""What the Gradescope bundle's `run_autograder` runs: `python -m grader.lms.gradescope_run`.

It grades `$ROOT/submission` (ROOT is `$GRADER_AUTOGRADER_ROOT`, default /autograder) on
the bank in `$ROOT/source/bank` and writes `$ROOT/results/results.json` in Gradescope's
format: quiz questions and public checks `visible`, hidden checks with the bundle's
hidden visibility (`after_published` unless chosen otherwise), the overall output visible.
Whatever breaks, a results.json is written (score 0 and what happened); what only the
instructor should see (tracebacks, sandbox layers) goes to stdout, which Gradescope keeps
hidden from students.

The student is the Gradescope account that submitted (`submission_metadata.json`), never
the `id:` of a student.yaml in the submission: a different one is shown to the student and
flagged for the instructor, and results.json's `extra_data` says which id seeded the quiz
numbers (`student`, `student_id_source`). Without that file (a dry run) the folder says.

`--check-install` (the last step of setup.sh) loads the bank and says whether this is the
grader version and the bank the bundle was built with.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

from grader.i18n import ENGLISH, _, listed, set_language

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


def submission_folder(root: Path) -> Path:
    """The folder to grade. A zip of one folder unpacks as submission/<folder>/: that folder is graded."""
    folder = root / "submission"
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.is_dir() else []
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        folder = entries[0]
    return folder


@dataclass(frozen=True)
class Identity:
    """Who a submission is graded as. On Gradescope the account that submitted is the student:
    an `id:` in student.yaml never overrides it (else a classmate's student.yaml would earn
    the classmate's variant and grade); a different one is shown and flagged."""

    student_id: str | None  # None: no Gradescope account is known, the folder says (student.yaml, else its name)
    source: str  # what seeded the quiz numbers: "gradescope" or "submission"
    claimed: str | None = None  # a different id that student.yaml gives, not used
    folder_problems: tuple[str, ...] = ()  # what the folder's own id reading found: moot on Gradescope

    def notes(self) -> list[str]:
        """What the student is told, before the report."""
        if self.student_id is None:
            return []
        notes = [_("Your quiz numbers are drawn for {student}, the Gradescope account this was submitted from.").format(
            student=self.student_id)]
        if self.claimed is not None:
            notes.append(_("Your student.yaml says id: {claimed}, which is not that account: it was not used, and your "
                           "instructor can see the difference.").format(claimed=self.claimed))
        return notes

    def flag(self) -> str | None:
        """What the instructor is told (stdout, which students do not see), when anything."""
        if self.claimed is None:
            return None
        return _("FLAG: student.yaml gives id {claimed!r}, but Gradescope account {student!r} submitted; graded as "
                 "{student!r} (a classmate's student.yaml?)").format(claimed=self.claimed, student=self.student_id)

    def extra(self) -> dict:
        extra = {"student_id_source": self.source}
        if self.claimed is not None:
            extra["student_yaml_id"] = self.claimed
        return extra


MAX_ID_CHARS = 256


def gradescope_student(root: Path) -> str | None:
    """The id of the account that submitted (`sid`, else `email`, of the first user in
    submission_metadata.json), or None where there is no usable one (a dry run)."""
    from grader.submissions.reading import student_id

    try:
        users = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8")).get("users") or []
        user = users[0]
        for key in ("sid", "email"):
            value = user.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                text = student_id(str(value).strip())  # as student.yaml's ids are kept (NFKC)
                if text and len(text) <= MAX_ID_CHARS and text.isprintable():
                    return text
    except (OSError, ValueError, AttributeError, IndexError, KeyError, TypeError):
        pass
    return None


def identity(root: Path, folder: Path) -> Identity:
    """Who `folder` is graded as (see Identity)."""
    from grader.submissions.reading import identify, written_id

    account = gradescope_student(root)
    if account is None:
        return Identity(None, "submission")
    claimed = written_id(folder)
    differs = claimed is not None and claimed.strip().casefold() != account.casefold()
    return Identity(account, "gradescope", claimed if differs else None, tuple(identify(folder)[1]))


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
    folder = submission_folder(root)
    who = identity(root, folder)
    # Gradescope runs us as root in a throwaway container: a root child is reported, not refused
    with runner_for(exercises, root_child="warn") as runner:
        result = grade_submission(folder, exercises, runner=runner, student_id=who.student_id,
                                  budget_seconds=config.get("budget_seconds") or None)
    if who.folder_problems:  # how the folder's own id was read: not used here, so not the student's concern
        result = replace(result, problems=tuple(p for p in result.problems if p not in who.folder_problems))
    off = [name for name, on in result.protections if not on]
    import grader

    print(_("grader {version} from {folder}").format(version=grader.__version__, folder=Path(grader.__file__).parent.parent))
    print(_("graded {student} (id from {source}): {score:g}/{max_score:g}; sandbox layers off: {layers}").format(
        student=result.student_id, source=who.source, score=result.score, max_score=result.max_score,
        layers=listed(off) or _("none")))
    if who.flag():
        print(who.flag())
    results = with_visibility(json.loads(render(result, "json")), config["hidden_visibility"])
    results["output"] = "\n".join(who.notes() + ([results["output"]] if results["output"] else []))
    results["extra_data"]["bank_sha256"] = config.get("bank_sha256", "")
    results["extra_data"].update(who.extra())
    return results


def check_install(root: Path) -> int:
    import grader

    config = read_config(root)
    problems = []
    if grader.__version__ != config["grader_version"]:
        problems.append(_("grader {installed} is installed but the bundle was built with {built}").format(
            installed=grader.__version__, built=config["grader_version"]))
    try:
        import torch

        if torch.__version__.split("+")[0] != config["torch_version"]:
            problems.append(_("torch {installed} is installed but the bundle pins {pinned}").format(
                installed=torch.__version__, pinned=config["torch_version"]))
    except ImportError:
        problems.append(_("torch is not installed"))
    from grader.lms.gradescope import tree_hash

    if tree_hash(root / "source" / config["bank"]) != config.get("bank_sha256"):
        problems.append(_("the bank's files differ from those the bundle was built with (bank_sha256)"))
    try:
        exercises = _bank(root, config)
    except Exception as error:  # a broken bank: say so at build time, not at the first submission
        problems.append(_("the bank does not load: {reason}").format(reason=error))
        exercises = []
    for problem in problems:
        print(_("error: {problem}").format(problem=problem), file=sys.stderr)
    if not problems:
        print(_("grader {version} ready: {count} exercises in {bank}; grader from {folder}").format(
            version=grader.__version__, count=len(exercises), bank=root / "source" / config["bank"],
            folder=Path(grader.__file__).parent.parent))
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
        config = read_config(root)
        set_language(config.get("language") or ENGLISH)  # the students' language, as the bundle was built
        results = grade(root, config)
    except BaseException as error:  # anything at all: the student still gets a results.json
        if _stopped:
            results = failure(_("Grading ran past the autograder's time limit and was stopped, so no check is graded. "
                                "Look for code that runs for long (a loop that never ends, training for many epochs); "
                                "your instructor can see how far grading got."))
        else:
            traceback.print_exc(file=sys.stdout)
            results = failure(_("The autograder could not grade this submission ({kind}). This is not a grade of your "
                                "work: your instructor can see what happened; please tell them.").format(kind=type(error).__name__))
        write_results(root, results)
        return 1
    write_results(root, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
