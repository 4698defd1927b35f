"""Per-submission wall time of the code runner, side by side in one run.

- sandboxed: `CodeGrader.grade` with a warm zygote (the runner as shipped);
- in-process: the same checks on the student's module imported in this process, no
  isolation, no wire (the floor);
- fresh interpreter: a new `python` per submission that imports torch and grades in
  process (the baseline a zygote has to beat).

Submissions: the references, a correct one in another style, and every mutant of corr2d
and lenet. Usage: python bench/bench_runner.py [--rounds N] [--baseline N]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from grader.checking import checks  # noqa: E402
from grader.checking.codegrade import CodeGrader  # noqa: E402
from grader.checking.remote import Submission  # noqa: E402
from grader.bank.resources import bundled  # noqa: E402
from grader.reports.results import Status  # noqa: E402
from grader.sandbox.child import Missing, Server  # noqa: E402
from grader.proofs.mutants import load_mutants  # noqa: E402
from grader.checking.session import StudentError, StudentFault  # noqa: E402
from grader.bank.loading import load_exercise  # noqa: E402


def submissions() -> list[tuple[str, Path]]:
    """(exercise id, folder holding its file) for every submission of the run."""
    out, solutions = [], bundled("solutions")
    staging = Path(tempfile.mkdtemp(prefix="bench-runner-"))
    for exercise_id in ("corr2d", "lenet"):
        exercise = load_exercise(bundled("exercises") / exercise_id)
        out.append((exercise_id, solutions / exercise_id))
        out.append((exercise_id, REPO / "tests" / "submissions" / "other_style"))
        for mutant in load_mutants(solutions, exercise):
            folder = staging / f"{exercise_id}-{mutant.name}"
            folder.mkdir()
            (folder / exercise.file).write_text(mutant.source)
            out.append((exercise_id, folder))
    return out


class InProcessSession:
    """The child server's operations called directly: no process, no wire, no limits."""

    generation = 1

    def __init__(self, file: str, source: str, scratch: Path, companions: dict[str, str] | None = None):
        for name in [file, *(companions or {})]:
            sys.modules.pop(Path(name).stem, None)
        self.server = Server(scratch)
        self.notes: list[str] = []  # as Session's: where a bound cut a check's search
        self.fits: dict = {}  # as Session's: the arrangements of claimed weights that explained them
        try:
            self.server.op_load(file, source, seed=0, companions=companions)
            self.failure = None
        except BaseException as exc:  # the student's import failed
            self.failure = str(exc)
        while str(scratch) in sys.path:
            sys.path.remove(str(scratch))

    def forget(self) -> None:
        """What the sandboxed Session does after each check: the check's objects dropped."""
        self.server.op_forget()

    def request(self, op: str, **args):
        if self.failure:
            raise StudentFault(self.failure)
        try:
            value = getattr(self.server, "op_" + op)(**args)
        except Missing as exc:
            raise StudentFault(str(exc)) from None
        except Exception as exc:
            raise StudentError(self.server.fault(exc), 0) from None
        return value


def grade_in_process(exercise, folder: Path, reference) -> float:
    """The score of one submission with every check run in this process."""
    path = folder / exercise.file
    with tempfile.TemporaryDirectory() as scratch:
        session = InProcessSession(exercise.file, path.read_text(), Path(scratch))
        functions = checks.collect(exercise)
        score = 0.0
        for check in exercise.checks:
            torch.manual_seed(0)
            outcome = checks.run(functions[check.id], {"submission": Submission(session), "reference": reference,
                                                       "device": "cpu"})
            score += check.points if outcome.status == Status.PASSED else 0
    return score


def reference_of(exercise):
    spec = importlib.util.spec_from_file_location(f"_bench_ref_{exercise.id}", bundled("solutions") / exercise.id / exercise.file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def time_each(fn, items) -> list[float]:
    times = []
    for item in items:
        started = time.perf_counter()
        fn(*item)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all submissions (warm modes)")
    parser.add_argument("--baseline", type=int, default=6, help="submissions graded by a fresh interpreter each")
    parser.add_argument("--one", nargs=2, metavar=("EXERCISE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    bank = bundled("exercises")
    exercises = {i: load_exercise(bank / i) for i in ("corr2d", "lenet")}
    if args.one:  # the fresh-interpreter mode, run as a subprocess of this script
        exercise = exercises[args.one[0]]
        print(grade_in_process(exercise, Path(args.one[1]), reference_of(exercise)))
        return
    subs = [(exercises[e], folder) for e, folder in submissions()]
    torch.set_num_threads(1)  # the same threading as the zygote's children
    references = {e.id: reference_of(e) for e in exercises.values()}

    started = time.perf_counter()
    with CodeGrader() as grader:
        protections = grader.protections
        startup = time.perf_counter() - started
        grader.grade(*subs[0])  # first-call costs in the grader (check imports) out of the timing
        sandboxed = [t for _ in range(args.rounds) for t in time_each(grader.grade, subs)]
    grade_in_process(subs[0][0], subs[0][1], references[subs[0][0].id])
    floor = [t for _ in range(args.rounds)
             for t in time_each(lambda e, f: grade_in_process(e, f, references[e.id]), subs)]
    fresh = time_each(lambda e, f: subprocess.run([sys.executable, __file__, "--one", e.id, str(f)], check=True,
                                                  capture_output=True), subs[: args.baseline])

    print(f"{len(subs)} submissions (corr2d and lenet, right and wrong); machine: {torch.get_num_threads()} thread(s) "
          f"in checks, {sys.platform}")
    print("protections on: " + ", ".join(name for name, on in protections if on))
    print("protections off: " + (", ".join(name for name, on in protections if not on) or "none"))
    print(f"zygote start (import torch, warm-up), once per grader: {startup:.2f} s")
    print(f"{'mode':<32}{'median ms':>12}{'mean ms':>10}{'n':>6}")
    for name, times in (("sandboxed (warm zygote)", sandboxed), ("in-process, no isolation (floor)", floor),
                        ("fresh interpreter per submission", fresh)):
        print(f"{name:<32}{statistics.median(times) * 1000:>12.1f}{statistics.mean(times) * 1000:>10.1f}{len(times):>6}")
    print(f"sandbox overhead over the floor: {(statistics.median(sandboxed) - statistics.median(floor)) * 1000:.1f} ms "
          "per submission (median)")


if __name__ == "__main__":
    main()
