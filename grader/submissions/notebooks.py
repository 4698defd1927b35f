"""The modules a submission's notebooks provide: `lenet.ipynb` for lenet.py, or marked cells.

A notebook provides its own file from its code cells, its name matched as the course and
Jupyter write it: case aside (`LeNet.ipynb`), a section number before it (`5.5_lenet.ipynb`),
a copy's mark after it (`lenet-Copy1.ipynb`, `lenet-副本.ipynb`, `lenet (1).ipynb`). Where
several provide one file, the one whose name is closest to the file's is read, and the note
says which and why. Any notebook also provides `x.py` from the cells whose first line is
`# file: x.py`. Notebooks are read as the regular files of the submission folder
(`submission_files`: no link followed, capped) and skimmed (`notebook_json`): outputs,
attachments and metadata are stepped over unread, code bounded before it is parsed. For each
exercise, only the statements its names need are taken (`notebook_extract`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from pathlib import Path

from grader.i18n import _, listed
from grader.submissions.files import (MAX_FILE_BYTES, MAX_NOTEBOOK_BYTES, UnreadableFile, entries, megabytes,
                                     python_files, read_bytes, shown)
from grader.submissions.notebook_cells import Analysis, Cell, analyse, target_of
from grader.submissions.notebook_extract import Extracted, extract
from grader.submissions.notebook_json import code_cells

SUFFIX = ".ipynb"
_SECTION = re.compile(r"^\d+(?:[._]\d+)*[._\- ]+")  # `5.5_lenet`
_COPY = re.compile(r"(?:\s*-\s*(?:copy|副本)\s*\d*|\s*\(\d+\)|\s+(?:copy|副本)\s*\d*)+$")  # `-Copy1`, ` - 副本`, ` (1)`
_CACHE: dict[tuple, list[Cell] | UnreadableFile] = {}
_ANALYSES: dict[tuple, Analysis] = {}


def _remember(cache: dict, key, value) -> None:
    if len(cache) >= 16:  # a batch reads a submission's notebooks for each exercise, then moves on
        cache.pop(next(iter(cache)))
    cache[key] = value


def _key(folder: Path, name: str) -> tuple | None:
    try:
        info = os.stat(Path(folder) / name, follow_symlinks=False)
    except OSError:
        return None
    return str(Path(folder).resolve()), name, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def read_cells(folder: Path, name: str) -> list[Cell]:
    """The code cells of notebook `name` in `folder`; UnreadableFile says why it cannot be read.
    Both are remembered for the file as it is now: a 100 MB notebook refused is read once, not once an exercise."""
    key = _key(folder, name)
    found = _CACHE.get(key) if key is not None else None
    if found is None:
        try:
            found = code_cells(read_bytes(folder, name, limit=MAX_NOTEBOOK_BYTES, what="a notebook"), shown(name))
        except UnreadableFile as refused:
            found = refused
        if key is not None:
            _remember(_CACHE, key, found)
    if isinstance(found, UnreadableFile):
        raise UnreadableFile(str(found))
    return found


def notebooks(folder: Path) -> list[str]:
    """The names of the notebooks directly in `folder`."""
    names = []
    for raw, _ in entries(folder):
        if raw.lower().endswith(SUFFIX.encode()):
            try:
                names.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                continue
    return names


def plain_stem(stem: str) -> str:
    """A file's stem as the contract names it: `LeNet`, `5.5_lenet`, `lenet-Copy1`, `lenet - 副本` -> lenet."""
    return _COPY.sub("", _SECTION.sub("", stem.casefold()))


def own_file(notebook: str) -> str | None:
    """The file a notebook provides by its name: `LeNet.ipynb`, `5.5_lenet.ipynb`, `lenet-Copy1.ipynb` -> lenet.py."""
    stem = plain_stem(notebook[:-len(SUFFIX)])
    return stem + ".py" if stem.isidentifier() else None


def _closeness(notebook: str, file: str) -> tuple[int, str]:
    """How close a notebook's name is to `file`'s: its own name, then case aside, then a section number, then a copy."""
    stem, wanted = notebook[:-len(SUFFIX)], file.removesuffix(".py")
    rank = 0 if stem == wanted else 1 if stem.casefold() == wanted else 2 if _COPY.search(stem.casefold()) is None else 3
    return rank, notebook


def _why_chosen(chosen: str, others: list[str], file: str) -> str:
    if not others:
        return ""
    names, stem = ", ".join(shown(n) for n in others), file.removesuffix(".py")
    if len(others) == 1:
        return f"{names} could provide {file} too and was not read: {shown(chosen)}'s name is the closest to {stem}.ipynb"
    return f"{names} could provide {file} too and were not read: {shown(chosen)}'s name is the closest to {stem}.ipynb"


def module_from_notebooks(folder: Path, file: str, names: Collection[str] | None = None) -> Extracted | None:
    """`file` as the folder's notebooks provide it, or None when none does: the statements that
    `names` need (every name it binds when None).

    The notebook named for it (the closest name, when several are) is read first; one that
    cannot be read raises UnreadableFile naming it. Other notebooks add their `# file: lenet.py`
    cells; one of them that cannot be read is skipped here (its own file reports it).
    """
    found = notebooks(folder)
    own = sorted((n for n in found if own_file(n) == file), key=lambda n: _closeness(n, file))
    chosen: list[tuple[str, list[Cell]]] = []
    if own:
        cells = read_cells(folder, own[0])
        mine = [c for c in cells if target_of(c.source, file) == file]
        if mine:
            chosen.append((own[0], mine))
    for name in found:
        if name in own:
            continue
        try:
            cells = read_cells(folder, name)
        except UnreadableFile:
            continue
        mine = [c for c in cells if target_of(c.source, own_file(name)) == file]
        if mine:
            chosen.append((name, mine))
    if not chosen:
        return None
    if len(chosen) > 1:
        raise UnreadableFile(_("{file} comes from more than one notebook ({notebooks}); keep its cells in one").format(
            file=file, notebooks=listed(shown(entry[0]) for entry in chosen)))
    name, cells = chosen[0]
    local = frozenset(n.removesuffix(".py") for n in python_files(folder) + sorted(provided_files(folder)))
    key = (_key(folder, name), file, local)
    analysis = _ANALYSES.get(key) if key[0] is not None else None
    if analysis is None:
        analysis = analyse(cells, local)
        if key[0] is not None:
            _remember(_ANALYSES, key, analysis)
    module = extract(shown(name), analysis, names)
    module.chosen_from = _why_chosen(name, own[1:] if name in own else [], file)
    if len(module.source.encode()) > MAX_FILE_BYTES:
        raise UnreadableFile(_("the code of {file} in {notebook} is over {size}, the limit for a source file").format(
            file=file, notebook=shown(name), size=megabytes(MAX_FILE_BYTES)))
    return module


def provided_files(folder: Path) -> set[str]:
    """Every `.py` file the folder's readable notebooks provide."""
    files = set()
    for name in notebooks(folder):
        own = own_file(name)
        try:
            cells = read_cells(folder, name)
        except UnreadableFile:
            files.add(own)  # so its file is graded and says why it failed
            continue
        files.update(target_of(c.source, own) for c in cells)
    return files - {None}


def notebook_problems(folder: Path, graded: Collection[str] = ()) -> list[str]:
    """Why each notebook in `folder` that cannot be read was not graded, for the report; a notebook
    named for one of the `graded` files is left to that file's exercises, which say it themselves."""
    problems = []
    for name in notebooks(folder):
        if own_file(name) in graded:
            continue
        try:
            read_cells(folder, name)
        except UnreadableFile as refused:
            problems.append(_("{reason}; nothing in it was graded").format(reason=refused))
    return problems
