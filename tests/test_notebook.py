"""Notebook submissions: read with nbformat, extracted by syntax tree, graded in the sandbox.

The notebooks here are written the way the course's are: imports, a `#@save` helper, the
network, a d2l data download, a training loop, plots and magics. Only the definitions may
run, and only in the child; whatever is left out is listed where the student sees it.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from conftest import REPO
from grader.checking.session import student_code
from grader.submissions.files import UnreadableFile
from grader.submissions.notebook_cells import Cell, extract
from grader.submissions.notebooks import module_from_notebooks, provided_files

LENET = (REPO / "solutions" / "lenet" / "lenet.py").read_text(encoding="utf-8")
CONV = (REPO / "solutions" / "corr2d" / "conv.py").read_text(encoding="utf-8")

COURSE_CELLS = [
    "%matplotlib inline\nimport torch\nfrom torch import nn\nfrom d2l import torch as d2l",
    LENET,
    "X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)\nfor layer in net:\n    X = layer(X)\n"
    "    print(layer.__class__.__name__, 'output shape: \\t', X.shape)",
    "batch_size = 256\ntrain_iter, test_iter = d2l.load_data_fashion_mnist(batch_size=batch_size)",
    "def evaluate_accuracy_gpu(net, data_iter, device=None):  #@save\n"
    "    \"\"\"Compute the accuracy for a model on a dataset using a GPU.\"\"\"\n"
    "    if isinstance(net, nn.Module):\n        net.eval()\n    return 0.0",
    "lr, num_epochs = 0.9, 10\nd2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())",
    "!nvidia-smi",
    "with open('weights.pt', 'wb') as f:\n    torch.save(net.state_dict(), f)\nd2l.plt.show()",
]


def write_notebook(path: Path, cells: list[str], *, markdown_first: bool = True, outputs: list | None = None) -> Path:
    made = [new_markdown_cell("# LeNet\nThe course's LeNet, trained on Fashion-MNIST.")] if markdown_first else []
    for count, source in enumerate(cells, start=1):
        made.append(new_code_cell(source, execution_count=count, outputs=outputs or []))
    notebook = new_notebook(cells=made, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                 "display_name": "Python 3"}})
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    return path


def test_a_course_notebook_keeps_its_definitions_and_lists_what_it_leaves_out(tmp_path):
    write_notebook(tmp_path / "lenet.ipynb", COURSE_CELLS)
    source, companions, notebook = student_code(tmp_path, "lenet.py")
    assert companions == {}
    assert "net = nn.Sequential(" in source and "class Reshape(nn.Module)" in source
    assert "def evaluate_accuracy_gpu" in source and "lr, num_epochs = 0.9, 10" in source
    for gone in ("train_ch6", "load_data_fashion_mnist", "for layer in net", "nvidia-smi", "open(", "matplotlib",
                 "from d2l", "plt.show"):
        assert gone not in source, gone
    compile(source, "lenet.py", "exec")  # what the child will import parses as one module
    note = notebook.note
    assert note.startswith("read from lenet.ipynb; not run at import:")
    assert "cell 4 (In [3]) line 2 `for layer in net:` (a for loop)" in note
    assert "cell 5 (In [4]) line 2 `train_iter, test_iter = d2l.load_data_fashion_m...`" in note
    assert "cell 7 (In [6]) line 2 `d2l.train_ch6(" in note and "(a call)" in note
    assert "`!nvidia-smi` (a magic or shell line)" in note and "(a with block)" in note
    assert "an import of d2l, which is not installed" in note
    line = source.split("\n").index("class Reshape(nn.Module):") + 1
    assert notebook.locate(line) == ("lenet.ipynb cell 3 (In [2])", LENET.split("\n").index("class Reshape(nn.Module):") + 1)


def test_marked_cells_make_files_of_one_notebook(tmp_path):
    write_notebook(tmp_path / "work.ipynb", ["# file: conv.py\n" + CONV, "# file: lenet.py\n" + LENET,
                                             "print(corr2d)"])
    assert provided_files(tmp_path) >= {"conv.py", "lenet.py"}
    source, companions, notebook = student_code(tmp_path, "lenet.py")
    assert "net = nn.Sequential(" in source and "def corr2d" not in source
    assert "def corr2d(X, K):" in companions["conv.py"]  # importable beside lenet.py, as a .py would be
    assert notebook.notebook == "work.ipynb"
    assert module_from_notebooks(tmp_path, "vgg.py") is None


def test_a_py_file_wins_over_a_notebook_of_the_same_name(tmp_path):
    write_notebook(tmp_path / "lenet.ipynb", ["net = 1"])
    (tmp_path / "lenet.py").write_text(LENET, encoding="utf-8")
    source, _, notebook = student_code(tmp_path, "lenet.py")
    assert source == LENET and notebook is None


@pytest.mark.parametrize("text, message", [
    ('{"cells": [', "is not a Jupyter notebook: its JSON is broken (line 1, column 12)"),
    ("[" * 100_000 + "]" * 100_000, "is not a Jupyter notebook"),
    ('{"cells": {"a": 1}, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "no list of cells"),
    ('{"cells": [], "nbformat": 99, "nbformat_minor": 0, "metadata": {}}', "nbformat can read"),
])
def test_broken_notebooks_are_named_never_a_traceback(tmp_path, text, message):
    (tmp_path / "lenet.ipynb").write_text(text, encoding="utf-8")
    with pytest.raises(UnreadableFile, match="lenet.ipynb") as refused:
        student_code(tmp_path, "lenet.py")
    assert message in str(refused.value)


def test_a_notebook_of_another_language_and_cells_of_another_language(tmp_path):
    path = write_notebook(tmp_path / "lenet.ipynb", ["x <- 1"])
    data = json.loads(path.read_text())
    data["metadata"]["kernelspec"]["language"] = "R"
    path.write_text(json.dumps(data))
    with pytest.raises(UnreadableFile, match="lenet.ipynb is a R notebook"):
        student_code(tmp_path, "lenet.py")
    path = write_notebook(tmp_path / "lenet.ipynb", [LENET, "%%bash\necho hi > /tmp/x", "library(torch)\nx <- 1"])
    data = json.loads(path.read_text())
    data["cells"][3]["metadata"]["vscode"] = {"languageId": "r"}
    path.write_text(json.dumps(data))
    source, _, notebook = student_code(tmp_path, "lenet.py")
    assert "echo" not in source and "library" not in source
    assert "cell 3 (In [2]) `%%bash` (a cell magic: not Python)" in notebook.note
    assert "cell 4 (In [3]) (a r cell: not Python)" in notebook.note


def test_a_syntax_error_names_the_cell_and_its_line(tmp_path):
    write_notebook(tmp_path / "lenet.ipynb", [LENET, "x = 1\ndef broken(:\n    pass"])
    with pytest.raises(UnreadableFile) as refused:
        student_code(tmp_path, "lenet.py")
    assert str(refused.value).startswith("lenet.ipynb cell 3 (In [2]), line 2 has a syntax error")


def test_extraction_never_runs_code_in_the_grader(tmp_path):
    marker = tmp_path / "ran"
    cells = [Cell(1, f"import pathlib\ndef f(x=pathlib.Path({str(marker)!r}).touch()):\n    pass"),
             Cell(2, f"@print\n@(lambda g: pathlib.Path({str(marker)!r}).touch())\nclass A:\n    pass")]
    module = extract("lenet.ipynb", cells)
    assert "def f(x=pathlib.Path(" in module.source and "@(lambda g:" in module.source
    assert not marker.exists()


def test_calls_into_grader_itself_stay_out_of_the_module():
    module = extract("lenet.ipynb", [Cell(1, "import grader.notebook\nfrom grader import checks\nnet = 1\n"
                                             "r = grader.notebook.check('lenet')\nx = get_ipython().run_line_magic('grader', 'check lenet')")])
    assert module.source == "net = 1\n"
    assert sum("a use of grader itself" in d for d in module.dropped) == 4


def test_assignments_that_need_what_was_left_out_are_left_out_too():
    module = extract("lenet.ipynb", [Cell(1, "from d2l import torch as d2l\nimport torch\ndevice = d2l.try_gpu()\n"
                                             "train_iter = d2l.load_data_fashion_mnist(256)\nbatch = next(iter(train_iter))"),
                                     Cell(2, "device = torch.device('cpu')\nnet = torch.nn.Linear(2, 2).to(device)")])
    assert module.source == "import torch\ndevice = torch.device('cpu')\nnet = torch.nn.Linear(2, 2).to(device)\n"
    assert "cell 1 line 3 `device = d2l.try_gpu()` (it uses d2l, which was left out)" in module.dropped
    assert "cell 1 line 5 `batch = next(iter(train_iter))` (it uses train_iter, which was left out)" in module.dropped


def test_one_line_of_two_statements_keeps_only_the_definition(tmp_path):
    module = extract("lenet.ipynb", [Cell(1, "import torch; torch.manual_seed(0)\nnet = 3; print(net)")])
    assert module.source == "import torch\nnet = 3\n"
    assert module.locate(2) == ("lenet.ipynb cell 1", 2)


def test_fifty_megabytes_of_images_are_read_once_and_never_reach_nbformat(tmp_path, monkeypatch):
    """What keeps such a notebook fast, counted in bytes rather than timed (the seconds are in
    bench/bench_notebook.py): its file read once, its outputs dropped before nbformat parses
    and validates what is left."""
    from grader.submissions import notebooks as sources

    image = base64.b64encode(os.urandom(5_000_000)).decode()  # ~6.7 MB of base64 per output
    outputs = [new_output("display_data", data={"image/png": image, "text/plain": "<Figure>"})]
    cells = COURSE_CELLS[:2] + [f"d2l.plot(range({i}))" for i in range(8)]
    path = write_notebook(tmp_path / "lenet.ipynb", cells, outputs=outputs)
    data = json.loads(path.read_text())
    data["cells"][2]["metadata"]["widgets"] = {"state": {"x": "y" * 1000}}
    data["cells"][3]["attachments"] = {"plot.png": {"image/png": image}}
    path.write_text(json.dumps(data))
    size = path.stat().st_size
    assert size > 50_000_000
    read, parsed = [], []
    read_bytes, from_dict = sources.read_bytes, nbformat.from_dict

    def counted_read(*args, **options):
        read.append(len(found := read_bytes(*args, **options)))
        return found

    def counted_parse(data):
        parsed.append(len(json.dumps(data)))
        return from_dict(data)

    monkeypatch.setattr(sources, "read_bytes", counted_read)
    monkeypatch.setattr(nbformat, "from_dict", counted_parse)
    sources._CACHE.clear()
    source, _, notebook = student_code(tmp_path, "lenet.py")
    assert "net = nn.Sequential(" in source
    assert read == [size]
    assert parsed and max(parsed) < 50_000, parsed  # the code and the small metadata, no image


def test_a_linked_notebook_is_refused(tmp_path):
    write_notebook(tmp_path / "elsewhere.ipynb", [LENET])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "lenet.ipynb").symlink_to(tmp_path / "elsewhere.ipynb")
    with pytest.raises(UnreadableFile, match="lenet.ipynb is a symbolic link"):
        student_code(tmp_path / "sub", "lenet.py")


# -- graded for real: the sandboxed child imports the extracted module ------------------------------

@pytest.fixture(scope="module")
def code_grader():
    from grader.checking.codegrade import CodeGrader

    with CodeGrader() as grader:
        yield grader


def _lenet():
    from grader.bank.loading import load_exercise
    from grader.bank.resources import bundled

    return load_exercise(bundled("exercises") / "lenet")


def test_a_course_notebook_earns_the_reference_marks(tmp_path, code_grader):
    write_notebook(tmp_path / "lenet.ipynb", COURSE_CELLS)
    result = code_grader.grade(_lenet(), tmp_path)
    assert result.score == result.max_score, [(i.item_id, i.message) for i in result.items if i.score < i.max_score]
    assert "not run at import" in result.message and "train_ch6" in result.message


def test_code_run_at_import_by_a_default_or_a_decorator_runs_in_the_child_and_names_its_cell(tmp_path, code_grader):
    grader_pid = os.getpid()
    write_notebook(tmp_path / "lenet.ipynb", [
        LENET,
        "import os\n\ndef loud(f):\n    raise RuntimeError(f'ran in process {os.getpid()}')\n\n@loud\ndef trap():\n    pass",
    ])
    result = code_grader.grade(_lenet(), tmp_path, public_only=True)
    assert result.score == 0
    message = result.message
    ran_in = re.search(r"ran in process (\d+)", message)
    assert ran_in and int(ran_in.group(1)) != grader_pid, message
    assert "at lenet.ipynb cell 3 (In [2]) line 4" in message, message


def test_grader_check_reports_a_notebook_submission_and_a_broken_one(tmp_path):
    from test_handout import grader

    work = tmp_path / "s1"
    work.mkdir()
    write_notebook(work / "lenet.ipynb", COURSE_CELLS)
    (work / "conv.ipynb").write_text('{"cells": [', encoding="utf-8")
    run = grader("check", work, "--public-only", "-e", "lenet", "-e", "corr2d", "--json", tmp_path / "r.json")
    assert run.returncode == 1, run.stdout + run.stderr
    out = " ".join(run.stdout.split())
    assert "read from lenet.ipynb; not run at import:" in out and "d2l.train_ch6(" in out
    assert "conv.ipynb is not a Jupyter notebook: its JSON is broken (line 1, column 12)" in out
    assert "Traceback" not in run.stdout + run.stderr
    results = json.loads((tmp_path / "r.json").read_text())
    lenet = [t for t in results["tests"] if t["name"].startswith("lenet/")]
    assert lenet and all(t["score"] == t["max_score"] for t in lenet)
