"""Class-scale grading throughput, side by side in one run.

A synthetic class (default 200 submissions) over a copy of the bank: every quiz exercise
plus the code exercises named by --code (default corr2d and lenet). Each student answers
every quiz question (right, or a mistake a feedback rule names, or a plain wrong one) and
hands in each code file as the reference, one of its mutants, or not at all. Then:

- `grade_class` (what `grader grade` runs) with --jobs 1 and --jobs 2, wall time from the
  call to the last commit, worker start-up (spawn, bank, zygote) included;
- one fresh `grader check` process per submission: a sample of --sample, extrapolated;
- the in-process floor: `grade_submission` in this one process, code run in process
  through the same checks with no sandbox and no wire (the CodeGrader with an in-process
  session), after one warm-up submission; start-up not counted.

Peak memory per worker: the worker's own peak RSS (getrusage), and the peak PSS of each
worker's whole tree (worker, judge, zygote, sandbox children) sampled from /proc.
Usage: python bench/bench_batch.py [--size N] [--sample N] [--jobs 1 2] [--code corr2d lenet]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import sympy  # noqa: E402
import yaml  # noqa: E402

from grader.classroom.batch import grade_class  # noqa: E402
from grader.classroom.gradebook import Gradebook  # noqa: E402
from grader.proofs.mutants import load_mutants, reference_file  # noqa: E402
from grader.quiz import keys  # noqa: E402
from grader.bank.resources import bundled  # noqa: E402
from grader.bank.spec import CodeExercise, QuizExercise
from grader.bank.loading import load_bank, load_exercise  # noqa: E402
from grader.bank.variants import draw  # noqa: E402


def copy_solutions(ids: list[str], target: Path) -> None:
    """The references of `ids` into `target` (a bank's solutions/), with the course code they share."""
    for name in [*ids, "_course"]:
        if (bundled("solutions") / name).is_dir() and not (target / name).exists():
            shutil.copytree(bundled("solutions") / name, target / name, symlinks=False)


def copy_bank(target: Path, code: list[str]) -> list[str]:
    """Quizzes and the chosen code exercises that load today (others are being edited), with the
    bank's bank.yaml (its editions); returns what was left out."""
    left_out = []
    if (bundled("exercises") / "bank.yaml").is_file():
        shutil.copy(bundled("exercises") / "bank.yaml", target / "bank.yaml")
    for folder in sorted(p for p in bundled("exercises").iterdir() if (p / "spec.yaml").is_file()):
        try:
            exercise = load_exercise(folder)
        except Exception as error:  # noqa: BLE001 - a spec someone is editing right now
            left_out.append(f"{folder.name} ({type(error).__name__})")
            continue
        if isinstance(exercise, QuizExercise) or exercise.id in code:
            shutil.copytree(folder, target / folder.name)
        if exercise.id in code:  # the references beside the bank, where grading looks for them
            copy_solutions([exercise.id], target.parent / "solutions")
    return left_out


def _text(value) -> object:
    if isinstance(value, sympy.Basic):
        return str(int(value)) if value.is_Integer else str(value) if value.is_Rational else str(sympy.N(value, 45))
    return value


def quiz_answer(exercise: QuizExercise, question, values: dict, rng: random.Random) -> object:
    roll = rng.random()
    if roll < 0.6:  # right
        if question.type == "symbolic":
            return question.answer
        return _text(keys.key_value(exercise, question, values))
    if roll < 0.85 and question.feedback:  # a mistake the author foresaw
        when = question.feedback[0].when
        return when if question.type in ("symbolic", "choice", "multi") else _text(keys.rule_value(exercise, question, when, values))
    if question.type in ("choice", "multi"):
        wrong = next(letter for letter in sorted(question.option_map) if letter not in question.answer)
        return wrong if question.type == "choice" else [wrong]
    return {"numeric": "12345", "symbolic": "0", "shape": [1, 2, 3]}[question.type]


def make_class(root: Path, bank: list, size: int, seed: int = 0) -> list[Path]:
    rng = random.Random(seed)
    solutions = bundled("solutions")
    folders = []
    for i in range(size):
        student = f"s{i:03d}"
        folder = root / student
        folder.mkdir(parents=True)
        answers = {}
        for exercise in bank:
            if isinstance(exercise, QuizExercise):
                values = draw(exercise, student)
                answers[exercise.id] = {q.id: quiz_answer(exercise, q, values, rng) for q in exercise.questions}
            else:
                reference = reference_file(solutions, exercise).read_text()
                choices = [reference] * 3 + [m.source for m in load_mutants(solutions, exercise)]
                pick = rng.choice(choices + [None])
                if pick is not None:
                    (folder / exercise.file).write_text(pick)
        (folder / "answers.yaml").write_text(yaml.safe_dump(answers))
        (folder / "student.yaml").write_text(f"id: {student}\n")
        folders.append(folder)
    return folders


class TreeMemory:
    """Peak PSS of each worker's process tree (the worker and its descendants), sampled from /proc."""

    def __init__(self, interval: float = 0.25):
        self.interval, self.peaks, self._stop = interval, {}, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            parents = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        stat = Path(f"/proc/{entry}/stat").read_text()
                        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
                    except (OSError, IndexError, ValueError):
                        pass
            workers = [pid for pid, ppid in parents.items() if ppid == os.getpid() and _is_worker(pid)]
            for worker in workers:
                tree, frontier = {worker}, [worker]
                while frontier:
                    children = [p for p, pp in parents.items() if pp in frontier and p not in tree]
                    tree.update(children)
                    frontier = children
                total = sum(_pss_kb(pid) for pid in tree)
                self.peaks[worker] = max(total, self.peaks.get(worker, 0))


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()  # not the resource tracker
    except OSError:
        return False


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def batch(root: Path, bank_dir: Path, jobs: int, work: Path) -> tuple[float, object, dict]:
    with Gradebook(work / f"gradebook-{jobs}.sqlite") as book, TreeMemory() as memory:
        started = time.perf_counter()
        summary = grade_class(root, bank_dir, book, jobs=jobs, force=True)
        wall = time.perf_counter() - started
    return wall, summary, memory.peaks


def fresh_processes(folders: list[Path], bank_dir: Path) -> list[float]:
    times = []
    for folder in folders:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader.cli", "check", str(folder), "--exercises", str(bank_dir), "--quiet"],
                       cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return times


def floor(folders: list[Path], bank: list) -> float:
    """Seconds to grade `folders` in this process with code run in process (after one warm-up)."""
    import torch
    from bench_runner import InProcessSession

    from grader.checking import codegrade
    from grader.grading import grade_submission

    class Unsandboxed:
        protections = ()

        def start(self): pass
        def close(self): pass
        def wait_ready(self): pass

    class InProcess(InProcessSession):
        def __init__(self, sandbox, file, source, limits, seed=0, companions=None, **_session_options):
            self._scratch = tempfile.TemporaryDirectory()
            super().__init__(file, source, Path(self._scratch.name), companions)
            self.load_failure = self.failure

        def close(self):
            self._scratch.cleanup()

    torch.set_num_threads(1)
    codegrade.Session = InProcess  # the same CodeGrader and checks, with the child's operations called directly
    runner = codegrade.CodeGrader(sandbox=Unsandboxed())
    grade_submission(folders[0], bank, runner=runner)
    started = time.perf_counter()
    for folder in folders:
        grade_submission(folder, bank, runner=runner)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--sample", type=int, default=10, help="submissions graded by a fresh `grader check` each")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--code", nargs="*", default=["corr2d", "lenet"], help="code exercises to include")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    bank_dir = work / "bank" / "exercises"  # solutions/ beside it, as a bank is laid out
    bank_dir.mkdir(parents=True)
    left_out = copy_bank(bank_dir, args.code)
    bank = load_bank(bank_dir)
    folders = make_class(work / "class", bank, args.size)
    quizzes = sum(isinstance(e, QuizExercise) for e in bank)
    code = [e.id for e in bank if isinstance(e, CodeExercise)]
    print(f"class: {args.size} submissions; bank: {quizzes} quiz exercises "
          f"({sum(len(e.questions) for e in bank if isinstance(e, QuizExercise))} questions) + code {', '.join(code)}"
          + (f"; left out (not loading now): {', '.join(left_out)}" if left_out else ""))
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}, load average at start "
          f"{os.getloadavg()[0]:.1f}")

    print(f"{'mode':<34}{'wall s':>9}{'subs/min':>10}  notes", flush=True)
    per_minute = {}

    def row(name: str, wall: float, rate: float, note: str) -> None:
        print(f"{name:<34}{wall:>9.1f}{rate:>10.1f}  {note}", flush=True)

    for jobs in args.jobs:
        wall, summary, trees = batch(work / "class", bank_dir, jobs, work)
        per_minute[f"jobs {jobs}"] = 60 * args.size / wall
        rss = ", ".join(f"{kb / 1024:.0f}" for _, kb in sorted(summary.peak_rss_kb.items()))
        pss = ", ".join(f"{kb / 1024:.0f}" for kb in trees.values())
        row(f"grader grade --jobs {jobs}", wall, per_minute[f"jobs {jobs}"],
            f"graded {summary.graded}, failed {summary.failed}, mean {summary.mean_percent:.1f}%; "
            f"worker peak RSS MiB: {rss}; worker tree peak PSS MiB: {pss}")
    sample = folders[:: max(1, args.size // args.sample)][: args.sample]
    fresh = fresh_processes(sample, bank_dir)
    mean_fresh = sum(fresh) / len(fresh)
    row("grader check per submission", mean_fresh * args.size, 60 / mean_fresh,
        f"{len(fresh)} sampled ({mean_fresh:.2f} s each), extrapolated to {args.size}")
    floor_wall = floor(folders, bank)
    row("in-process floor (no sandbox)", floor_wall, 60 * args.size / floor_wall,
        "one process, warm, code run in process by the same checks")
    best = max(per_minute, key=per_minute.get)
    print(f"best batch ({best}): {per_minute[best] / (60 / mean_fresh):.1f}x the process-per-submission throughput "
          f"(target >= 10x); the floor is {(60 * args.size / floor_wall) / per_minute[best]:.2f}x its throughput (target <= 1.5x)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
