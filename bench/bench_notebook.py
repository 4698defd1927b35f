"""Notebook figures: reading and extracting a course-sized notebook, and `%grader check lenet`.

    python bench/bench_notebook.py

1. `student_code` on lenet.ipynb written the course's way (imports, LeNet, data, training
   loop, plots, magics), plain and with 50 MB of image outputs: median of 5 reads (the
   per-process cache is cleared between reads).
2. The `%grader check lenet` round trip in a real kernel run by nbclient: the first check
   (the kernel's sandbox starts, its zygote imports torch) and a second one (warm), each
   timed inside the kernel around the magic.
"""

from __future__ import annotations

import base64
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "tests")]

from test_notebook import COURSE_CELLS, LENET, write_notebook  # noqa: E402

from grader.submissions import notebooks as sources  # noqa: E402
from grader.checking.session import student_code  # noqa: E402


def reads(folder: Path) -> float:
    times = []
    for _ in range(5):
        sources._CACHE.clear()
        started = time.perf_counter()
        student_code(folder, "lenet.py")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def extraction() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        path = write_notebook(folder / "lenet.ipynb", COURSE_CELLS * 6)  # ~50 cells, a whole chapter's
        print(f"course notebook, {len(COURSE_CELLS) * 6} code cells, {path.stat().st_size / 1e3:.0f} KB: "
              f"{reads(folder) * 1e3:.1f} ms")
        image = base64.b64encode(os.urandom(5_000_000)).decode()
        outputs = [new_output("display_data", data={"image/png": image, "text/plain": "<Figure>"})]
        path = write_notebook(folder / "lenet.ipynb", COURSE_CELLS[:2] + [f"d2l.plot({i})" for i in range(8)],
                              outputs=outputs)
        print(f"with image outputs, {path.stat().st_size / 1e6:.0f} MB: {reads(folder) * 1e3:.0f} ms")


def round_trip() -> None:
    import nbclient

    timing = "import time as _t\n_s = _t.perf_counter()\n_v = grader.notebook.check('lenet')\nprint(round(_t.perf_counter() - _s, 2), _v.result.score, _v.result.max_score)"
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


if __name__ == "__main__":
    extraction()
    round_trip()
