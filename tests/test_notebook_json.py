"""A notebook's JSON skimmed for its code: bounded before anything is built, malformed cells named.

Notebooks are written with nbformat the way Jupyter saves them, then grown or broken by hand
the way a hostile or damaged file would be.
"""

from __future__ import annotations

import json
import random
import tracemalloc

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader.submissions.files import UnreadableFile
from grader.submissions.notebook_json import MAX_CELL_CHARS, code_cells

KERNEL = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}


def notebook(cells: list, **metadata) -> dict:
    return json.loads(nbformat.writes(new_notebook(cells=cells, metadata={**KERNEL, **metadata})))


def read(data: dict | str | bytes):
    if isinstance(data, dict):
        data = json.dumps(data, ensure_ascii=False)
    return code_cells(data.encode() if isinstance(data, str) else data, "lenet.ipynb")


def peak_megabytes(call) -> tuple[float, object]:
    tracemalloc.start()
    try:
        result = call()
    except UnreadableFile as refused:
        result = refused
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return peak, result


def test_what_nbformat_writes_reads_back_cell_for_cell():
    rng = random.Random(7)
    texts = ["net = nn.Sequential()\n", "print('épaisseur \"%s\"' % x)  # 注释\n", "s = '\\\\'\n", "x = [1, {2: 3}]\n", ""]
    outputs = [new_output("stream", name="stdout", text="loss [0.1] {a}\n\"quoted\" \\ back\n" * 3),
               new_output("display_data", data={"image/png": "iVBORw0" * 500, "text/plain": "<Figure [1]>"}),
               new_output("execute_result", data={"application/json": {"a": [1, [2, {"b": "]"}]]}}, execution_count=3)]
    cells = []
    for number in range(40):
        if rng.random() < 0.3:
            cells.append(new_markdown_cell("# title [x] {y}\n" + "\"quote\"" * rng.randrange(3)))
        else:
            cells.append(new_code_cell("".join(rng.choice(texts) for _ in range(4)), execution_count=number,
                                       outputs=rng.sample(outputs, rng.randrange(4))))
    data = notebook(cells, widgets={"state": {"x": [{"y": "}]"}] * 50}})
    expected = [(n, "".join(c["source"]), c["execution_count"]) for n, c in enumerate(data["cells"], start=1)
                if c["cell_type"] == "code"]
    for text in (json.dumps(data, ensure_ascii=False), json.dumps(data, indent=1), nbformat.writes(nbformat.from_dict(data)),
                 "\ufeff" + json.dumps(data)):  # a byte order mark, as some Windows editors write
        assert [(c.number, c.source, c.execution_count) for c in read(text)] == expected


def test_a_two_megabyte_cell_is_refused_before_it_is_parsed_or_decoded():
    data = notebook([new_code_cell("net = 1"), new_code_cell("x = [" + "1," * 1_000_000 + "]")])
    text = json.dumps(data).encode()
    peak, refused = peak_megabytes(lambda: read(text))
    assert isinstance(refused, UnreadableFile), refused
    assert f"cell 2's source holds about 2,000,0" in str(refused) and f"over the {MAX_CELL_CHARS:,} a cell may hold" in str(refused)
    assert peak < 1, peak  # parsed, the cell took a gigabyte (bench/bench_notebook.py measures both)


def test_megabytes_of_metadata_and_outputs_are_stepped_over_unbuilt():
    data = notebook([new_code_cell("net = 1")])
    data["metadata"]["widgets"] = {"state": {f"model-{i}": {"a": i, "b": "x" * 20, "c": [i, None, True]}
                                             for i in range(20_000)}}
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [f"line {i}\n", "[{"]}
                                   for i in range(5_000)]
    text = json.dumps(data).encode()
    assert len(text) > 1_500_000
    peak, cells = peak_megabytes(lambda: read(text))
    assert [c.source for c in cells] == ["net = 1"]
    assert peak < 1, peak  # the text was made before; json.loads builds 12 MB of objects from it


@pytest.mark.parametrize("flood, times", [("[],", 3_000_000), ("[[1]],", 1_000_000), ('"ab",', 3_000_000)],
                         ids=["empty lists", "nested lists", "short strings"])
def test_a_flood_of_values_is_refused_with_what_to_do(flood, times):
    text = json.dumps(notebook([new_code_cell("net = 1")])).replace('"outputs": []', f'"outputs": [{flood * times} 1]')
    with pytest.raises(UnreadableFile, match="outside its code .outputs, metadata.; clear its outputs in Jupyter"):
        read(text)


@pytest.mark.parametrize("change, message", [
    (lambda c: c.__setitem__("metadata", [1, 2]), "cell 2's metadata is a list where Jupyter writes an object"),
    (lambda c: c.__setitem__("source", ["x = 1\n", 2]), "a line of cell 2's source is a number where Jupyter writes text"),
    (lambda c: c.__setitem__("source", 3), "cell 2's source is a number where Jupyter writes a list"),
    (lambda c: c.__setitem__("cell_type", ["code"]), "cell 2's cell_type is a list where Jupyter writes text"),
    (lambda c: c["metadata"].__setitem__("vscode", "r"), "cell 2's metadata's vscode is text where Jupyter writes an object"),
])
def test_a_malformed_cell_is_named(change, message):
    data = notebook([new_markdown_cell("# LeNet"), new_code_cell("net = 1")])
    change(data["cells"][1])
    with pytest.raises(UnreadableFile) as refused:
        read(data)
    assert str(refused.value) == f"lenet.ipynb is malformed: {message}; open it in Jupyter and save it again"


def test_an_nbformat_3_notebook_and_cells_in_another_language():
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""}, "worksheets": [{"cells": [
        {"cell_type": "heading", "level": 1, "source": ["LeNet"]},
        {"cell_type": "code", "language": "python", "input": ["import torch\n", "net = 1"], "prompt_number": 4,
         "outputs": [{"output_type": "stream", "text": ["[1]"]}]},
        {"cell_type": "code", "language": "r", "input": "x <- 1", "outputs": []}]}]}
    cells = read(v3)
    assert [(c.number, c.source, c.execution_count, c.language) for c in cells] == [
        (2, "import torch\nnet = 1", 4, None), (3, "x <- 1", None, "r")]


def test_a_refused_notebook_is_read_once_while_it_is_unchanged(tmp_path, monkeypatch):
    from grader.submissions import notebooks

    path = tmp_path / "lenet.ipynb"
    path.write_text(json.dumps(notebook([new_code_cell("net = 1")])).replace('"outputs": []', '"outputs": [' + "[[]]," * 600_000 + "1]"))
    reads = []
    monkeypatch.setattr(notebooks, "code_cells", lambda text, label: reads.append(label) or code_cells(text, label))
    for _ in range(3):
        with pytest.raises(UnreadableFile, match="clear its outputs"):
            notebooks.read_cells(tmp_path, "lenet.ipynb")
    assert reads == ["lenet.ipynb"]
    path.write_text(json.dumps(notebook([new_code_cell("net = 2")])))  # saved again: read again
    assert [c.source for c in notebooks.read_cells(tmp_path, "lenet.ipynb")] == ["net = 2"]
