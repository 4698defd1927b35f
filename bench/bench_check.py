"""How long `grader check` takes on the bundled example submission.

Prints, side by side in one run: the whole command as a fresh process (what a student
waits for), and grading in an already-warm process (what a batch pays per submission),
split into quizzes and code. Usage: python bench/bench_check.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "submission"


def fresh_process(repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader.cli", "check", str(EXAMPLE), "--quiet"], cwd=REPO,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return times


def warm(repeat: int) -> dict[str, list[float]]:
    sys.path.insert(0, str(REPO))
    from grader.bank.loading import load_bank
    from grader.bank.resources import bundled
    from grader.bank.spec import QuizExercise
    from grader.grading import grade_submission, runner_for

    bank = load_bank(bundled("exercises"))
    quizzes = [e for e in bank if isinstance(e, QuizExercise)]
    code = [e for e in bank if not isinstance(e, QuizExercise)]
    times: dict[str, list[float]] = {"quizzes": [], "code": []}
    with runner_for(bank) as runner:
        grade_submission(EXAMPLE, bank, runner=runner)  # warm-up: judge worker, zygote, caches
        for _ in range(repeat):
            for name, part in (("quizzes", quizzes), ("code", code)):
                started = time.perf_counter()
                grade_submission(EXAMPLE, part, runner=runner)
                times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cold = fresh_process(args.repeat)
    hot = warm(args.repeat)
    print(f"grader check on {EXAMPLE.relative_to(REPO)} (median of {args.repeat})")
    print(f"  fresh process, whole command : {statistics.median(cold):7.3f} s")
    for name, values in hot.items():
        print(f"  warm process, {name:<15}: {statistics.median(values):7.3f} s")
    total = statistics.median(hot["quizzes"]) + statistics.median(hot["code"])
    print(f"  warm process, all            : {total:7.3f} s  ({statistics.median(cold) / total:.1f}x faster than fresh)")


if __name__ == "__main__":
    main()
