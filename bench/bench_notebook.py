"""Notebook figures: reading and extracting notebooks, and `grader check` on a notebook submission.

    python bench/bench_notebook.py                       # this checkout
    python bench/bench_notebook.py --base /tmp/base      # and another checkout, side by side
    python bench/bench_notebook.py --kernel              # and `%grader check lenet` in a real kernel

(`git worktree add /tmp/base <commit>` makes the other checkout; remove it after.)

Every figure is measured in a fresh process of each checkout (`python -m grader...` with that
checkout first on the path), alternating between them, so both see the same machine:

1. `module_from_notebooks` (what `student_code` does for a notebook) on lenet.ipynb written the course's way, ~50 code cells (imports, LeNet,
   data, training loop, plots, magics): median of 5 reads in one process (the per-process
   caches cleared between reads), and the same with 50 MB of image outputs;
2. hostile notebooks: one 2 MB code cell, and 5 MB of metadata: seconds and peak memory
   (the reading process's maximum resident size; torch is not imported there);
3. `grader check SUB -e lenet --public-only` on the 50-cell notebook, and
   `grader check SUB -e conv-params` (a quiz only) beside the 5 MB of metadata: wall seconds,
   median of 3 (the sandbox's start and torch's import are most of it).
4. with `--kernel`, the `%grader check lenet` round trip in a real kernel run by nbclient.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO / "tests")]

# reads in a fresh process of a checkout (no torch in it): prints seconds (the median of `reads`), its peak MB,
# and the outcome
READER = """
import inspect, statistics, sys, time
from pathlib import Path
from grader.submissions import notebooks as sources
from grader.submissions.notebooks import module_from_notebooks
folder, reads = Path(sys.argv[1]), int(sys.argv[2])
names = {"names": ["net"]} if "names" in inspect.signature(module_from_notebooks).parameters else {}
times = []
for _ in range(reads):
    for cache in ("_CACHE", "_ANALYSES"):
        getattr(sources, cache, {}).clear()
    started = time.perf_counter()
    try:
        outcome = "error" if module_from_notebooks(folder, "lenet.py", **names).error else "read"
    except Exception as error:
        outcome = type(error).__name__
    times.append(time.perf_counter() - started)
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))  # this image's own peak
print(statistics.median(times), int(peak) / 1024, outcome)
"""


def run_in(tree: Path, args: list[str]) -> tuple[float, str]:
    """(wall seconds, stdout) of `python ARGS` with `tree` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "120", "NO_COLOR": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def notebooks(scratch: Path) -> dict[str, Path]:
    from nbformat.v4 import new_output
    from test_notebook import COURSE_CELLS, write_notebook

    folders = {}
    for name in ("course", "images", "big-cell", "metadata"):
        folders[name] = scratch / name / "ada"
        folders[name].mkdir(parents=True)
    write_notebook(folders["course"] / "lenet.ipynb", COURSE_CELLS * 6)  # ~50 cells, a whole chapter's
    image = base64.b64encode(os.urandom(5_000_000)).decode()
    outputs = [new_output("display_data", data={"image/png": image, "text/plain": "<Figure>"})]
    write_notebook(folders["images"] / "lenet.ipynb", COURSE_CELLS[:2] + [f"d2l.plot({i})" for i in range(8)],
                   outputs=outputs)
    write_notebook(folders["big-cell"] / "lenet.ipynb", COURSE_CELLS[:2] + ["x = [" + "1," * 1_000_000 + "]"])
    path = write_notebook(folders["metadata"] / "lenet.ipynb", COURSE_CELLS[:2])
    data = json.loads(path.read_text())
    data["metadata"]["widgets"] = {"state": {f"model-{i}": {"a": i, "b": "x" * 8} for i in range(150_000)}}
    path.write_text(json.dumps(data))
    return folders


def side_by_side(trees: dict[str, Path], measure, label: str, show) -> None:
    figures = {name: [] for name in trees}
    for _ in range(measure.rounds):
        for name, tree in trees.items():  # alternating, so both see the same machine
            figures[name].append(measure(tree))
    row = "  ".join(f"{name}: {show(figures[name])}" for name in trees)
    print(f"{label:55s} {row}")


class Read:
    rounds = 1

    def __init__(self, folder: Path, reads: int):
        self.folder, self.reads = folder, reads

    def __call__(self, tree: Path):
        _, out = run_in(tree, ["-c", READER, str(self.folder), str(self.reads)])
        seconds, peak, outcome = out.split()
        return float(seconds), float(peak), outcome


class Check:
    rounds = 3

    def __init__(self, folder: Path, *args: str):
        self.folder, self.args = folder, args

    def __call__(self, tree: Path):
        seconds, out = run_in(tree, ["-m", "grader.cli", "check", str(self.folder), *self.args])
        total = next((line.split()[1] for line in out.splitlines() if line.startswith("Total")), "?")
        return seconds, total


def read_figure(runs) -> str:
    seconds, peak, outcome = runs[0]
    return f"{seconds * 1e3:7.1f} ms {peak:6.0f} MB ({outcome})"


def check_figure(runs) -> str:
    return f"{statistics.median(r[0] for r in runs):5.1f} s ({runs[0][1]})"


def round_trip() -> None:
    import nbclient
    from nbformat.v4 import new_code_cell, new_notebook
    from test_notebook import LENET

    timing = ("import time as _t\n_s = _t.perf_counter()\n_v = grader.notebook.check('lenet')\n"
              "print(round(_t.perf_counter() - _s, 2), _v.result.score, _v.result.max_score)")
    cells = ["import grader.notebook\nfrom torch import nn", LENET, timing, timing]
    notebook = new_notebook(cells=[new_code_cell(c) for c in cells],
                            metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": scratch}}).execute()
        total = time.perf_counter() - started
    first, second = (notebook.cells[i].outputs[0]["text"].split() for i in (2, 3))
    print(f"%grader check lenet: first {first[0]} s (sandbox start), score {first[1]}/{first[2]}; warm {second[0]} s, "
          f"score {second[1]}/{second[2]}; whole notebook with kernel start {total:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, help="another checkout to measure side by side (e.g. /tmp/base)")
    parser.add_argument("--kernel", action="store_true", help="also time %%grader check in a real kernel")
    options = parser.parse_args()
    trees = {"this": REPO, **({"base": options.base.resolve()} if options.base else {})}
    with tempfile.TemporaryDirectory() as scratch:
        folders = notebooks(Path(scratch))
        side_by_side(trees, Read(folders["course"], 5), "reading lenet.py from it: 50-cell course notebook (median of 5)", read_figure)
        side_by_side(trees, Read(folders["images"], 5), "reading lenet.py from it: 67 MB of image outputs (median of 5)", read_figure)
        side_by_side(trees, Read(folders["big-cell"], 1), "reading lenet.py from it: one 2 MB code cell", read_figure)
        side_by_side(trees, Read(folders["metadata"], 1), "reading lenet.py from it: 5 MB of metadata", read_figure)
        side_by_side(trees, Check(folders["course"], "-e", "lenet", "--public-only"),
                     "grader check -e lenet --public-only, 50-cell notebook", check_figure)
        side_by_side(trees, Check(folders["metadata"], "-e", "conv-params"),
                     "grader check -e conv-params, beside 5 MB of metadata", check_figure)
    if options.kernel:
        round_trip()


if __name__ == "__main__":
    main()
