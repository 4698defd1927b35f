"""Starter files for a handout: the contract's names and signatures, bodies to fill in.

Signatures are read from the reference solution's syntax tree (never imported): a function's
`def` line, a class's bases and its `__init__` and `forward` signatures, a module-level
name as an assignment to fill in. Bodies raise NotImplementedError; no line of a body, no
docstring and no comment of the reference is copied.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

from grader.bank.spec import CodeExercise
from grader.i18n import _

IMPORTS = "import math\n\nimport torch\nfrom torch import nn\nfrom torch.nn import functional as F\n"
METHODS = ("__init__", "forward")


@dataclass(frozen=True)
class Stub:
    """One symbol of a starter file: its name and its starter code."""

    name: str
    code: str


def _safe(text: str) -> str:
    """Text that can sit inside a triple-quoted docstring."""
    return text.replace("\\", "\\\\").replace('"""', "'''")


def _doc(text: str, indent: str) -> str:
    body = textwrap.fill(" ".join(_safe(text).split()), 88 - len(indent) - 3, subsequent_indent=indent)
    return f'{indent}"""{body}"""\n'


def _todo(name: str) -> str:
    return _("{name}: write your code here").format(name=name)


def _signature(node: ast.FunctionDef) -> str:
    return f"def {node.name}({ast.unparse(node.args)}):"


def _function(node: ast.FunctionDef, doc: str) -> str:
    return (f"{_signature(node)}\n" + _doc(doc, "    ")
            + f"    raise NotImplementedError({_todo(node.name)!r})\n")


def _class(node: ast.ClassDef, doc: str) -> str:
    bases = ", ".join(ast.unparse(b) for b in node.bases)
    lines = [f"class {node.name}({bases}):\n" if bases else f"class {node.name}:\n", _doc(doc, "    ")]
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name in METHODS:
            lines.append("\n" + f"    {_signature(item)}\n")
            if item.name == "__init__" and bases:
                lines.append("        super().__init__()\n")
            lines.append(f"        raise NotImplementedError({_todo(node.name + '.' + item.name)!r})\n")
    return "".join(lines)


def _assignment(name: str, doc: str) -> str:
    return (f"def _build_{name}():\n" + _doc(doc, "    ")
            + f"    raise NotImplementedError({_('{name}: build it here, e.g. nn.Sequential(...)').format(name=name)!r})\n\n\n"
            + f"{name} = _build_{name}()\n")


def stubs(exercise: CodeExercise, reference: Path) -> list[Stub]:
    """A stub per symbol of `exercise`, shaped like `reference` (a Python file) defines it."""
    tree = ast.parse(reference.read_text(encoding="utf-8")) if reference.is_file() else ast.Module(body=[])
    defined: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    defined[target.id] = node
    found = []
    for name in exercise.symbols:
        doc = _("{name}, for the exercise {title} ({id}): see the description at the top.").format(
            name=name, title=exercise.title, id=exercise.id)
        node = defined.get(name)
        if isinstance(node, ast.FunctionDef):
            found.append(Stub(name, _function(node, doc)))
        elif isinstance(node, ast.ClassDef):
            found.append(Stub(name, _class(node, doc)))
        else:
            found.append(Stub(name, _assignment(name, doc)))
    return found


def module_text(file: str, exercises: list[CodeExercise], symbol_stubs: list[Stub]) -> str:
    """The starter `.py` for `file`: a docstring with the exercises' text, imports, the stubs."""
    header = "\n\n".join(f"{e.title} ({e.id}).\n\n" + textwrap.fill(" ".join(e.description.split()), 88)
                         for e in exercises)
    header = _safe(header)
    checks = " ".join(f"-e {e.id}" for e in exercises)
    header += "\n\n" + _("Check it with: grader check --bank ../bank . --public-only {checks}").format(checks=checks)
    return f'"""{file}: {header}\n"""\n\n{IMPORTS}\n\n' + "\n\n".join(s.code for s in symbol_stubs)
