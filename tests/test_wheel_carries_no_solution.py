"""The installed grader knows no course: its wheel holds no implementation of any exercise.

The wheel is built as a user builds it (`pip wheel . --no-deps`), unpacked, and every Python
file in it read (parsed, never run) for a top-level function or class that bears the name of a
code exercise of the bundled bank or of one of its symbols, in any edition (`lenet`, `AlexNet`,
`nin_block`, `positional_encoding`, ...): the course's networks, its known mistakes and
init-bank's reference live in the bank (solutions/), which does not ship.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO
from grader.bank.loading import load_bank
from grader.bank.resources import bundled
from grader.bank.spec import CodeExercise


def _normal(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def exercise_names() -> set[str]:
    """Every name a code exercise of the bundled bank is known by: its id and its symbols, in every edition."""
    names = set()
    for exercise in load_bank(bundled("exercises"), names=False):
        if isinstance(exercise, CodeExercise):
            names.add(exercise.id)
            names.update(s for s in exercise.symbols if s != "net")  # LeNet's net: known by its id
            for contract in exercise.editions.values():
                names.update(n for n in contract.names.values() if n != "net")
    return {_normal(n) for n in names}


def implementations(files: dict[str, str], names: set[str]) -> list[str]:
    """`file: name` for each top-level def or class of `files` whose name is one of `names`, also
    in the Python a file holds as text (a scaffold writing out a reference solution)."""
    found = []
    for file, source in sorted(files.items()):
        tree = ast.parse(source)
        modules = [tree] + [_parsed(node.value) for node in ast.walk(tree)
                            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "def " in node.value]
        for module in filter(None, modules):
            found += [f"{file}: {node.name}" for node in module.body
                      if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and _normal(node.name) in names]
    return found


def _parsed(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def test_the_scan_finds_a_course_network_where_there_is_one():
    files = {"grader/proofs/nets.py": "def lenet(c1=6):\n    pass\n\nclass _Inception:\n    pass\n",
             "grader/bank/scaffold.py": 'REFERENCE = """\ndef corr2d(X, K):\n    return X\n"""\n',
             "grader/ok.py": "def param_count(m):\n    pass\n"}
    assert implementations(files, exercise_names()) == [
        "grader/bank/scaffold.py: corr2d", "grader/proofs/nets.py: lenet", "grader/proofs/nets.py: _Inception"]


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(out)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = out.glob("*.whl")  # dl_grader-...: the distribution name is not the package's
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".py")}


def test_the_wheel_holds_the_engine_and_no_bank(wheel_files):
    assert "grader/checking/codegrade.py" in wheel_files and "grader/checking/editions.py" in wheel_files
    assert not [name for name in wheel_files if "exercises/" in name or "solutions/" in name]


def test_no_file_in_the_wheel_implements_an_exercise(wheel_files):
    assert implementations(wheel_files, exercise_names()) == []
