"""`%load_ext grader` and `%grader check` in a real Jupyter kernel, run by nbclient.

The checks run in the sandbox the kernel starts, never in the kernel; the report comes
back as inline HTML, which headless Chromium must render as a page that is not blank.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import REPO

nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
LENET = (REPO / "solutions" / "lenet" / "lenet.py").read_text(encoding="utf-8")
TRAIN = """\
from helpers import BATCH  # a module of the student's folder: the child gets it too
import torch
opt = torch.optim.SGD(net.parameters(), lr=0.9)
for step in range(3):  # the course's loop, on random data: not part of what is graded
    X, y = torch.randn(BATCH, 1, 28, 28), torch.randint(0, 10, (BATCH,))
    loss = torch.nn.functional.cross_entropy(net(X), y)
    opt.zero_grad(); loss.backward(); opt.step()
print('trained', loss.item() > 0)
"""
BROKEN = """\
class Broken(nn.Module):
    def forward(self, x):
        raise ValueError('boom in forward')

net = nn.Sequential(Broken())
"""


def _html(cell) -> str:
    for output in cell.outputs:
        if "data" in output and "text/html" in output["data"]:
            return output["data"]["text/html"]
    raise AssertionError(f"no HTML output: {cell.outputs}")


def _text(cell) -> str:
    return "\n".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """A notebook run in a kernel started in a handout's submission/ folder: only the handout's bank."""
    from grader.handouts.handout import build_handout

    kit = tmp_path_factory.mktemp("kernel") / "kit"
    build_handout(REPO / "exercises", REPO / "solutions", kit, only=["lenet", "conv-params"])
    folder = kit / "submission"
    (folder / "helpers.py").write_text("BATCH = 8\n", encoding="utf-8")
    cells = ["%load_ext grader", LENET, TRAIN, "%grader check lenet", BROKEN, "%grader check lenet",
             "%grader quiz conv-params", "%grader quiz conv-params course-case 280",
             "%grader check no-such-exercise", "import grader.notebook\ngrader.notebook.check('lenet').result.score",
             "%grader quiz conv-params count 99"]
    notebook = new_notebook(cells=[new_code_cell(c) for c in cells],
                            metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    client.execute()
    return folder, notebook


def test_check_shows_the_public_checks_inline(executed):
    _, notebook = executed
    assert "trained True" in _text(notebook.cells[2])
    page = html.unescape(_html(notebook.cells[3]))
    assert 'class="grader-report"' in _html(notebook.cells[3])
    assert "Output has shape (B, 10)" in page and "parameter count (61,706" in page
    assert "public checks only" in page and "6 hidden check(s) remain" in page
    # the training cell is left out whole (no graded name needs it), named as Jupyter shows it
    assert "read from the cells run so far" in page and "In [3] lines 1-8 `from helpers import BATCH" in page
    assert "cell 3 (In [3])" not in page  # cells are named as Jupyter shows them
    assert "3 / 3" in page  # the graded code runs without the training cell it does not need


def test_a_failing_cell_is_named_as_jupyter_shows_it(executed):
    _, notebook = executed
    page = html.unescape(_html(notebook.cells[5]))
    assert "your code raised ValueError: boom in forward at In [5] line 3" in page, re.findall(r"raised[^<]*", page)


def test_quiz_lists_ids_and_judges_practice_only(executed):
    _, notebook = executed
    sheet = html.unescape(_html(notebook.cells[6]))
    assert "course-case" in sheet and "count" in sheet and "Q1" in sheet
    assert "<h1>Practice numbers</h1>" in sheet and "Quiz sheet:" not in sheet  # a handout has only those
    assert _text(notebook.cells[7]).strip() == "conv-params/course-case: correct"
    assert "graded by your instructor" in _text(notebook.cells[10])  # the handout has no key to judge it


def test_mistakes_are_messages_not_tracebacks(executed):
    _, notebook = executed
    text = _text(notebook.cells[8])
    assert "no exercise 'no-such-exercise'" in text
    assert not any(o.get("output_type") == "error" for c in notebook.cells for o in c.outputs)
    assert _text(notebook.cells[9]).strip() == "0"  # the broken net ran last: the public checks fail


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_the_inline_report_renders_and_is_not_blank(executed):
    folder, notebook = executed
    page, blank = folder / "cell.html", folder / "blank.html"
    page.write_text(f"<!DOCTYPE html><html><body>{_html(notebook.cells[3])}</body></html>", encoding="utf-8")
    blank.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    sizes = {}
    for name, source in (("cell", page), ("blank", blank)):
        shot = folder / f"{name}.png"
        flags = [*CHROMIUM_FLAGS, f"--user-data-dir={folder / ('profile-' + name)}", "--window-size=1000,700"]
        run = subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", source.as_uri()], capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        sizes[name] = len(shot.read_bytes())
        assert shot.read_bytes().startswith(b"\x89PNG")
    assert sizes["cell"] > 4 * sizes["blank"] and sizes["cell"] > 15_000, sizes
