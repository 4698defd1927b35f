"""The package's folders are layers: each imports only the layers below it, and no module
imports itself back round a circle. Read from the syntax tree of every module, late imports
inside functions included, so a shortcut taken "just here" is found too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "grader"

# Top to bottom. A module may import its own folder and any folder of a lower layer; folders
# that share a layer are independent of each other. docs/architecture.md shows the same table.
LAYERS = [
    {"grader.cli"},
    {"grader.usage"},
    {"grader.notebook", "grader.lms", "grader.watch"},
    {"grader.classroom", "grader.handouts", "grader.proofs"},
    {"grader.grading"},
    {"grader.quiz", "grader.checking"},
    {"grader.reports", "grader.submissions"},
    {"grader.bank"},
    {"grader.judge"},
    {"grader.sandbox"},
    {"grader.paths"},
    {"grader.errors"},
    {"grader.i18n"},
]
FACE = "grader"  # grader/__init__.py: the version, and `%load_ext grader` handed to grader.notebook


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(PACKAGE.rglob("*.py"))
NAMES = {module_name(p) for p in MODULES}


def imported(source: str, own: str, is_package: bool = False) -> set[str]:
    """The grader modules a module's source imports, wherever in the file the import stands."""
    package = own if is_package else own.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from grader import x` names a module
    return {name for name in found if name in NAMES and name != own}


def unit_of(module: str) -> str:
    """The layer unit a module belongs to: its folder under grader/, or a top-level module itself."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def layer_of(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise AssertionError(f"{unit} is in no layer: add it to LAYERS (and to docs/architecture.md)")


def wrong_imports(module: str, targets: set[str]) -> list[str]:
    """The imports of `module` that reach its own layer or one above it."""
    if module == FACE:
        return sorted(targets - {"grader.notebook"})
    mine = layer_of(unit_of(module))
    return [f"{target} (layer {layer_of(unit_of(target))}, not below {unit_of(module)}'s {mine})"
            for target in sorted(targets)
            if unit_of(target) not in (unit_of(module), FACE) and layer_of(unit_of(target)) <= mine]


def a_circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of `graph` as a trail of modules, or [] where there is none."""
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> list[str]:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return trail[trail.index(target):] + [target]
            if target not in state and (found := visit(target, trail + [target])):
                return found
        state[module] = "done"
        return []

    for module in sorted(graph):
        if module not in state and (found := visit(module, [module])):
            return found
    return []


GRAPH = {module_name(p): imported(p.read_text(encoding="utf-8"), module_name(p), p.name == "__init__.py")
         for p in MODULES}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_a_module_imports_only_its_own_folder_and_lower_layers(module):
    wrong = wrong_imports(module, GRAPH[module])
    assert not wrong, f"{module} imports " + "; ".join(wrong)


def test_the_sandbox_imports_nothing_of_the_trusted_side():
    for module, targets in GRAPH.items():
        if unit_of(module) == "grader.sandbox":
            assert {unit_of(t) for t in targets} <= {"grader.sandbox", "grader.errors", "grader.i18n", FACE}, module


def test_no_module_imports_itself_round_a_circle():
    """Within a folder too: spec -> names -> scope -> spec was one, and must stay gone."""
    circle = a_circle(GRAPH)
    assert not circle, "import circle: " + " -> ".join(circle)


def test_the_rules_bite():
    """A late import of the checking side from the bank, a sibling import, and a circle are all found."""
    late = "def f():\n    from grader.checking import checks\n    from grader.judge.expr import parse_expression\n"
    targets = imported(late, "grader.bank.spec")
    assert {"grader.checking.checks", "grader.judge.expr"} <= targets
    assert wrong_imports("grader.bank.spec", targets) == [
        "grader.checking (layer 5, not below grader.bank's 7)",
        "grader.checking.checks (layer 5, not below grader.bank's 7)"]
    assert wrong_imports("grader.quiz.marking", {"grader.checking.session"})  # siblings are independent
    assert wrong_imports("grader.sandbox.child", {"grader.bank.spec"})
    assert not wrong_imports("grader.cli", {"grader.classroom.batch", "grader.errors"})
    assert a_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert a_circle({"a": {"b"}, "b": set()}) == []
