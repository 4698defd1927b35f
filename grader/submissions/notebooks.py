"""The modules a submission's notebooks provide: `lenet.ipynb` for lenet.py, or marked cells.

A notebook `lenet.ipynb` provides lenet.py from its code cells; any notebook provides
`x.py` from the cells whose first line is `# file: x.py` (the course's `#@save` cells count
for the notebook's own file, like its other cells). Notebooks are read as the regular files
of the submission folder (`submission_files`: no link followed, capped) and parsed with
nbformat; outputs and attachments are dropped before nbformat sees them, so a notebook full
of images reads as fast as its code.
"""

from __future__ import annotations

import json
import os

from pathlib import Path

from grader.i18n import _
from grader.submissions.notebook_cells import Cell, Extracted, cell_language, extract, target_of
from grader.submissions.files import (MAX_FILE_BYTES, MAX_NOTEBOOK_BYTES, UnreadableFile, decode, entries, megabytes,
                                     python_files, read_bytes, shown)

SUFFIX = ".ipynb"
_CACHE: dict[tuple, tuple[list[Cell], dict[int, str]]] = {}


def _strip(data: object, name: str) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("cells", []), list):
        raise UnreadableFile(_("{name} is not a Jupyter notebook (no list of cells); save it from Jupyter again").format(name=name))
    for cell in data.get("cells", []):
        if isinstance(cell, dict):
            cell.pop("attachments", None)
            if "outputs" in cell:
                cell["outputs"] = []
    for worksheet in data.get("worksheets", []) if isinstance(data.get("worksheets"), list) else []:
        for cell in worksheet.get("cells", []) if isinstance(worksheet, dict) else []:
            if isinstance(cell, dict) and "outputs" in cell:
                cell["outputs"] = []  # an nbformat 3 notebook
    return data


def read_cells(folder: Path, name: str) -> tuple[list[Cell], dict[int, str]]:
    """The code cells of notebook `name` in `folder`, and the cells in another language."""
    try:
        info = os.stat(Path(folder) / name, follow_symlinks=False)
        key = (str(Path(folder).resolve()), name, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    except OSError:
        key = None
    if key in _CACHE:
        return _CACHE[key]
    import nbformat  # only when a submission holds a notebook

    text = decode(read_bytes(folder, name, limit=MAX_NOTEBOOK_BYTES, what=_("a notebook")), name)
    label = shown(name)
    try:
        data = _strip(json.loads(text), label)
    except (ValueError, RecursionError) as error:
        if isinstance(error, json.JSONDecodeError):
            message = _("{name} is not a Jupyter notebook: its JSON is broken (line {line}, column {column}); open it in "
                        "Jupyter and save it again").format(name=label, line=error.lineno, column=error.colno)
        else:
            message = _("{name} is not a Jupyter notebook: its JSON is broken; open it in Jupyter and save it again").format(
                name=label)
        raise UnreadableFile(message) from None
    try:
        notebook = nbformat.convert(nbformat.from_dict(data), 4)
        kernel = str(((notebook.get("metadata") or {}).get("kernelspec") or {}).get("language") or "python")
        raw_cells = list(notebook.cells)
    except Exception as error:  # nbformat's own errors for a notebook of no known version
        raise UnreadableFile(_("{name} is not a Jupyter notebook nbformat can read ({reason}); save it from Jupyter "
                               "again").format(name=label, reason=type(error).__name__)) from None
    if kernel.lower() != "python":
        raise UnreadableFile(_("{name} is a {language} notebook; hand in a Python notebook").format(name=label, language=kernel[:20]))
    cells, languages = [], {}
    for number, cell in enumerate(raw_cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        count = cell.get("execution_count")
        cells.append(Cell(number, source, count if type(count) is int else None))
        language = cell_language(cell.get("metadata") or {})
        if language:
            languages[number] = language[:20]
    if key is not None:
        if len(_CACHE) >= 16:  # a batch reads a submission's notebooks for each exercise, then moves on
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (cells, languages)
    return cells, languages


def notebooks(folder: Path) -> list[str]:
    """The names of the notebooks directly in `folder`."""
    names = []
    for raw, _ in entries(folder):
        if raw.endswith(SUFFIX.encode()):
            try:
                names.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                continue
    return names


def _own_file(notebook: str) -> str:
    return notebook.removesuffix(SUFFIX) + ".py"


def module_from_notebooks(folder: Path, file: str) -> Extracted | None:
    """`file` as the folder's notebooks provide it, or None when none does.

    Its own notebook (`lenet.ipynb` for lenet.py) is read first; one that cannot be read
    raises UnreadableFile naming it. Other notebooks add their `# file: lenet.py` cells; one
    of them that cannot be read is skipped here (its own file reports it).
    """
    found = notebooks(folder)
    own = file.removesuffix(".py") + SUFFIX
    ordered = ([own] if own in found else []) + [n for n in found if n != own]
    chosen: list[tuple[str, list[Cell], dict[int, str]]] = []
    for name in ordered:
        try:
            cells, languages = read_cells(folder, name)
        except UnreadableFile:
            if name == own:
                raise
            continue
        mine = [c for c in cells if target_of(c.source, _own_file(name)) == file]
        if mine:
            chosen.append((name, mine, languages))
    if not chosen:
        return None
    if len(chosen) > 1:
        raise UnreadableFile(_("{file} comes from more than one notebook ({notebooks}); keep its cells in one").format(
            file=file, notebooks=", ".join(shown(entry[0]) for entry in chosen)))
    name, cells, languages = chosen[0]
    local = frozenset(n.removesuffix(".py") for n in python_files(folder) + sorted(provided_files(folder)))
    module = extract(shown(name), cells, languages, local)
    if len(module.source.encode()) > MAX_FILE_BYTES:
        raise UnreadableFile(_("the code of {file} in {notebook} is over {size}, the limit for a source file").format(
            file=file, notebook=shown(name), size=megabytes(MAX_FILE_BYTES)))
    return module


def provided_files(folder: Path) -> set[str]:
    """Every `.py` file the folder's readable notebooks provide."""
    files = set()
    for name in notebooks(folder):
        try:
            cells, _ = read_cells(folder, name)
        except UnreadableFile:
            files.add(_own_file(name))  # so its file is graded and says why it failed
            continue
        files.update(target_of(c.source, _own_file(name)) for c in cells)
    return files


def notebook_problems(folder: Path) -> list[str]:
    """Why each notebook in `folder` that cannot be read was not graded (for the report)."""
    problems = []
    for name in notebooks(folder):
        try:
            read_cells(folder, name)
        except UnreadableFile as refused:
            problems.append(_("{reason}; nothing in it was graded").format(reason=refused))
    return problems
