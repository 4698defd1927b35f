"""A notebook's code cells, read for what grading needs and bounded before anything is built.

The notebook's bytes are skimmed (`json_skim`), never loaded: only the kernel's language,
each cell's type, and a code cell's source, execution count and language are decoded;
outputs, attachments, widget state and other metadata are stepped over unbuilt, and the
file is never decoded whole (a 100 MB file is never 400 MB of text). Before any of it is
parsed, a cell's code is capped at MAX_CELL_CHARS, all of it at MAX_CODE_CHARS, the cells at
MAX_CELLS; a cell of the wrong shape (metadata that is a list, numbers in its source) is
named. Each refusal names the notebook and says how to fix it. The formats read are
nbformat 4 and the older 3 (`worksheets`, `input`).
"""

from __future__ import annotations

import codecs

from grader.i18n import N_, _
from grader.submissions.files import UnreadableFile
from grader.submissions.json_skim import MAX_CONTAINERS, MAX_STRINGS, Broken, Malformed, Skim, TooLarge
from grader.submissions.notebook_cells import Cell

NO_CELLS = N_("{name} is not a Jupyter notebook (no list of cells); save it from Jupyter again")
MAX_CELLS = 10_000  # a whole chapter of the course is about 100
MAX_CELL_CHARS = 100_000  # the code of one cell; the course's longest are about 5,000
MAX_CODE_CHARS = 1_000_000  # the code of all cells together: a source file's limit


def _cell(skim: Skim, pos: int, number: int, version: int) -> tuple[Cell | None, int]:
    spans, end = skim.spans(pos, f"cell {number}", {"metadata": {"vscode": {}}})
    kind = skim.optional_text(spans, "cell_type", f"cell {number}'s cell_type")
    if kind != "code":
        return None, end
    what = f"cell {number}'s source"
    source = skim.text_of(spans[key], what, MAX_CELL_CHARS) if (key := "source" if version >= 4 else "input") in spans else ""
    if len(source) > MAX_CELL_CHARS:
        raise TooLarge("characters", what, len(source), MAX_CELL_CHARS)
    count_at = spans.get("execution_count" if version >= 4 else "prompt_number")
    count = None
    if count_at is not None:
        text = skim.scalar(count_at) or ""
        count = int(text) if text.isdigit() and len(text) < 10 else None
    language = skim.optional_text(spans, "language", f"cell {number}'s language") if version < 4 else None
    meta = spans.get("metadata", {})
    language = (skim.optional_text(meta.get("vscode", {}), "languageId", f"cell {number}'s languageId")
                or skim.optional_text(meta, "language", f"cell {number}'s metadata language") or language)
    if language is not None and language.lower() in ("python", "python3", "ipython"):
        language = None
    return Cell(number, source, count, language[:20] if language else None), end


def code_cells(text: bytes, label: str) -> list[Cell]:
    """The code cells of notebook `text`, its bytes (named `label` in messages), read as the module's notes say."""
    skim = Skim(text)
    try:
        start = skim.space(len(codecs.BOM_UTF8) if text.startswith(codecs.BOM_UTF8) else 0)
        if not text.startswith(b"{", start):
            raise UnreadableFile(_(NO_CELLS).format(name=label))
        spans, end = skim.spans(start, "the notebook", {"metadata": {"kernelspec": {}}})
        if skim.space(end) != len(text):
            raise Broken(skim.space(end), "more after the notebook's end")
        version = 3 if "worksheets" in spans and "cells" not in spans else 4
        if "nbformat" in spans:
            shown = skim.scalar(spans["nbformat"]) or skim.kind(spans["nbformat"])
            version = int(shown) if shown.isdigit() else -1
        if version not in (3, 4):
            raise UnreadableFile(_("{name} is a notebook of format {format}, which grader cannot read (it reads formats 3 "
                                   "and 4); save it from a current Jupyter").format(name=label, format=shown))
        lists = ([spans["cells"]] if version == 4 else
                 [w["cells"] for w in _worksheets(skim, spans) if "cells" in w]) if (
            "cells" in spans or "worksheets" in spans) else []
        if not lists or any(not text.startswith(b"[", at) for at in lists):
            raise UnreadableFile(_(NO_CELLS).format(name=label))
        kernel = spans.get("metadata", {}).get("kernelspec", {})
        language = skim.optional_text(kernel, "language", "the kernel's language") or "python"
        if language.lower() != "python":
            raise UnreadableFile(_("{name} is a {language} notebook; hand in a Python notebook").format(
                name=label, language=language[:20]))
        cells: list[Cell] = []
        numbers, code = [0], [0]

        def one(_index, at):
            numbers[0] += 1
            if numbers[0] > MAX_CELLS:
                raise UnreadableFile(_("{name} has over {cap:,} cells; hand in the notebook of the exercise alone").format(
                    name=label, cap=MAX_CELLS))
            cell, after = _cell(skim, at, numbers[0], version)
            if cell is not None:
                code[0] += len(cell.source)
                if code[0] > MAX_CODE_CHARS:
                    raise UnreadableFile(_("{name} holds over {cap:,} characters of code, the limit for a source "
                                           "file").format(name=label, cap=MAX_CODE_CHARS))
                cells.append(cell)
            return after

        for at in lists:
            skim.walk(skim.items(at, "the cells"), one)
        return cells
    except Broken as broken:
        raise UnreadableFile(_broken(text, label, broken.position, broken.what)) from None
    except Malformed as malformed:
        raise UnreadableFile(_("{name} is malformed: {what} is {found} where Jupyter writes {wanted}; open it in Jupyter "
                               "and save it again").format(name=label, what=malformed.what, found=malformed.found,
                                                           wanted=malformed.wanted)) from None
    except TooLarge as large:
        if large.cap == "values":
            raise UnreadableFile(_("{name} holds over {containers:,} lists and objects or {strings:,} strings outside its "
                                   "code (outputs, metadata); clear its outputs in Jupyter (Edit > Clear Outputs of All "
                                   "Cells) and save it again").format(name=label, containers=MAX_CONTAINERS,
                                                                     strings=MAX_STRINGS)) from None
        raise UnreadableFile(_("{name} is too large: {what} holds about {size:,} characters, over the {limit:,} a cell may "
                               "hold; split it into smaller cells or hand in a .py file").format(
            name=label, what=large.what, size=large.size, limit=large.limit)) from None


def _broken(text: bytes, label: str, position: int, what: str) -> str:
    line = text.count(b"\n", 0, position) + 1
    column = position - (text.rfind(b"\n", 0, position) + 1) + 1  # in bytes
    said = {"name": label, "line": line, "column": column, "what": what}
    return (_("{name} is not a Jupyter notebook: its JSON is broken (line {line}, column {column}): {what}; open it in "
              "Jupyter and save it again") if what else
            _("{name} is not a Jupyter notebook: its JSON is broken (line {line}, column {column}); open it in Jupyter "
              "and save it again")).format(**said)


def _worksheets(skim: Skim, spans: dict[str, int]) -> list[dict[str, int]]:
    found: list[dict[str, int]] = []

    def one(_, at):
        sheet, after = skim.spans(at, "a worksheet")
        found.append(sheet)
        return after

    skim.walk(skim.items(spans["worksheets"], "the worksheets"), one)
    return found
