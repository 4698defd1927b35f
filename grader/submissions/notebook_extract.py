"""A module for one exercise from a notebook: the statements its names need, and a note of the rest.

Running a notebook top to bottom leaves each name bound by its last binding, so the graded
`net` is the last top-level statement that binds `net` and can run at import. From the
exercise's names (`LeNet`'s `net`, the Transformer's `MultiHeadAttention`) the statements they
need are followed: what a statement reads as it runs is taken from the last binding before it,
what its functions read when called from the last binding in the notebook. A statement that
cannot run at import (an import of d2l, `net = train(...)`) is not taken, and neither is one
that reads, as it runs, a name that only such statements bind: the next binding back is
taken instead where there is one. Everything else is left out, so a demo cell that raises,
or a class built on d2l that no exercise needs, costs nothing. The note lists what was not
run though needed, the names bound more than once, and what was left out, each with its cell
and line; `locate` maps the module's lines back to cells, so messages point to the notebook.
"""

from __future__ import annotations

import bisect
import builtins
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from grader.i18n import N_, _, is_said, listed
from grader.submissions.notebook_cells import IMPORT, MAX_STATEMENTS, Analysis, Cell, Statement

SHOWN = 15  # entries of one list in the note; the rest are counted (a report shows 2,000 characters of it)
READ_FROM = N_("read from {notebook}")  # every note starts so, and quotes the student's code after it
_END = 1 << 62


@dataclass
class Extracted:
    """The module built for one file: its source, where each line came from, and the note's parts."""

    notebook: str
    source: str = ""
    origins: list[tuple[Cell, int]] = field(default_factory=list)  # generated line i+1 -> (cell, line in cell)
    dropped: list[str] = field(default_factory=list)  # needed, but not run at import: where, and why
    rebound: list[str] = field(default_factory=list)  # names bound more than once, and which binding is graded
    left_out: list[str] = field(default_factory=list)  # not needed
    chosen_from: str = ""  # when several notebooks could provide the file: which one, and why
    error: str | None = None  # a cell that does not parse, where the exercise may need it: the message

    def locate(self, line: int | None) -> tuple[str, int] | None:
        """('lenet.ipynb cell 4 (In [3])', 2) for line 7 of the generated module, or None."""
        if type(line) is not int or not 0 < line <= len(self.origins):
            return None
        cell, inner = self.origins[line - 1]
        return f"{self.notebook} {cell.label}", inner

    @property
    def note(self) -> str:
        """What the report says about the extraction: where from, what did not run, what was left out."""
        if self.chosen_from:
            parts = [_("read from {notebook} ({why})").format(notebook=self.notebook, why=self.chosen_from)]
        else:
            parts = [_(READ_FROM).format(notebook=self.notebook)]
        if self.dropped:
            parts.append(_("not run at import: {statements}").format(statements=_listed(self.dropped)))
        parts += self.rebound
        if self.left_out:
            parts.append(_("left out, as no graded name needs it: {statements}").format(statements=_listed(self.left_out)))
        return "; ".join(parts)


def without_note(message: str) -> str:
    """An exercise's message up to the extraction note in it, said in any language (a gradebook keeps
    the language it was graded in): the grader's words, not the student's code it quotes."""
    if not is_said(message, READ_FROM):
        return message
    for at in [0] + [space.end() for space in re.finditer(r"\s+", message)]:  # a note starts a line or a word
        if is_said(message[at:], READ_FROM, start=True):
            return message[:at].rstrip()
    return message


def _listed(entries: list[str]) -> str:
    more = len(entries) - SHOWN
    shown = listed(entries[:SHOWN])
    return _("{entries}, and {count} more").format(entries=shown, count=more) if more > 0 else shown


class _Picker:
    """Which statement provides a name at a point, found in one pass: a statement can run at import
    when it may (`refusal`) and every name it reads as it runs has a provider before it."""

    def __init__(self, analysis: Analysis):
        self.statements = analysis.statements
        self.bindings: dict[str, list[int]] = {}  # every statement binding a name, loops and blocks too
        for index, statement in enumerate(self.statements):
            for name in statement.binds:
                self.bindings.setdefault(name, []).append(index)
        self.runnable: dict[str, list[int]] = {}  # the statements that can run, by the names they bind
        self.why: list[str | None] = []
        self.cause: dict[int, int | None] = {}  # a statement that cannot run for a name: that name's binding
        for index, statement in enumerate(self.statements):
            why = statement.refusal if statement.candidate else \
                _("{kind}, which is not run at import").format(kind=_(statement.kind))
            for name in sorted(statement.now) if why is None else ():
                if name in self.bindings and self._last(self.runnable.get(name, []), index) is None:
                    why = _("it uses {name}, which is not run at import").format(name=name)
                    self.cause[index] = self._last(self.bindings[name], index)
                    break
            self.why.append(why)
            for name in statement.binds if why is None else ():
                self.runnable.setdefault(name, []).append(index)
        self.stars = [i for i, s in enumerate(self.statements) if s.star and self.why[i] is None]
        self.not_run: dict[int, str] = {}  # a binding that a needed name would have had: why it did not run

    @staticmethod
    def _last(indexes: list[int], before: int) -> int | None:
        at = bisect.bisect_left(indexes, before)
        return indexes[at - 1] if at else None

    def provider(self, name: str, before: int) -> int | None:
        """The last statement before `before` that binds `name` and can run at import."""
        found = self._last(self.runnable.get(name, []), before)
        latest = self._last(self.bindings.get(name, []), before)
        while latest is not None and latest != found and latest not in self.not_run:
            self.not_run[latest] = self.why[latest]
            latest = self.cause.get(latest)  # and why that one could not run, back to the first reason
        return found

    def needs(self, index: int) -> set[int]:
        """The statements `index` needs, itself excluded."""
        statement, found = self.statements[index], set()
        for names, before in ((statement.now, index), (statement.later, _END)):
            for name in names:
                provider = self.provider(name, before)
                if provider is not None:
                    found.add(provider)
                elif name not in self.bindings and not hasattr(builtins, name):
                    found.update(i for i in self.stars if i < before)
        found.discard(index)
        return found


def _mentions(cell: Cell, names: Collection[str]) -> bool:
    return any(re.search(rf"\b{re.escape(name)}\b", cell.source) for name in names)


def extract(notebook: str, analysis: Analysis, names: Collection[str] | None = None) -> Extracted:
    """The module of `analysis` that `names` need (every name it binds when None), with its note."""
    result = Extracted(notebook)
    roots = sorted({n for s in analysis.statements if s.candidate for n in s.binds} if names is None else set(names))
    if analysis.too_many is not None:
        result.error = _("{notebook} has over {limit} top-level statements by {cell}; hand in the code of the "
                         "exercises alone").format(notebook=notebook, limit=f"{MAX_STATEMENTS:,}",
                                                   cell=analysis.too_many.label)
        return result
    left_out = list(analysis.skipped)
    for cell, message in analysis.broken:
        if names is None or _mentions(cell, roots):
            result.error = _("{notebook} {cell}, {problem}; fix the cell or delete it").format(
                notebook=notebook, cell=cell.label, problem=message)
            return result
        left_out.append((cell.number, 0, _("{cell} (it does not parse: {problem})").format(cell=cell.label, problem=message)))
    picker = _Picker(analysis)
    chosen: set[int] = set()
    todo = [i for i in (picker.provider(name, _END) for name in roots) if i is not None]
    while todo:
        index = todo.pop()
        if index not in chosen:
            chosen.add(index)
            todo.extend(picker.needs(index) - chosen)
    _note_rebound(result, analysis.statements, picker, chosen)
    for index, why in sorted(picker.not_run.items()):
        result.dropped.append(_("{statement} ({why})").format(statement=picker.statements[index].place, why=why))
    left_out += _runs([i for i in range(len(analysis.statements)) if i not in chosen and i not in picker.not_run],
                      analysis.statements)
    result.left_out = [text for _cell, _line, text in sorted(left_out)]
    parts = []
    for index in sorted(chosen):
        for text, line in analysis.statements[index].lines:
            parts.append(text)
            result.origins.append((analysis.statements[index].cell, line))
    result.source = "\n".join(parts) + ("\n" if parts else "")
    return result


def _runs(indexes: list[int], statements: list[Statement]) -> list[tuple[int, int, str]]:
    """(cell, line, entry) for the statements left out, one entry for a run of them in one cell
    (`cell 4 lines 1-3 `X = torch.rand(...)``): a demo cell is one entry, not one per line. A
    statement that could not have run anyway stands alone, with why (`import d2l`: not installed)."""
    runs: list[list[int]] = []
    for index in indexes:
        alone = statements[index].refusal is not None
        if runs and not alone and runs[-1][-1] == index - 1 and statements[index - 1].cell is statements[index].cell \
                and statements[index - 1].refusal is None:
            runs[-1].append(index)
        else:
            runs.append([index])
    found = []
    for run in runs:
        first, last = statements[run[0]], statements[run[-1]]
        if first.refusal is not None:
            entry = _("{statement} ({why})").format(statement=first.place, why=first.refusal)
        elif len(run) == 1:
            entry = first.place
        else:
            entry = _("{cell} lines {first}-{last} `{code}`").format(cell=first.cell.label, first=first.first,
                                                                      last=last.lines[-1][1], code=first.snippet)
        found.append((first.cell.number, first.first, entry))
    return found


def _note_rebound(result: Extracted, statements: list[Statement], picker: _Picker, chosen: set[int]) -> None:
    """Names the module needs that the notebook binds more than once, with different code."""
    needed = sorted({n for i in chosen for n in statements[i].binds if statements[i].kind != IMPORT})
    for name in needed:
        places = [i for i in picker.bindings[name] if statements[i].candidate and statements[i].kind != IMPORT]
        texts = {"\n".join(t for t, _line in statements[i].lines) for i in places}
        graded = max(i for i in places if i in chosen)
        if len(texts) > 1:
            where = _listed([statements[i].place for i in places])
            result.rebound.append(_("{name} is bound {count} times ({places}); the one graded is the last that runs, "
                                    "in {cell} line {line}").format(name=name, count=len(places), places=where,
                                                                    cell=statements[graded].cell.label,
                                                                    line=statements[graded].first))
