"""How long `grader check` takes on the bundled example submission.

Prints, side by side in one run: the whole command as a fresh process (what a student
waits for), and grading in an already-warm process (what a batch pays per submission),
split into quizzes and code. Also, each beside its baseline in the same run (alternating,
so that the load of a shared machine falls on both alike): a fresh quiz-only check
(`-e QUIZ -q`) beside a bare `python -c "import sympy"`, and the fresh full check beside a
bare `python -c "import torch"`, with their ratios and the targets (issue 13).
Usage: python bench/bench_check.py [--repeat N] [--quiz ID] [--no-warm]
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


QUIZ_TARGET = 2.3  # a fresh quiz-only check, at most this times a bare `import sympy`
FULL_TARGET = 2.6  # the fresh full check, at most this times a bare `import torch`
FILED = {QUIZ_TARGET: 3.6, FULL_TARGET: 4.8}  # the ratios measured when issue 13 was filed


def _once(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def fresh_pairs(repeat: int, quiz: str) -> dict[str, list[float]]:
    """Fresh processes, alternating each command with its baseline."""
    commands = {
        "import sympy": [sys.executable, "-c", "import sympy"],
        "quiz-only check": [sys.executable, "-m", "grader.cli", "check", str(EXAMPLE), "-e", quiz, "--quiet"],
        "import torch": [sys.executable, "-c", "import torch"],
        "full check": [sys.executable, "-m", "grader.cli", "check", str(EXAMPLE), "--quiet"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for name, command in commands.items():  # one untimed round: the files in the page cache
        _once(command)
    for _ in range(repeat):
        for name, command in commands.items():
            times[name].append(_once(command))
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
    parser.add_argument("--quiz", default="conv-params", help="The quiz of the quiz-only check.")
    parser.add_argument("--no-warm", action="store_true", help="Only the fresh processes.")
    args = parser.parse_args()
    fresh = {name: statistics.median(values) for name, values in fresh_pairs(args.repeat, args.quiz).items()}
    cold = fresh["full check"]
    print(f"grader check on {EXAMPLE.relative_to(REPO)} (median of {args.repeat})")
    print(f"  fresh process, whole command : {cold:7.3f} s")
    for what, base, target in ((f"quiz-only check (-e {args.quiz})", "import sympy", QUIZ_TARGET),
                               ("full check", "import torch", FULL_TARGET)):
        ratio = fresh[what.split(" (")[0]] / fresh[base]
        print(f"  fresh {what}: {fresh[what.split(' (')[0]]:.3f} s vs bare `{base}` {fresh[base]:.3f} s: "
              f"{ratio:.2f}x (target <= {target}x: {'met' if ratio <= target else 'not met'}; {FILED[target]}x when filed)")
    if args.no_warm:
        return
    hot = warm(args.repeat)
    for name, values in hot.items():
        print(f"  warm process, {name:<15}: {statistics.median(values):7.3f} s")
    total = statistics.median(hot["quizzes"]) + statistics.median(hot["code"])
    print(f"  warm process, all            : {total:7.3f} s  ({cold / total:.1f}x faster than fresh)")


if __name__ == "__main__":
    main()
