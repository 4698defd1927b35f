"""A notebook's JSON read for what grading needs, bounded before anything is built.

`json.loads` builds every value of a notebook before anything can be checked: a 100 MB
file of small outputs or metadata becomes gigabytes of Python objects, and one 2 MB code
cell became a gigabyte of syntax tree later. So the notebook's bytes are skimmed instead:
only the kernel's language, each cell's type, and a code cell's source, execution count and
language are decoded; everything else (outputs, attachments, widget state, other metadata)
is stepped over by searching for its end in C (`bytes.find`, `re`), and no value of it is
ever built, nor is the file decoded as a whole (a 100 MB file is never 400 MB of text).
What is stepped over is capped in lists, objects and strings, what is kept in cells and
characters, each before it is decoded; each refusal names the notebook and says how to fix
it. The formats read are nbformat 4 and the older 3 (`worksheets`, `input`).
"""

from __future__ import annotations

import codecs
import json
import re

from grader.submissions.files import UnreadableFile
from grader.submissions.notebook_cells import Cell

MAX_CELLS = 10_000  # a whole chapter of the course is about 100
MAX_CELL_CHARS = 100_000  # the code of one cell; the course's longest are about 5,000
MAX_CODE_CHARS = 1_000_000  # the code of all cells together: a source file's limit
MAX_CONTAINERS = 500_000  # lists and objects stepped over (outputs, metadata)
MAX_STRINGS = 2_000_000  # short strings stepped over (a honest 100 MB is mostly long ones: images)
WINDOW = 1 << 20  # characters stepped over in one match, between two looks at the counts

_SPACE = re.compile(rb"[ \t\n\r]*")
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
# scalars, commas, colons, short strings and innermost lists and objects between brackets, stepped
# over in one match in C; a long string stops it, to be jumped by `string_end`
_SHORT = rb'"[^"\\]{0,200}+(?:\\.[^"\\]{0,200}+){0,8}+"'
_ATOM = rb'[^"\[\]{}]++|' + _SHORT
_RUN = re.compile(rb"(?:" + _ATOM + rb"|\[(?:" + _ATOM + rb")*+\]|\{(?:" + _ATOM + rb")*+\})*+")
_SCALAR = re.compile(rb"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")
_KINDS = {b"{": "an object", b"[": "a list", b'"': "text", b"t": "a boolean", b"f": "a boolean", b"n": "null"}


class _Broken(Exception):
    def __init__(self, position: int, what: str = ""):
        self.position, self.what = position, what


class _Malformed(Exception):
    """A value of the wrong kind where Jupyter writes another: the message says which."""


class _TooLarge(Exception):
    """More than a cap allows: the message follows the notebook's name and says how to fix it."""


class _Skim:
    def __init__(self, text: bytes):
        self.text = text
        self.turns = self.containers = self.strings = 0  # what skipping has met, against the caps

    def space(self, pos: int) -> int:
        return _SPACE.match(self.text, pos).end()

    def kind(self, pos: int) -> str:
        """What the value at `pos` is, for a message; the text's end there is broken JSON."""
        char = self.text[pos:pos + 1]
        if not char:
            raise _Broken(pos, "it ends too early")
        return _KINDS.get(char, "a number" if char in b"-0123456789" else "something that is not JSON")

    def string_end(self, start: int) -> int:
        """The position after the string opening at `start`, nothing decoded."""
        close = self.text.find(b'"', start + 1)
        if close < 0:
            raise _Broken(start, "a string that never ends")
        if self.text.find(b"\\", start + 1, close) < 0:
            return close + 1  # no escape in it: a base64 image is jumped in one search
        match = _STRING.match(self.text, start)
        if match is None:
            raise _Broken(start, "a string that never ends")
        return match.end()

    def skip(self, pos: int) -> int:
        """The position after the value at `pos`, which is stepped over, never built."""
        text = self.text
        if text.startswith(b'"', pos):
            return self.string_end(pos)
        if not text.startswith((b"[", b"{"), pos):
            match = _SCALAR.match(text, pos)
            if match is None:
                raise _Broken(pos)
            return match.end()
        depth = 0
        while True:
            char = text[pos:pos + 1]
            if not char:
                raise _Broken(pos, "it ends too early")
            if char == b'"':
                pos = self.string_end(pos)
            elif char in b"[{]}":
                depth += 1 if char in b"[{" else -1
                pos += 1
                if depth == 0:
                    return pos
            end = _RUN.match(text, pos, pos + WINDOW).end()  # a window at a time: the counts stop a flood early
            self.turns += 1
            self.containers += text.count(b"[", pos, end) + text.count(b"{", pos, end)
            self.strings += text.count(b'"', pos, end) // 2
            if self.turns > MAX_CONTAINERS or self.containers > MAX_CONTAINERS or self.strings > MAX_STRINGS:
                raise _TooLarge(f"holds over {MAX_CONTAINERS:,} lists and objects or {MAX_STRINGS:,} strings outside "
                                "its code (outputs, metadata); clear its outputs in Jupyter (Edit > Clear Outputs "
                                "of All Cells) and save it again")
            pos = end

    def string(self, pos: int, what: str) -> tuple[str, int]:
        """The text of the string at `pos` (only here is a string decoded), and the position after it."""
        if not self.text.startswith(b'"', pos):
            raise _Malformed(f"{what} is {self.kind(pos)} where Jupyter writes text")
        end = self.string_end(pos)
        try:
            return json.loads(self.text[pos:end]), end
        except UnicodeDecodeError:
            raise _Broken(pos, f"{what} is not UTF-8 text") from None
        except json.JSONDecodeError as error:
            raise _Broken(pos + error.pos) from None

    def members(self, pos: int, what: str):
        """(key, value position) of the object at `pos`; the caller gives back the position after each value."""
        if not self.text.startswith(b"{", pos):
            raise _Malformed(f"{what} is {self.kind(pos)} where Jupyter writes an object")
        pos = self.space(pos + 1)
        if self.text.startswith(b"}", pos):
            return pos + 1
        while True:
            key, pos = self.string(pos, "a key")
            pos = self.space(pos)
            if not self.text.startswith(b":", pos):
                raise _Broken(pos)
            pos = yield key, self.space(pos + 1)
            pos = self.space(pos)
            if self.text.startswith(b"}", pos):
                return pos + 1
            if not self.text.startswith(b",", pos):
                raise _Broken(pos)
            pos = self.space(pos + 1)

    def items(self, pos: int, what: str):
        """The position of each value of the list at `pos`; the caller gives back the position after it."""
        if not self.text.startswith(b"[", pos):
            raise _Malformed(f"{what} is {self.kind(pos)} where Jupyter writes a list")
        pos = self.space(pos + 1)
        if self.text.startswith(b"]", pos):
            return pos + 1
        while True:
            pos = self.space((yield pos))
            if self.text.startswith(b"]", pos):
                return pos + 1
            if not self.text.startswith(b",", pos):
                raise _Broken(pos)
            pos = self.space(pos + 1)

    def walk(self, walker, handle) -> int:
        """Drive a `members` or `items` walker: `handle(key_or_none, position)` returns the position after the value."""
        try:
            step = next(walker)
            while True:
                step = walker.send(handle(*step) if isinstance(step, tuple) else handle(None, step))
        except StopIteration as done:
            return done.value

    def spans(self, pos: int, what: str, inner: dict | None = None) -> tuple[dict, int]:
        """The position of each member's value of the object at `pos`, every value stepped over but
        those `inner` names, objects whose own members' positions come back in a dict instead."""
        found: dict = {}
        inner = inner or {}

        def note(key, at):
            if key in inner:
                found[key], after = self.spans(at, f"{what}'s {key}", inner[key])
                return after
            found[key] = at
            return self.skip(at)

        return found, self.walk(self.members(pos, what), note)

    def text_of(self, pos: int, what: str, limit: int) -> str:
        """Text or a list of texts (a cell's source), at most `limit` characters, checked before decoding."""
        end = self.skip(pos)
        if end - pos > 6 * limit + 1000:  # no text is longer than its JSON, nor its JSON 6 times longer
            raise _TooLarge(f"is too large: {what} holds about {end - pos:,} characters, over the {limit:,} a cell may hold; "
                             "split it into smaller cells or hand in a .py file")
        if self.text.startswith(b'"', pos):
            return self.string(pos, what)[0]
        parts: list[str] = []

        def add(_, at):
            part, after = self.string(at, f"a line of {what}")
            parts.append(part)
            return after

        self.walk(self.items(pos, what), add)
        return "".join(parts)

    def optional_text(self, spans: dict[str, int], key: str, what: str) -> str | None:
        return self.string(spans[key], what)[0] if key in spans and not self.text.startswith(b"null", spans[key]) else None


def _cell(skim: _Skim, pos: int, number: int, version: int) -> tuple[Cell | None, int]:
    spans, end = skim.spans(pos, f"cell {number}", {"metadata": {"vscode": {}}})
    kind = skim.optional_text(spans, "cell_type", f"cell {number}'s cell_type")
    if kind != "code":
        return None, end
    what = f"cell {number}'s source"
    source = skim.text_of(spans[key], what, MAX_CELL_CHARS) if (key := "source" if version >= 4 else "input") in spans else ""
    if len(source) > MAX_CELL_CHARS:
        raise _TooLarge(f"is too large: {what} holds {len(source):,} characters, over the {MAX_CELL_CHARS:,} a cell may hold; "
                         "split it into smaller cells or hand in a .py file")
    count_at = spans.get("execution_count" if version >= 4 else "prompt_number")
    count = None
    if count_at is not None:
        match = _SCALAR.match(skim.text, count_at)
        count = int(match.group()) if match and match.group().isdigit() and len(match.group()) < 10 else None
    language = skim.optional_text(spans, "language", f"cell {number}'s language") if version < 4 else None
    meta = spans.get("metadata", {})
    language = (skim.optional_text(meta.get("vscode", {}), "languageId", f"cell {number}'s languageId")
                or skim.optional_text(meta, "language", f"cell {number}'s metadata language") or language)
    if language is not None and language.lower() in ("python", "python3", "ipython"):
        language = None
    return Cell(number, source, count, language[:20] if language else None), end


def code_cells(text: bytes, label: str) -> list[Cell]:
    """The code cells of notebook `text`, its bytes (named `label` in messages), read as the module's notes say."""
    skim = _Skim(text)
    try:
        start = skim.space(len(codecs.BOM_UTF8) if text.startswith(codecs.BOM_UTF8) else 0)
        if not text.startswith(b"{", start):
            raise UnreadableFile(f"{label} is not a Jupyter notebook (no list of cells); save it from Jupyter again")
        spans, end = skim.spans(start, "the notebook", {"metadata": {"kernelspec": {}}})
        if skim.space(end) != len(text):
            raise _Broken(skim.space(end), "more after the notebook's end")
        version = 3 if "worksheets" in spans and "cells" not in spans else 4
        if "nbformat" in spans:
            match = _SCALAR.match(text, spans["nbformat"])
            shown = match.group()[:8].decode() if match else skim.kind(spans["nbformat"])
            version = int(shown) if shown.isdigit() else -1
        if version not in (3, 4):
            raise UnreadableFile(f"{label} is a notebook of format {shown}, "
                                 "which grader cannot read (it reads formats 3 and 4); save it from a current Jupyter")
        lists = ([spans["cells"]] if version == 4 else
                 [w["cells"] for w in _worksheets(skim, spans) if "cells" in w]) if (
            "cells" in spans or "worksheets" in spans) else []
        if not lists or any(not text.startswith(b"[", at) for at in lists):
            raise UnreadableFile(f"{label} is not a Jupyter notebook (no list of cells); save it from Jupyter again")
        kernel = spans.get("metadata", {}).get("kernelspec", {})
        language = skim.optional_text(kernel, "language", "the kernel's language") or "python"
        if language.lower() != "python":
            raise UnreadableFile(f"{label} is a {language[:20]} notebook; hand in a Python notebook")
        cells: list[Cell] = []
        numbers, code = [0], [0]

        def one(_, at):
            numbers[0] += 1
            if numbers[0] > MAX_CELLS:
                raise _TooLarge(f"has over {MAX_CELLS:,} cells; hand in the notebook of the exercise alone")
            cell, after = _cell(skim, at, numbers[0], version)
            if cell is not None:
                code[0] += len(cell.source)
                if code[0] > MAX_CODE_CHARS:
                    raise _TooLarge(f"holds over {MAX_CODE_CHARS:,} characters of code, the limit for a source file")
                cells.append(cell)
            return after

        for at in lists:
            skim.walk(skim.items(at, "the cells"), one)
        return cells
    except _Broken as broken:
        raise UnreadableFile(_broken(text, label, broken.position, broken.what)) from None
    except _Malformed as malformed:
        raise UnreadableFile(f"{label} is malformed: {malformed}; open it in Jupyter and save it again") from None
    except _TooLarge as large:
        raise UnreadableFile(f"{label} {large}") from None


def _broken(text: bytes, label: str, position: int, what: str) -> str:
    line = text.count(b"\n", 0, position) + 1
    column = position - (text.rfind(b"\n", 0, position) + 1) + 1  # in bytes
    return (f"{label} is not a Jupyter notebook: its JSON is broken (line {line}, column {column})"
            f"{': ' + what if what else ''}; open it in Jupyter and save it again")


def _worksheets(skim: _Skim, spans: dict[str, int]) -> list[dict[str, int]]:
    found: list[dict[str, int]] = []

    def one(_, at):
        sheet, after = skim.spans(at, "a worksheet")
        found.append(sheet)
        return after

    skim.walk(skim.items(spans["worksheets"], "the worksheets"), one)
    return found
