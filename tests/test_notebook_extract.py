"""What an exercise takes from a notebook: the statements its names need, found by syntax tree.

The cells here are written in the course's style (a network, demo lines, a training loop,
magics, d2l imports); the tests read the module that would be sent to the child and the note
the student sees. Graded for real in test_notebook.py.
"""

from __future__ import annotations

import pytest

from grader.submissions.notebook_cells import Cell, analyse
from grader.i18n import CHINESE, ENGLISH, set_language
from grader.submissions.notebook_extract import extract, without_note
from grader.submissions.notebook_magics import magic_lines

ATTENTION = '''\
class Heads(nn.Module):
    def __init__(self, size, hidden, heads, dropout):
        super().__init__()
        self.heads = heads
        self.project = nn.Linear(size, hidden)

    def forward(self, X, lengths):
        scores = self.project(X)
        return masked(scores, lengths)'''


def module(cells: list[str], names=None):
    return extract("transformer.ipynb", analyse([Cell(i, text) for i, text in enumerate(cells, start=1)]), names)


def test_a_demo_line_and_a_class_on_d2l_that_no_name_needs_cost_nothing():
    made = module([
        "import math\nimport torch\nfrom torch import nn\nimport d2l",
        "def masked(X, lengths):\n    return torch.softmax(X, dim=-1)",
        ATTENTION,
        "demo = Heads(5, 9, 3, 0.5)\nX = torch.ones((2, 4, 5))\ndemo(X, None).shape",
        "class Encoder(d2l.Encoder):\n    pass",
        "print(undefined_features)",
    ], ["Heads"])
    assert made.source == ("import torch\nfrom torch import nn\ndef masked(X, lengths):\n    return torch.softmax(X, dim=-1)\n"
                           + ATTENTION + "\n")
    compile(made.source, "transformer.py", "exec")
    assert made.dropped == [] and made.rebound == []
    assert "cell 4 lines 1-3 `demo = Heads(5, 9, 3, 0.5)`" in made.left_out  # a demo cell is one entry
    assert "cell 5 line 1 `class Encoder(d2l.Encoder):`" in made.left_out and "cell 1 line 4 `import d2l` (an import of d2l, which is not installed where code is graded)" in made.left_out
    assert made.note.startswith("read from transformer.ipynb; left out, as no graded name needs it: cell 1 line 1 `import math`")


def test_a_needed_class_on_d2l_is_named_with_the_import_that_did_not_run():
    made = module(["import torch\nfrom torch import nn\nimport d2l", "class Encoder(d2l.Encoder):\n    pass",
                   "class Block(nn.Module):\n    def forward(self, X):\n        return Encoder()"], ["Block"])
    assert "class Block" in made.source and "Encoder(d2l" not in made.source
    assert made.dropped == [
        "cell 1 line 3 `import d2l` (an import of d2l, which is not installed where code is graded)",
        "cell 2 line 1 `class Encoder(d2l.Encoder):` (it uses d2l, which is not run at import)"]
    assert "not run at import: cell 1 line 3 `import d2l` (an import of d2l" in made.note


def test_a_name_bound_twice_is_graded_by_its_last_binding_and_both_are_named():
    made = module([
        "import torch\nfrom torch import nn",
        "net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid())",
        "class AlexNet(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(1, 96, 11, 4)",
        "X = torch.rand(1, 1, 28, 28)\nfor layer in net:\n    X = layer(X)",
        "net = AlexNet()",
    ], ["net"])
    assert "net = AlexNet()" in made.source and "nn.Sigmoid()" not in made.source
    assert made.rebound == ["net is bound 2 times (cell 2 line 1 `net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=...`, "
                            "cell 5 line 1 `net = AlexNet()`); the one graded is the last that runs, in cell 5 line 1"]
    assert made.rebound[0] in made.note


def test_an_earlier_binding_is_kept_where_a_later_statement_reads_it_as_it_runs():
    made = module(["import torch", "size = 4", "layer = torch.nn.Linear(size, 2)", "size = 8", "net = layer"], ["net"])
    assert made.source == "import torch\nsize = 4\nlayer = torch.nn.Linear(size, 2)\nnet = layer\n"
    assert made.left_out == ["cell 4 line 1 `size = 8`"]


def test_functions_read_the_last_binding_and_their_own_names_are_not_globals():
    made = module(["import torch", "X = torch.ones(3)\nY = bad_call()", "scale = 2",
                   "def net(X):\n    Y = X * scale\n    return [Y for X in range(3)], (lambda Y: Y)(X)", "scale = 3"], ["net"])
    assert "X = torch.ones" not in made.source and "bad_call" not in made.source  # X and Y are the function's own
    assert made.source.endswith("scale = 3\n") and "scale = 2" not in made.source
    assert "scale is bound 2 times (cell 3 line 1 `scale = 2`, cell 5 line 1 `scale = 3`)" in made.note


def test_a_binding_that_trains_is_not_run_and_the_one_before_is_graded():
    made = module(["import torch\nnet = torch.nn.Linear(2, 2)", "net = train(net, epochs=10)"], ["net"])
    assert made.source == "import torch\nnet = torch.nn.Linear(2, 2)\n"
    assert made.dropped == ["cell 2 line 1 `net = train(net, epochs=10)` (an assignment that calls train())"]


def test_a_name_bound_only_in_a_block_is_named():
    made = module(["import torch", "if torch.cuda.is_available():\n    device = 'cuda'\nelse:\n    device = 'cpu'",
                   "net = torch.nn.Linear(2, 2).to(device)"], ["net"])
    assert made.source == ""
    assert "cell 2 line 1 `if torch.cuda.is_available():` (an if block, which is not run at import)" in made.dropped
    assert "cell 3 line 1 `net = torch.nn.Linear(2, 2).to(device)` (it uses device, which is not run at import)" in made.dropped


def test_a_star_import_is_taken_for_a_name_nothing_else_binds():
    made = module(["from math import *\nimport torch", "def net(x):\n    return torch.tensor(pi) * x"], ["net"])
    assert made.source.startswith("from math import *\nimport torch\n")


def test_a_cell_that_does_not_parse_costs_nothing_unless_it_may_hold_the_name():
    cells = ["import torch", "net = torch.nn.Linear(2, 2)", "def broken(:\n    pass"]
    assert module(cells, ["net"]).source == "import torch\nnet = torch.nn.Linear(2, 2)\n"
    assert "cell 3 (it does not parse: line 1 has a syntax error" in module(cells, ["net"]).note
    assert module(cells + ["net = (\n"], ["net"]).error.startswith("transformer.ipynb cell 4, line 1 has a syntax error")


def test_hostile_chains_of_bindings_are_followed_without_recursion():
    made = module(["x = 0"] + ["x = x + 1"] * 3000 + ["net = x"], ["net"])
    assert made.source.count("x = x + 1") == 3000 and made.source.endswith("net = x\n")
    assert made.rebound[0].startswith("x is bound 3001 times (cell 1 line 1 `x = 0`, cell 2 line 1 `x = x + 1`,")
    assert "and 2986 more); the one graded is the last that runs, in cell 3001 line 1" in made.rebound[0]


@pytest.mark.parametrize("source, magics", [
    ("print('epoch %d, loss %.4f'\n      % (epoch + 1, loss))", []),  # a continuation line of a call
    ("ok = (epoch\n      != 2)", []),
    ("total = 1 + \\\n% 2", []),  # after a backslash
    ('text = """\n% not a magic\n!nor this"""', []),
    ("%matplotlib inline\nimport torch", [0]),
    ("for i in range(2):\n    !nvidia-smi\n    print(i)", [1]),
    ("files = !ls\nnet?\n%time x = 1", [0, 1, 2]),
    ("s = 'a(' # ( in a comment\n!echo \"it's (\"\nx = 1", [1]),
    ("!pip install \\\n    torch\nx = 1", [0, 1]),  # a shell line going on after a backslash
])
def test_magics_are_found_only_where_a_statement_starts(source, magics):
    assert magic_lines(source) == magics


def test_the_course_print_spread_over_lines_is_code_not_a_magic():
    made = module(["import torch\nnet = torch.nn.Linear(2, 2)",
                   "for epoch in range(3):\n    loss = 0.5\n    print('epoch %d, loss %.4f, time %.1f sec'\n"
                   "          % (epoch + 1, loss, 0.1))"], ["net"])
    assert made.error is None and "cell 2 line 1 `for epoch in range(3):`" in made.left_out
    assert "magic" not in made.note


def test_a_flood_of_statements_is_refused_before_it_is_looked_at():
    made = module(["import torch"] + ["x=1;" * 2_000] * 3)
    assert made.error == ("transformer.ipynb has over 5,000 top-level statements by cell 4; "
                          "hand in the code of the exercises alone")


@pytest.mark.parametrize("source", ["x = " + "+".join(["1"] * 600) + "; net = 2",  # unparse recurses on one line
                                    "net = " + "+".join(["1"] * 20_000)],
                         ids=["two statements on a line", "a long chain"])
def test_code_nested_past_what_python_reads_is_the_cells_error_never_the_graders(source):
    made = module(["import torch", source], ["net"])
    assert made.error == "transformer.ipynb cell 2, is too deeply nested or too large to read; fix the cell or delete it"


def test_a_note_said_in_chinese_is_still_told_from_the_graders_words():
    """A gradebook graded in Chinese keeps a Chinese note, which quotes the student's code: the class
    report reads the grader's words before it (grader.classroom.troubles), never that code."""
    cells = [Cell(1, "net = 1"), Cell(2, "x = '导入 lenet.py 失败'", 7)]
    set_language(CHINESE)
    try:
        note = extract("lenet.ipynb", analyse(cells), ["net"]).note
    finally:
        set_language(ENGLISH)
    assert note.startswith("读取自 lenet.ipynb") and "单元格 2（In [7]） 第 1 行" in note
    assert without_note("公开检查未通过\n" + note) == "公开检查未通过"
    assert without_note(note) == ""
    assert without_note("公开检查未通过") == "公开检查未通过"
    assert without_note("ok\n" + extract("lenet.ipynb", analyse(cells), ["net"]).note) == "ok"  # and in English
