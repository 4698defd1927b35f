"""A notebook's code cells as top-level statements: what each binds, reads, and whether it may run.

A course notebook mixes what is graded (imports, functions, classes, `net = nn.Sequential(...)`)
with what must not run when the module is imported: training loops, plots, downloads,
magics, shell lines, demo lines. Each code cell is parsed with `ast` (magics blanked first,
`notebook_magics`) and each top-level statement is described: the names it binds, the
global names it reads as it runs (`now`: an assignment's value, a class body, defaults and
decorators) and those its functions read when called (`later`), found with `symtable` so a
function's own parameters are not taken for globals. Only an import, a `def`, a `class` or
an assignment to plain names can be taken into a module (`candidate`); `refusal` says why a
candidate still cannot run at import. `notebook_extract` picks the statements an exercise
needs. Nothing here runs a line of the notebook: parsing and symbol tables only.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
import symtable
from dataclasses import dataclass, field

from grader.i18n import N_, _
from grader.i18n.syntax_errors import say_syntax_error
from grader.submissions.notebook_magics import magic_lines

MAX_STATEMENTS = 5_000  # top-level statements of a notebook; the course's longest have a few hundred
FILE_MARK = re.compile(r"^#\s*file:\s*([A-Za-z_]\w*\.py)\s*$")
TAKEN = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# calls whose result a module-level assignment must not be built from: data, training, plots, I/O
RUNS = re.compile(r"(load_data|download|train|fit|plot|show|savefig|Animator|open|read|write|input|sleep|system|urlopen)",
                  re.IGNORECASE)
_INSTANT_SCOPES = ("listcomp", "setcomp", "dictcomp", "genexpr")  # run where they stand, not later
_SIMPLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)
_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# a statement's kind stays English (it is compared); it is translated where it is said, _(statement.kind)
IMPORT, DEF, CLASS, ASSIGNMENT = N_("an import"), N_("a def"), N_("a class"), N_("an assignment")
_KINDS = {ast.For: N_("a for loop"), ast.AsyncFor: N_("a for loop"), ast.While: N_("a while loop"),
          ast.With: N_("a with block"), ast.AsyncWith: N_("a with block"), ast.If: N_("an if block"),
          ast.Try: N_("a try block"), ast.Expr: N_("a bare expression"), ast.Assert: N_("an assert"),
          ast.Delete: N_("a del"), ast.Raise: N_("a raise"), ast.AugAssign: N_("an augmented assignment")}
TOO_DEEP = N_("is too deeply nested or too large to read")
GRADER_ITSELF = N_("a use of grader itself")


@dataclass(frozen=True)
class Cell:
    """One code cell: its 1-based position among all cells, its text, its execution count, and its
    language where it is not Python (VS Code's languageId, nbformat 3's language)."""

    number: int
    source: str
    execution_count: int | None = None
    language: str | None = None

    @property
    def label(self) -> str:
        if self.execution_count:
            return _("cell {number} (In [{count}])").format(number=self.number, count=self.execution_count)
        return _("cell {number}").format(number=self.number)


@dataclass
class Statement:
    """One top-level statement of a cell (see the module's notes)."""

    cell: Cell
    first: int  # its first line in the cell, decorators included
    lines: list[tuple[str, int]]  # its text, line by line, each with its line in the cell
    binds: frozenset[str]
    now: frozenset[str]
    later: frozenset[str]
    kind: str  # IMPORT, DEF, CLASS, ASSIGNMENT, "a for loop", ... in English: said as _(kind)
    candidate: bool
    refusal: str | None = None  # said in the language spoken when the notebook was read
    star: bool = False  # `from x import *`: it binds names no one can list

    @property
    def place(self) -> str:
        return _("{cell} line {line} `{code}`").format(cell=self.cell.label, line=self.first, code=self.snippet)

    @property
    def snippet(self) -> str:
        text = self.lines[0][0].strip() if self.lines else ""
        return text if len(text) <= 50 else text[:47] + "..."


@dataclass
class Analysis:
    """A notebook's statements in order, and the cells that were left out whole, with why."""

    statements: list[Statement] = field(default_factory=list)
    skipped: list[tuple[int, int, str]] = field(default_factory=list)  # (cell, line, what): magics, other languages
    broken: list[tuple[Cell, str]] = field(default_factory=list)  # cells that do not parse: the message
    too_many: Cell | None = None  # the cell past which there were more than MAX_STATEMENTS: nothing is taken


def target_of(cell_source: str, own: str | None) -> str | None:
    """The file a cell belongs to: its first line `# file: x.py`, else the notebook's own file."""
    first = cell_source.lstrip("\n").split("\n", 1)[0].strip()
    marked = FILE_MARK.match(first)
    return marked.group(1) if marked else own


def _snippet(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= 50 else line[:47] + "..."


def _installed(node: ast.Import | ast.ImportFrom, local: frozenset[str]) -> str | None:
    """The first top-level module `node` imports that is neither installed here nor `local`
    (the submission's own modules, sent beside the graded one)."""
    if isinstance(node, ast.ImportFrom):
        names = [node.module] if node.module and node.level == 0 else []
    else:
        names = [alias.name for alias in node.names]
    for name in names:
        top = name.split(".")[0]
        if top not in local and not _findable(top):
            return top
    return None


@functools.lru_cache(maxsize=256)
def _findable(module: str) -> bool:
    """Whether a top-level module is installed here (asked once a process: a course imports torch in every cell)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _plain_targets(node: ast.stmt) -> bool:
    """An assignment to names only (`a = ...`, `a, b = ...`), not into an object (`net[0].weight = ...`)."""
    if isinstance(node, ast.AnnAssign):
        return node.value is not None and isinstance(node.target, ast.Name)
    if not isinstance(node, ast.Assign):
        return False
    return all(isinstance(t, ast.Name) or (isinstance(t, (ast.Tuple, ast.List)) and all(
        isinstance(e, ast.Name) or (isinstance(e, ast.Starred) and isinstance(e.value, ast.Name)) for e in t.elts))
        for t in node.targets)


def _kind(node: ast.stmt) -> str:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return IMPORT
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return DEF
    if isinstance(node, ast.ClassDef):
        return CLASS
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        return ASSIGNMENT if _plain_targets(node) else N_("an assignment into an object")
    if isinstance(node, ast.Expr):
        return N_("a call") if isinstance(node.value, (ast.Call, ast.Await)) else N_("a value shown")
    return _KINDS.get(type(node), N_("a statement"))


def _refusal(node: ast.stmt, now: frozenset[str], local: frozenset[str]) -> str | None:
    """Why a candidate statement that reads `now` cannot run at import, or None."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] * (node.level == 0)
        if any(module.split(".")[0] == "grader" for module in modules):
            return _(GRADER_ITSELF)
        missing = _installed(node, local)
        if missing:
            return _("an import of {module}, which is not installed where code is graded").format(module=missing)
        return None
    if now & {"grader", "get_ipython"}:  # `r = grader.notebook.check('lenet')`
        return _(GRADER_ITSELF)
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        for inner in ast.walk(node.value):
            if isinstance(inner, ast.Call):
                called = inner.func.attr if isinstance(inner.func, ast.Attribute) else getattr(inner.func, "id", "")
                if RUNS.search(called):
                    return _("an assignment that calls {function}()").format(function=called)
    return None


def _reads(table: symtable.SymbolTable, later: bool, now: set[str], deferred: set[str]) -> None:
    """The global names read in `table` and the scopes inside it, each as read now or later."""
    top = table.get_type() == "module"
    for symbol in table.get_symbols():
        if symbol.is_referenced() and (top or symbol.is_global()):
            (deferred if later else now).add(symbol.get_name())
    for child in table.get_children():
        called_later = later or (child.get_type() == "function" and child.get_name() not in _INSTANT_SCOPES)
        _reads(child, called_later, now, deferred)


def _names(text: str, node: ast.stmt) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(binds, now, later) of the statement `text` (parsed as `node`)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return frozenset((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"), frozenset(), frozenset()
    if isinstance(node, _SIMPLE) and not any(isinstance(n, _SCOPES) for n in ast.walk(node)):
        # one scope only, the module's: what it reads, it reads now (most of a notebook's lines)
        names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
        return (frozenset(n.id for n in names if isinstance(n.ctx, ast.Store)),
                frozenset(n.id for n in names if isinstance(n.ctx, ast.Load)), frozenset())
    try:
        table = symtable.symtable(text, "cell", "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):  # the statement fails when it runs
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        bound = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        return frozenset(bound), frozenset(used), frozenset()
    now: set[str] = set()
    later: set[str] = set()
    _reads(table, False, now, later)
    binds = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    return frozenset(binds), frozenset(now), frozenset(later - now)


def _shared_lines(body: list[ast.stmt]) -> set[int]:
    """Lines holding more than one top-level statement (joined by `;`)."""
    seen, shared = set(), set()
    for node in body:
        for line in {node.lineno, node.end_lineno}:
            (shared if line in seen else seen).add(line)
    return shared | {n.lineno for n in body if n.col_offset > 0}


def _cleaned(cell: Cell, skipped: list[str]) -> list[str]:
    """The cell's lines with magics and shell lines blanked (indented ones become `pass`)."""
    lines = cell.source.split("\n")
    for index in magic_lines(cell.source):
        line = lines[index]
        skipped.append((cell.number, index + 1, _("{cell} line {line} `{code}` (a magic or shell line)").format(
            cell=cell.label, line=index + 1, code=_snippet(line))))
        indent = line[:len(line) - len(line.lstrip())]
        lines[index] = indent + "pass" if indent else ""
    return lines


def analyse(cells: list[Cell], local: frozenset[str] = frozenset()) -> Analysis:
    """The statements of `cells` (in order); `local` names the modules the submission itself
    provides, which an import may name though they are not installed."""
    result = Analysis()
    for cell in cells:
        if cell.source.lstrip().startswith("%%"):
            result.skipped.append((cell.number, 1, _("{cell} `{code}` (a cell magic: not Python)").format(
                cell=cell.label, code=_snippet(cell.source))))
            continue
        if cell.language:
            result.skipped.append((cell.number, 1, _("{cell} (a {language} cell: not Python)").format(
                cell=cell.label, language=cell.language)))
            continue
        lines = _cleaned(cell, result.skipped)
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError as error:
            result.broken.append((cell, _("line {line} has a syntax error: {error}").format(
                line=error.lineno or 1, error=say_syntax_error(error.msg))))
            continue
        except (RecursionError, MemoryError, ValueError):
            result.broken.append((cell, _(TOO_DEEP)))
            continue
        if len(result.statements) + len(tree.body) > MAX_STATEMENTS:  # each is looked at, some in a symbol table
            result.too_many = cell
            return result
        try:
            result.statements += _statements(cell, lines, tree, local)
        except (RecursionError, MemoryError):  # an expression nested past what unparse or a symbol table takes
            result.broken.append((cell, _(TOO_DEEP)))
    return result


def _statements(cell: Cell, lines: list[str], tree: ast.Module, local: frozenset[str]) -> list[Statement]:
    found = []
    shared = _shared_lines(tree.body)
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if first in shared or node.end_lineno in shared:  # `a = 1; train()`: this statement only
            text = [(line, first) for line in ast.unparse(node).split("\n")]
        else:
            text = [(lines[i - 1], i) for i in range(first, node.end_lineno + 1)]
        binds, now, later = _names("\n".join(t for t, _line in text), node)
        candidate = isinstance(node, TAKEN) or _plain_targets(node)
        found.append(Statement(cell, first, text, binds, now, later, _kind(node), candidate,
                               _refusal(node, now, local) if candidate else None,
                               star=isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)))
    return found
