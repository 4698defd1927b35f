"""Grading a class: find the submission folders, skip what is graded already, grade the
rest in parallel workers, and commit each grading to the gradebook as it arrives.

    summary = grade_class(Path("submissions"), Path("exercises"), gradebook, jobs=2)

or, to show progress between the two steps, `plan_class` then `grade_planned`.

A submission is a folder under the class folder; its student id comes from its
student.yaml or its name. It is graded again only when its files or the bank changed
since its current grading (or that grading failed), when `force` is set, or when it is
the one `student` asked for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader import __version__
from grader.bank.spec import CodeExercise
from grader.bank.version import bank_hash
from grader.classroom.gradebook import Gradebook
from grader.classroom.workers import WorkerPool
from grader.errors import GraderError
from grader.i18n import _, listed
from grader.reports.resultdata import submission_from_data
from grader.submissions.files import content_hash, shown
from grader.submissions.reading import identify

def folder_hash(folder: Path) -> str:
    """A submission's content hash: exactly what grading reads of it (see submission_files.content_hash)."""
    return content_hash(folder)


@dataclass(frozen=True)
class Folder:
    path: Path
    student_id: str
    content_hash: str
    duplicate_of: str = ""  # other folders that claim the same student id: none of them is graded
    problem: str = ""  # why its id or content could not be read: it is recorded as failed, not graded


def _inspect(path: Path, hashed: bool) -> Folder:
    """One folder's student and (when `hashed`) hash, inside its own failure boundary: what it holds is the student's."""
    student = shown(path.name)
    try:
        if path.is_symlink():
            return Folder(path, student, "", problem=_("{folder} is a symbolic link; copy the submission folder in "
                                                       "instead").format(folder=student))
        if shown(path.name) != path.name:
            return Folder(path, student, "", problem=_("the folder name '{folder}' is not UTF-8; rename the folder").format(
                folder=student))
        student, problems = identify(path)
        if problems:
            return Folder(path, student, "", problem="; ".join(problems))
        return Folder(path, student, folder_hash(path) if hashed else "")
    except Exception as error:  # noqa: BLE001 - whatever the folder holds, only this submission fails
        return Folder(path, student, "", problem=_("its folder could not be read: {kind}: {reason}").format(
            kind=type(error).__name__, reason=str(error)[:300]))


def find_submissions(root: Path, *, hashed: bool = True) -> list[Folder]:
    """The submission folders directly under `root`, by name, each with its student and hash (without
    `hashed`, none: a caller that reads only some files, as `grader similarity`, is spared reading all)."""
    root = Path(root)
    if not root.is_dir():
        raise GraderError(_("{root}: not a folder; pass the folder that holds one folder per submission").format(root=root))
    paths = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    found = [_inspect(path, hashed) for path in paths]
    claims: dict[str, list[Path]] = {}  # student id -> the folders that claim it, in order
    for folder in found:
        claims.setdefault(folder.student_id, []).append(folder.path)
    folders = []
    for folder in found:
        others = [shown(path.name) for path in claims[folder.student_id] if path != folder.path]
        folders.append(replace(folder, duplicate_of=listed(others)))
    if not folders:
        looks_single = (root / "answers.yaml").is_file() or any(root.glob("*.py"))
        raise GraderError((_("{root}: no submission folders in it; it looks like one submission: grade it with "
                             "`grader check`") if looks_single else _("{root}: no submission folders in it")).format(root=root))
    return folders


@dataclass
class Summary:
    graded: int = 0
    skipped: int = 0  # unchanged since their current grading
    failures: list[tuple[str, str]] = field(default_factory=list)  # (student id, why)
    scores: list[tuple[float, float]] = field(default_factory=list)  # (score, max) of every graded one
    peak_rss_kb: dict[int, int] = field(default_factory=dict)  # worker slot -> its peak resident memory
    protections: dict[str, tuple] = field(default_factory=dict)  # on a cluster: worker address -> its sandbox's

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def mean_percent(self) -> float | None:
        ratios = [s / m for s, m in self.scores if m]
        return 100 * sum(ratios) / len(ratios) if ratios else None


@dataclass(frozen=True)
class Plan:
    """What a batch will do: the bank's version, every folder found, and those to grade."""

    root: Path
    bank: Path
    version: str
    deadline: float  # seconds a worker may spend on one submission
    folders: list[Folder]
    todo: list[Folder]
    budget_seconds: float | None = None  # each submission's code, else the bank's (grading.submission_budget)
    only: tuple[str, ...] = ()  # the exercises to grade (`grade -e`); () for all

    @property
    def skipped(self) -> int:
        return len(self.folders) - len(self.todo)


def plan_class(root: Path, bank: Path, gradebook: Gradebook, *, student: str | None = None, force: bool = False,
               budget_seconds: float | None = None, only: Sequence[str] = ()) -> Plan:
    """Find the submissions under `root` and choose those to grade (a broken bank raises SpecErrors).

    `only`: grade just these exercises (an id the bank lacks is a SpecError); a grading of
    another choice of exercises is another version, so changing the choice regrades."""
    from grader.grading import submission_budget  # late: it brings the quiz engine
    from grader.bank.loading import chosen, load_bank

    exercises = load_bank(bank)
    version = bank_hash(bank, exercises)
    only = tuple(dict.fromkeys(only))
    if only:
        exercises = chosen(exercises, only, bank)
        version = hashlib.sha256(f"{version}\0only:{','.join(sorted(only))}".encode()).hexdigest()
    folders = find_submissions(root)
    if student is not None:
        folders = [f for f in folders if f.student_id == student]
        if not folders:
            known = listed(sorted({f.student_id for f in find_submissions(root)})[:20])
            raise GraderError(_("no submission of student {student!r} under {root} (students: {known})").format(
                student=student, root=root, known=known))
    todo = [f for f in folders
            if force or student or f.duplicate_of or f.problem or not gradebook.unchanged(f.student_id, f.content_hash, version)]
    budget = submission_budget(exercises) if budget_seconds is None else budget_seconds
    deadline = 120 + min(budget, sum(e.limits.exercise_seconds for e in exercises if isinstance(e, CodeExercise)))
    return Plan(Path(root), Path(bank), version, deadline, folders, todo, budget_seconds, only)


def grade_planned(plan: Plan, gradebook: Gradebook, *, jobs: int = 1, public_only: bool = False,
                  on_done: Callable[[str], None] = lambda student_id: None, root_child: str = "refuse",
                  cluster=None) -> Summary:
    """Grade `plan.todo` in `jobs` workers, committing each grading to `gradebook` as it arrives.

    With `cluster` (a `grader.classroom.cluster.Target`) they are graded on that Dask cluster instead,
    whose workers are counted as the run's jobs. A sandbox whose children would be root
    raises RootChildRefused unless `root_child` is "allow".
    """
    summary = Summary(skipped=plan.skipped)
    todo = [f for f in plan.todo if not (f.problem or f.duplicate_of)]
    if cluster is None:
        pool = WorkerPool(plan.bank, jobs, public_only=public_only, deadline=plan.deadline, root_child=root_child,
                          budget_seconds=plan.budget_seconds, only=plan.only)
        outcomes = pool.run([f.path for f in todo])
    else:
        from grader.classroom.cluster import ClusterPool  # late: it needs the optional distributed

        pool = ClusterPool(cluster, plan.bank, plan.version, public_only=public_only, deadline=plan.deadline,
                           root_child=root_child, budget_seconds=plan.budget_seconds, only=plan.only)
        if todo:
            pool.connect()  # before the run is recorded: an unreachable scheduler records nothing
        jobs = pool.jobs
        outcomes = pool.run([f.path for f in todo], [f.content_hash for f in todo])
    try:
        return _record(plan, gradebook, jobs, todo, outcomes, summary, on_done)
    finally:
        if cluster is not None:
            pool.close()


def _record(plan: Plan, gradebook: Gradebook, jobs: int, todo: list[Folder], outcomes, summary: Summary,
            on_done: Callable[[str], None]) -> Summary:
    """Commit each outcome to `gradebook` as it arrives (and the submissions that failed before grading)."""
    run_id = gradebook.start_run(plan.version, plan.bank, plan.root, jobs, __version__)
    for folder in plan.todo:
        if folder.problem or folder.duplicate_of:
            _fail(gradebook, run_id, plan.version, folder, summary, folder.problem or
                  _("student id {student!r} is claimed by {others} too; fix their student.yaml files").format(
                      student=folder.student_id, others=folder.duplicate_of))
            on_done(folder.student_id)
    for outcome in outcomes:
        folder = todo[outcome.index]
        summary.peak_rss_kb[outcome.worker] = max(outcome.peak_rss_kb, summary.peak_rss_kb.get(outcome.worker, 0))
        if outcome.result is None:
            _fail(gradebook, run_id, plan.version, folder, summary, outcome.error)
        else:
            result = submission_from_data(outcome.result)
            if outcome.where:
                summary.protections[outcome.where] = result.protections
            gradebook.record(run_id, folder.student_id, shown(str(folder.path)), folder.content_hash, plan.version, result)
            summary.graded += 1
            summary.scores.append((result.score, result.max_score))
        on_done(folder.student_id)
    gradebook.finish_run(run_id, summary.graded, summary.skipped, summary.failed)
    graded_now = {f.path for f in plan.todo}
    summary.scores += gradebook.current_scores([f.student_id for f in plan.folders if f.path not in graded_now])
    return summary


def grade_class(root: Path, bank: Path, gradebook: Gradebook, *, jobs: int = 1, student: str | None = None,
                force: bool = False, public_only: bool = False,
                on_done: Callable[[str], None] = lambda student_id: None) -> Summary:
    """Plan and grade in one call: the submissions under `root` on `bank` into `gradebook`."""
    plan = plan_class(root, bank, gradebook, student=student, force=force)
    return grade_planned(plan, gradebook, jobs=jobs, public_only=public_only, on_done=on_done)


def _fail(gradebook: Gradebook, run_id: int, version: str, folder: Folder, summary: Summary, why: str) -> None:
    gradebook.record(run_id, folder.student_id, shown(str(folder.path)), folder.content_hash, version, None, failure=why)
    summary.failures.append((folder.student_id, why))
