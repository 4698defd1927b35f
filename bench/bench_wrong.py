"""What wrong code costs: a class of right code and a class of wrong code, the same files, side by side.

Both classes hand in the same files (conv.py, lenet.py, alexnet.py, vgg.py, nin.py, googlenet.py,
attention.py, transformer.py) for the bundled bank's code exercises. In the right class every
file is the reference (solutions/<id>/<file>); in the wrong class every file is a known mistake
(a mutant of solutions/*/mutants.yaml: a flipped kernel, an off-by-one, max instead of average
pooling, a missing mask, no causal mask, no scale, a swapped positional encoding, ...), student
i taking the i-th mutant of each file's pool. Each class is graded by `grade_class` (what
`grader grade` runs), start-up included, the two alternating so that the load of a shared
machine falls on both alike. Prints each run's wall time, the medians and the ratio (issue 23's
target: at most 1.3x).
Usage: python bench/bench_wrong.py [--size 12] [--repeat 2] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench_batch import copy_solutions  # noqa: E402
from grader.bank.loading import load_bank  # noqa: E402
from grader.bank.resources import bundled  # noqa: E402
from grader.bank.spec import CodeExercise  # noqa: E402
from grader.classroom.batch import grade_class  # noqa: E402
from grader.classroom.gradebook import Gradebook  # noqa: E402
from grader.proofs.mutants import load_mutants, reference_file  # noqa: E402

TARGET = 1.3


def code_bank(target: Path) -> list[CodeExercise]:
    """The bundled code exercises, copied with their references beside them (where grading looks)."""
    exercises = [e for e in load_bank(bundled("exercises")) if isinstance(e, CodeExercise)]
    for exercise in exercises:
        shutil.copytree(exercise.folder, target / "exercises" / exercise.id)
    shutil.copy(bundled("exercises") / "bank.yaml", target / "exercises" / "bank.yaml")
    copy_solutions([e.id for e in exercises], target / "solutions")
    return exercises


def make_classes(root: Path, exercises: list[CodeExercise], size: int) -> tuple[Path, Path, dict[str, list[str]]]:
    """Two class folders of `size` students with the same files: references, and mutants of them."""
    solutions = bundled("solutions")
    right: dict[str, str] = {}
    wrong: dict[str, list[tuple[str, str]]] = {}
    for exercise in exercises:
        right.setdefault(exercise.file, reference_file(solutions, exercise).read_text())
        wrong.setdefault(exercise.file, []).extend((m.name, m.source) for m in load_mutants(solutions, exercise))
    picked: dict[str, list[str]] = {}
    for kind in ("right", "wrong"):
        for i in range(size):
            folder = root / kind / f"s{i:02d}"
            folder.mkdir(parents=True)
            (folder / "student.yaml").write_text(f"id: s{i:02d}\n")
            for file, text in right.items():
                if kind == "wrong" and wrong.get(file):
                    name, text = wrong[file][i % len(wrong[file])]
                    picked.setdefault(file, []).append(name)
                (folder / file).write_text(text)
    return root / "right", root / "wrong", picked


def grade(folder: Path, bank: Path, jobs: int, book: Path) -> tuple[float, float]:
    """Wall seconds to grade the class (start-up included) and its mean percent."""
    with Gradebook(book) as gradebook:
        started = time.perf_counter()
        summary = grade_class(folder, bank, gradebook, jobs=jobs, force=True)
        return time.perf_counter() - started, summary.mean_percent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=12, help="students in each class")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each class, alternating")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-wrong-"))
    try:
        exercises = code_bank(work)
        right, wrong, picked = make_classes(work / "class", exercises, args.size)
        print(f"two classes of {args.size}, the same {len(picked)} files, {len(exercises)} code exercises, "
              f"--jobs {args.jobs}; machine: {os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.1f}")
        for file, names in sorted(picked.items()):
            print(f"  wrong {file}: {', '.join(sorted(set(names)))}")
        walls: dict[str, list[float]] = {"right": [], "wrong": []}
        for run in range(args.repeat):
            for kind, folder in (("right", right), ("wrong", wrong)):
                wall, mean = grade(folder, work / "exercises", args.jobs, work / f"{kind}-{run}.sqlite")
                walls[kind].append(wall)
                print(f"run {run + 1} {kind:<6} {wall:7.1f} s  mean {mean:5.1f}%", flush=True)
        medians = {kind: statistics.median(values) for kind, values in walls.items()}
        ratio = medians["wrong"] / medians["right"]
        print(f"median: right {medians['right']:.1f} s, wrong {medians['wrong']:.1f} s; wrong/right {ratio:.2f}x "
              f"(target <= {TARGET}x: {'met' if ratio <= TARGET else 'not met'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
