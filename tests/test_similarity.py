"""`grader similarity`: a disguised copy is the top pair, and nothing it is handed can fool or break it.

The class is four independent conv.py files written in different styles (loops, unfold,
einsum, stacked lists) and a disguised copy of the loops one: every name changed, comments
and a docstring added, lines rewrapped, functions reordered.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from classfolders import grader
from conftest import REPO
from grader.classroom.fingerprints import fingerprint, tokens
from grader.classroom.similarity import file_key, find_similar

STYLES = REPO / "tests" / "fixtures" / "similarity"
INDEPENDENT = ["loops", "unfold", "einsum", "stacked"]


def make_class(root: Path, files: dict[str, str] | None = None) -> Path:
    """One folder per fixture style, each holding it as conv.py (or as `files` names it)."""
    for style in INDEPENDENT + ["disguised"]:
        folder = root / style
        folder.mkdir(parents=True)
        name = (files or {}).get(style, "conv.py")
        text = (STYLES / f"{style}.py").read_text()
        if name.endswith(".ipynb"):
            notebook = nbformat.v4.new_notebook()
            chunks = text.split("\n\n\n")
            notebook.cells = [nbformat.v4.new_markdown_cell("# My homework")] + [nbformat.v4.new_code_cell(c) for c in chunks]
            nbformat.write(notebook, str(folder / name))
        else:
            (folder / name).write_text(text)
    return root


def test_renamed_recommented_reordered_copy_is_the_top_pair(tmp_path):
    found = find_similar(make_class(tmp_path / "class"))
    pairs = found.pairs["conv.py"]
    top = pairs[0]
    assert {top.a, top.b} == {"loops", "disguised"}
    assert top.similarity > 0.7
    others = [p.similarity for p in pairs[1:]]
    assert max(others) < top.similarity / 2, pairs[:4]  # independent work on the same task is far below
    assert found.submissions == 5


def test_each_fingerprint_ignores_names_comments_layout_and_docstrings():
    plain = "def f(a, b):\n    return torch.zeros(a.shape[0] - b + 1, a.shape[1] - b + 1)\n"
    dressed = ('def g(x, y):\n    """Docstring."""\n    # a comment\n    return torch.zeros(x.shape[0] - y + 1,\n'
               '                       x.shape[1] - y + 1)  # trailing\n')
    assert [t.text for t in tokens(plain)[0]] == [t.text for t in tokens(dressed)[0]]
    changed = plain.replace("- b + 1", "- b + 2")  # a different constant is different code
    assert [t.text for t in tokens(plain)[0]] != [t.text for t in tokens(changed)[0]]
    assert set(fingerprint("a", "x.py", plain * 3).prints) == set(fingerprint("b", "x.py", dressed * 3).prints)


def test_base_code_never_counts(tmp_path):
    """Two students who only filled the handout's starter in differently share nothing."""
    starter = (STYLES / "loops.py").read_text()
    base = tmp_path / "handout" / "submission"
    base.mkdir(parents=True)
    (base / "conv.py").write_text(starter)
    root = tmp_path / "class"
    extras = {"a": (STYLES / "unfold.py").read_text().split("import nn", 1)[1],
              "b": (STYLES / "einsum.py").read_text().split("import torch.nn as nn", 1)[1]}
    for name, extra in extras.items():
        (root / name).mkdir(parents=True)
        (root / name / "conv.py").write_text(starter + extra)
    with_base = find_similar(root, base=tmp_path / "handout")
    without = find_similar(root)
    assert without.pairs["conv.py"][0].similarity > 0.6
    assert all(p.similarity < 0.2 for p in with_base.pairs["conv.py"]), with_base.pairs  # at most the seams


def test_code_most_of_the_class_shares_is_common_knowledge(tmp_path):
    root = tmp_path / "class"
    course = (STYLES / "loops.py").read_text()
    for n in range(5):
        (root / f"s{n}").mkdir(parents=True)
        (root / f"s{n}" / "conv.py").write_text(course)
    assert find_similar(root, common=10).pairs["conv.py"][0].similarity == 1.0
    assert find_similar(root, common=4).pairs["conv.py"] == []  # five hold it: the course's own code


def test_notebooks_and_jupyter_copies_stand_for_their_file(tmp_path):
    root = make_class(tmp_path / "class", {"disguised": "Conv-Copy1.ipynb", "einsum": "conv-副本.ipynb"})
    found = find_similar(root)
    assert set(found.pairs) == {"conv.py"}
    top = found.pairs["conv.py"][0]
    assert {top.a, top.b} == {"loops", "disguised"}
    notebook_side = top.a_lines if top.a == "disguised" else top.b_lines
    assert notebook_side, "the notebook's shared lines are located"
    assert file_key("LeNet.ipynb") == "lenet.py" and file_key("lenet (2).ipynb") == "lenet.py"
    assert file_key("notes.txt") is None


def test_broken_and_hostile_files_are_skipped_or_kept_harmless(tmp_path):
    root = make_class(tmp_path / "class")
    (root / "binary").mkdir()
    (root / "binary" / "conv.py").write_bytes(b"\xff\xfe\x00garbage")
    (root / "linked").mkdir()
    (root / "linked" / "conv.py").symlink_to(STYLES / "loops.py")
    (root / "unclosed").mkdir()
    (root / "unclosed" / "conv.py").write_text((STYLES / "loops.py").read_text() + "\nx = (1,\n")
    found = find_similar(root)
    reasons = "\n".join(found.skipped)
    assert "binary" in reasons and "UTF-8" in reasons
    assert "linked" in reasons and "link" in reasons
    assert "unclosed: conv.py read in part" in reasons
    owners = {p.a for p in found.pairs["conv.py"]} | {p.b for p in found.pairs["conv.py"]}
    assert "unclosed" in owners and "linked" not in owners  # what tokenised before the break still counts


def test_cli_writes_json_and_side_by_side_pages(tmp_path):
    root = make_class(tmp_path / "class")
    evil = root / "disguised" / "conv.py"
    evil.write_text(evil.read_text() + '\n\ndef tag():\n    return "<script>alert(1)</script>"\n')
    result = grader("similarity", root, "--json", tmp_path / "pairs.json", "--html", tmp_path / "sim.html", "--top", "3")
    assert result.returncode == 0, result.stderr
    assert "disguised ~ loops" in result.stdout
    data = json.loads((tmp_path / "pairs.json").read_text())
    first = data["files"]["conv.py"][0]
    assert {first["a"], first["b"]} == {"loops", "disguised"} and len(data["files"]["conv.py"]) == 3
    assert first["a_lines"] and first["b_lines"]
    index = (tmp_path / "sim.html").read_text()
    assert "sim-pairs/pair-00001.html" in index
    page = (tmp_path / "sim-pairs" / "pair-00001.html").read_text()
    assert 'class="line shared"' in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert len(list((tmp_path / "sim-pairs").glob("*.html"))) == 3


def test_cli_exercise_choice_and_mistakes(tmp_path):
    root = make_class(tmp_path / "class")
    for folder in root.iterdir():
        shutil.copy(STYLES / "unfold.py", folder / "lenet.py")
    only_conv = grader("similarity", root, "-e", "corr2d", "--json", tmp_path / "c.json")
    assert only_conv.returncode == 0, only_conv.stderr
    assert set(json.loads((tmp_path / "c.json").read_text())["files"]) == {"conv.py"}
    unknown = grader("similarity", root, "-e", "no-such-exercise")
    assert unknown.returncode == 2 and "no-such-exercise" in unknown.stderr
    quiz = grader("similarity", root, "-e", "conv-params")
    assert quiz.returncode == 2 and "code exercise" in quiz.stderr
    missing = grader("similarity", tmp_path / "nowhere")
    assert missing.returncode == 2


@pytest.mark.parametrize("count", [40])
def test_many_submissions_are_indexed_not_compared_pair_by_pair(tmp_path, count):
    """Distinct submissions share little, so the pairs found stay few: the index, not n^2 comparisons."""
    root = tmp_path / "class"
    for n in range(count):
        (root / f"s{n:03d}").mkdir(parents=True)
        body = "\n".join(f"def f{n}_{i}(x):\n    return x * {n * 7 + i} + {i * 13 + n} - x ** {i % 5 + n}\n"
                         for i in range(6))
        (root / f"s{n:03d}" / "conv.py").write_text(body)
    shutil.copy(root / "s007" / "conv.py", root / "s031" / "conv.py")
    pairs = find_similar(root).pairs["conv.py"]
    assert {pairs[0].a, pairs[0].b} == {"s007", "s031"} and pairs[0].similarity == 1.0
    assert len(pairs) < count * (count - 1) // 2
