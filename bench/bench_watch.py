"""How long `grader watch` takes to regrade after a save, against a fresh `grader check`.

Side by side in one run, for three saves: a quiz answer (conv-params in answers.yaml),
conv.py (corr2d) and lenet.py (lenet). "fresh" is the whole `grader check SUB -e ID --quiet`
command as a new process; "watch" is `Watcher.regrade([saved file])` in a watcher that graded
the copy once already (bank, judge worker and sandbox warm), i.e. from the save being noticed
to the report being ready. Noticing the save adds the watcher's settle time (50 ms with
watchfiles; up to the 0.2 s poll without it). Targets: 0.3 s for a quiz answer, 1 s for a
code file. Usage: python bench/bench_watch.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "submission"
CASES = [  # (what is saved, exercise, file, target seconds)
    ("quiz answer", "conv-params", "answers.yaml", 0.3),
    ("conv.py", "corr2d", "conv.py", 1.0),
    ("lenet.py", "lenet", "lenet.py", 1.0),
]


def save(folder: Path, file: str, round_: int) -> None:
    """A real edit: a different answer, or the module with one more comment line."""
    path = folder / file
    text = path.read_text()
    if file == "answers.yaml":
        new, old = ("count: 514 ", "count: 504 ") if round_ % 2 == 0 else ("count: 504 ", "count: 514 ")
        path.write_text(text.replace(old, new))
    else:
        path.write_text(text + f"# edit {round_}\n")


def fresh(folder: Path, exercise: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader.cli", "check", str(folder), "-e", exercise, "--quiet"],
                       cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return times


def warm(folder: Path, repeat: int) -> tuple[dict[str, list[float]], float]:
    sys.path.insert(0, str(REPO))
    from grader.bank.location import locate_bank
    from grader.watch import Watcher

    times: dict[str, list[float]] = {exercise: [] for _, exercise, _, _ in CASES}
    started = time.perf_counter()
    with Watcher(folder, locate_bank(None).exercises, only=[e for _, e, _, _ in CASES]) as watcher:
        watcher.start_sandbox()
        watcher.start()
        first = time.perf_counter() - started
        for round_ in range(repeat):
            for _, exercise, file, _ in CASES:
                save(folder, file, round_)
                began = time.perf_counter()
                regrade = watcher.regrade([folder / file])
                times[exercise].append(time.perf_counter() - began)
                assert regrade is not None and [r.exercise_id for r in regrade.regraded] == [exercise], regrade
    return times, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ada"
        shutil.copytree(EXAMPLE, folder)
        cold = {exercise: fresh(folder, exercise, args.repeat) for _, exercise, _, _ in CASES}
        hot, first = warm(folder, args.repeat)
    print(f"grader watch on a copy of {EXAMPLE.relative_to(REPO)} (median of {args.repeat}; "
          f"watch's start and first grading of the three: {first:.2f} s)")
    print(f"  {'save':<12} {'exercise':<12} {'fresh check':>12} {'watch regrade':>14} {'speed-up':>9} {'target':>7} {'of target':>10}")
    for what, exercise, _, target in CASES:
        c, h = statistics.median(cold[exercise]), statistics.median(hot[exercise])
        print(f"  {what:<12} {exercise:<12} {c:10.3f} s {h:12.3f} s {c / h:8.1f}x {target:5.1f} s {h / target:9.2f}x")


if __name__ == "__main__":
    main()
