"""`grader check` on the example submission, before and after reading editions (issue 19).

Checks out BASE (default 76ba562, before editions) into a temporary git worktree outside the
repository and times `python -m grader.cli check examples/submission --quiet` there and here,
alternating, so the load of a shared machine falls on both alike; prints the medians and
their ratio. Each side runs its own grader with its own bundled bank (the command is run from
its checkout, which comes first on sys.path).
Usage: python bench/bench_editions.py [--repeat N] [--base COMMIT]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _once(checkout: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader.cli", "check", "examples/submission", "--quiet"], cwd=checkout,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def _grader_of(checkout: Path) -> str:
    return subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"], cwd=checkout,
                          capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--base", default="76ba562")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grader-base-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base], cwd=REPO, check=True,
                       capture_output=True)
        try:
            assert _grader_of(base).startswith(str(base)), "the base checkout must run its own grader"
            times: dict[str, list[float]] = {"before": [], "after": []}
            for _ in range(args.repeat):
                times["before"].append(_once(base))
                times["after"].append(_once(REPO))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=REPO, check=False,
                           capture_output=True)
    before, after = statistics.median(times["before"]), statistics.median(times["after"])
    print(f"grader check examples/submission, median of {args.repeat}, alternating:")
    print(f"  before ({args.base}): {before:6.2f} s   {' '.join(f'{t:.2f}' for t in times['before'])}")
    print(f"  after  (editions):   {after:6.2f} s   {' '.join(f'{t:.2f}' for t in times['after'])}")
    print(f"  after / before: {after / before:.2f}")


if __name__ == "__main__":
    main()
