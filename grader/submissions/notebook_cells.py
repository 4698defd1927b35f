"""A module's source from notebook cells, by syntax tree: definitions kept, the rest listed.

A course notebook mixes what is graded (imports, functions, classes, `net = nn.Sequential(...)`)
with what must not run when the module is imported: training loops, plots, downloads,
magics and shell lines. Each code cell is parsed with `ast`; its top-level statements are
kept or dropped by kind, and every dropped one is named with its cell and line, so the
student sees what was left out. Kept statements keep their text; the generated module
remembers where each of its lines came from, so messages point to the notebook.

This is not a sandbox: what is kept still runs only in the sandboxed child.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass, field

from grader.i18n import N_, _

MAGIC = re.compile(r"^\s*(%|!)")  # a line magic or a shell line (also `x = !ls` below)
SHELL_ASSIGN = re.compile(r"^\s*[A-Za-z_][\w, ]*=\s*[!%]")
FILE_MARK = re.compile(r"^#\s*file:\s*([A-Za-z_]\w*\.py)\s*$")
SAVE_MARK = re.compile(r"#\s*@save\b")
KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# calls whose result a module-level assignment must not be built from: data, training, plots, I/O
RUNS = re.compile(r"(load_data|download|train|fit|plot|show|savefig|Animator|open|read|write|input|sleep|system|urlopen)",
                  re.IGNORECASE)
_KINDS = {ast.For: N_("a for loop"), ast.AsyncFor: N_("a for loop"), ast.While: N_("a while loop"),
          ast.With: N_("a with block"), ast.AsyncWith: N_("a with block"), ast.If: N_("an if block"),
          ast.Try: N_("a try block"), ast.Expr: N_("a bare expression"), ast.Assert: N_("an assert"),
          ast.Delete: N_("a del"), ast.Raise: N_("a raise"), ast.AugAssign: N_("an augmented assignment")}
CELL_RUN = N_("cell {number} (In [{count}])")  # grader.notebook.magic finds these in messages
READ_FROM = N_("read from {notebook}")


@dataclass(frozen=True)
class Cell:
    """One code cell: its 1-based position among all cells, its execution count, its text."""

    number: int
    source: str
    execution_count: int | None = None

    @property
    def label(self) -> str:
        if self.execution_count:
            return _(CELL_RUN).format(number=self.number, count=self.execution_count)
        return _("cell {number}").format(number=self.number)


@dataclass
class Extracted:
    """The module built for one file: its source, where each line came from, what was left out."""

    notebook: str
    source: str = ""
    origins: list[tuple[Cell, int]] = field(default_factory=list)  # generated line i+1 -> (cell, line in cell)
    dropped: list[str] = field(default_factory=list)
    error: str | None = None  # a cell that does not parse: the message, naming cell and line

    def locate(self, line: int | None) -> tuple[str, int] | None:
        """('lenet.ipynb cell 4 (In [3])', 2) for line 7 of the generated module, or None."""
        if type(line) is not int or not 0 < line <= len(self.origins):
            return None
        cell, inner = self.origins[line - 1]
        return f"{self.notebook} {cell.label}", inner

    @property
    def note(self) -> str:
        """What the report says about the extraction: the statements not run."""
        if not self.dropped:
            return _(READ_FROM).format(notebook=self.notebook)
        shown = "; ".join(self.dropped[:30])
        if len(self.dropped) > 30:
            shown = _("{statements}; and {more} more").format(statements=shown, more=len(self.dropped) - 30)
        return _("{read_from}; not run at import: {statements}").format(
            read_from=_(READ_FROM).format(notebook=self.notebook), statements=shown)


def target_of(cell_source: str, own: str | None) -> str | None:
    """The file a cell belongs to: its first line `# file: x.py`, else the notebook's own file."""
    first = cell_source.lstrip("\n").split("\n", 1)[0].strip()
    marked = FILE_MARK.match(first)
    return marked.group(1) if marked else own


def _snippet(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= 50 else line[:47] + "..."


def _clean(cell: Cell, dropped: list[str]) -> list[str]:
    """The cell's lines with magics and shell lines blanked (indented ones become `pass`)."""
    lines = cell.source.split("\n")
    for index, line in enumerate(lines):
        if MAGIC.match(line) or SHELL_ASSIGN.match(line):
            dropped.append(_("{cell} line {line} `{code}` (a magic or shell line)").format(
                cell=cell.label, line=index + 1, code=_snippet(line)))
            indent = line[:len(line) - len(line.lstrip())]
            lines[index] = indent + "pass" if indent else ""
    return lines


def _installed(node: ast.Import | ast.ImportFrom, local: frozenset[str]) -> str | None:
    """The first top-level module `node` imports that is neither installed here nor `local`
    (the submission's own modules, sent beside the graded one)."""
    if isinstance(node, ast.ImportFrom):
        names = [node.module] if node.module and node.level == 0 else []
    else:
        names = [alias.name for alias in node.names]
    for name in names:
        top = name.split(".")[0]
        if top in local:
            continue
        try:
            if importlib.util.find_spec(top) is None:
                return top
        except (ImportError, ValueError):
            return top
    return None


def _uses_grader(node: ast.stmt) -> bool:
    """An import of grader, or a top-level statement that calls into it (`r = grader.notebook.check(...)`)."""
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "grader" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "grader" and node.level == 0
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr)) and node.value is not None:
        return any(isinstance(n, ast.Name) and n.id in ("grader", "get_ipython") for n in ast.walk(node.value))
    return False


def _bound(node: ast.stmt) -> set[str]:
    """The names a top-level import or assignment binds."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def _needs_dropped(node: ast.stmt, gone: set[str]) -> str | None:
    """An assignment whose value reads a name that only a left-out statement binds, which
    would fail at import (`device = d2l.try_gpu()` once `from d2l import ...` is out)."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        return None
    used = sorted({n.id for n in ast.walk(node.value) if isinstance(n, ast.Name) and n.id in gone})
    return _("it uses {name}, which was left out").format(name=used[0]) if used else None


def _verdict(node: ast.stmt, local: frozenset[str]) -> str | None:
    """Why a top-level statement is not run at import, or None to keep it."""
    if _uses_grader(node):
        return _("a use of grader itself")
    if isinstance(node, KEPT):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            missing = _installed(node, local)
            return _("an import of {module}, which is not installed where code is graded").format(module=missing) if missing else None
        return None
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = all(isinstance(t, ast.Name) or (isinstance(t, ast.Tuple) and all(isinstance(e, ast.Name) for e in t.elts))
                    for t in targets)
        if not names:
            return _("an assignment into an object")
        for inner in ast.walk(node.value) if node.value is not None else ():
            if isinstance(inner, ast.Call):
                called = inner.func.attr if isinstance(inner.func, ast.Attribute) else getattr(inner.func, "id", "")
                if RUNS.search(called):
                    return _("an assignment that calls {function}()").format(function=called)
        return None
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return None  # a docstring
    if isinstance(node, ast.Expr):
        return _("a call") if isinstance(node.value, (ast.Call, ast.Await)) else _("a value shown, not kept")
    return _(_KINDS.get(type(node), N_("a statement")))


def cell_language(metadata: dict) -> str | None:
    language = (metadata.get("vscode") or {}).get("languageId") or metadata.get("language")
    return language if isinstance(language, str) and language.lower() not in ("python", "python3") else None


def _shared_lines(body: list[ast.stmt]) -> set[int]:
    """Lines holding more than one top-level statement (joined by `;`)."""
    seen, shared = set(), set()
    for node in body:
        for line in {node.lineno, node.end_lineno}:
            (shared if line in seen else seen).add(line)
    return shared | {n.lineno for n in body if n.col_offset > 0}


def extract(notebook: str, cells: list[Cell], languages: dict[int, str] | None = None,
            local: frozenset[str] = frozenset()) -> Extracted:
    """The module of `cells` (in order), as `ast` reads them; `languages` names cells not in
    Python, `local` the modules the submission itself provides (importable in the child)."""
    result, parts = Extracted(notebook), []
    gone: set[str] = set()  # names only statements left out would bind (d2l, train_iter)
    for cell in cells:
        if cell.source.lstrip().startswith("%%"):
            result.dropped.append(_("{cell} `{code}` (a cell magic: not Python)").format(cell=cell.label, code=_snippet(cell.source)))
            continue
        if languages and cell.number in languages:
            result.dropped.append(_("{cell} (a {language} cell: not Python)").format(cell=cell.label, language=languages[cell.number]))
            continue
        lines = _clean(cell, result.dropped)
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError as error:
            result.error = _("{notebook} {cell}, line {line} has a syntax error: {message}; fix the cell or delete it").format(
                notebook=notebook, cell=cell.label, line=error.lineno or 1, message=error.msg)
            return result
        except (RecursionError, MemoryError, ValueError):
            result.error = _("{notebook} {cell} is too deeply nested or too large to read").format(notebook=notebook, cell=cell.label)
            return result
        shared = _shared_lines(tree.body)
        for node in tree.body:
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            why = _verdict(node, local) or _needs_dropped(node, gone)
            if why:
                result.dropped.append(_("{cell} line {line} `{code}` ({why})").format(
                    cell=cell.label, line=first, code=_snippet(lines[first - 1]), why=why))
                gone.update(_bound(node))
                continue
            gone.difference_update(_bound(node) | {getattr(node, "name", "")})  # bound again by kept code
            if first in shared or node.end_lineno in shared:  # `a = 1; train()`: only this statement
                for text in ast.unparse(node).split("\n"):
                    parts.append(text)
                    result.origins.append((cell, first))
                continue
            for inner in range(first, node.end_lineno + 1):
                parts.append(lines[inner - 1])
                result.origins.append((cell, inner))
    result.source = "\n".join(parts) + ("\n" if parts else "")
    return result
