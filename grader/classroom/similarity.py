"""`grader similarity`: pairs of submissions ranked by the code they share, file by file.

    found = find_similar(Path("submissions"), files={"lenet.py"}, base=Path("handout"))

Each submission's files (a `.py` file or the notebook that stands for it) are read as
text, never run, and fingerprinted (grader.classroom.fingerprints). An index from each
fingerprint to the submissions that hold it gives the pairs that share anything, so a
class of 1,000 is not compared pair by pair. Fingerprints of the base code (the handout's
starter files) never count, nor do those that more than `common` submissions hold (code
everyone was given or copied from the course, as MOSS's -m does). A pair's similarity is
2 * shared / (counted fingerprints of one + of the other), the Dice coefficient Dolos uses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from grader.classroom.batch import find_submissions
from grader.classroom.fingerprints import Document, fingerprint
from grader.errors import GraderError
from grader.i18n import _
from grader.submissions.files import UnreadableFile, entries, read_text, shown
from grader.submissions.notebooks import plain_stem, read_cells

COMMON = 10  # a fingerprint more submissions than this share is common knowledge, not a copy
MIN_SHARED = 3  # fewer shared fingerprints are a chance run or two (e.g. at the seams of the base code)


@dataclass(frozen=True)
class Pair:
    """Two submissions' copies of one file: how alike, and where (line ranges in each)."""

    file: str
    a: str
    b: str
    similarity: float
    shared: int
    a_lines: list[tuple[int, int]]
    b_lines: list[tuple[int, int]]


@dataclass
class Findings:
    pairs: dict[str, list[Pair]]  # file -> pairs, most similar first
    documents: dict[tuple[str, str], Document]  # (student, file) -> its document
    skipped: list[str] = field(default_factory=list)  # what could not be read, and why
    submissions: int = 0


def file_key(name: str) -> str | None:
    """The contract file a submitted file stands for (`LeNet.ipynb` -> lenet.py), or None."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or suffix.lower() not in ("py", "ipynb"):
        return None
    return plain_stem(stem) + ".py"  # Jupyter's copies ("lenet-Copy1.ipynb", "lenet-副本.ipynb") stand for its file


def _notebook_document(owner: str, file: str, folder: Path, name: str) -> Document:
    cells = read_cells(folder, name)
    text_lines: list[str] = []
    parts = []
    for cell in cells:
        text_lines.append(f"# {cell.label}")
        parts.append((len(text_lines) + 1, cell.source))
        text_lines += cell.source.splitlines() or [""]
    return fingerprint(owner, file, "\n".join(text_lines), parts)


def read_documents(owner: str, folder: Path, files: set[str] | None, skipped: list[str]) -> list[Document]:
    """The documents of one folder: a `.py` file before a notebook standing for the same file."""
    chosen: dict[str, str] = {}
    for raw, _ in entries(folder):
        name = shown(raw)
        key = file_key(name)
        if key is None or (files is not None and key not in files):
            continue
        if key not in chosen or (name.endswith(".py") and not chosen[key].endswith(".py")):
            chosen[key] = name
    documents = []
    for key, name in sorted(chosen.items()):
        try:
            if name.endswith(".py"):
                documents.append(fingerprint(owner, key, read_text(folder, name)))
            else:
                documents.append(_notebook_document(owner, key, folder, name))
        except (UnreadableFile, OSError, ValueError) as refused:
            skipped.append(f"{owner}: {refused}")
    return documents


def base_prints(base: Path | None, files: set[str] | None) -> dict[str, set[int]]:
    """The fingerprints of the base code, per file: a handout's submission/ and notebooks/, or a folder's own files."""
    if base is None:
        return {}
    base = Path(base)
    if not base.is_dir():
        raise GraderError(_("{base}: the base code must be a folder (a handout, or a folder of starter files)").format(base=base))
    folders = [f for f in (base / "submission", base / "notebooks") if f.is_dir()] or [base]
    prints: dict[str, set[int]] = {}
    for folder in folders:
        for document in read_documents("base", folder, files, []):
            prints.setdefault(document.file, set()).update(document.prints)
    return prints


def _ranges(lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(lines):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def rank(documents: list[Document], base: set[int], common: int) -> list[Pair]:
    """Every pair of `documents` (one file's) that shares a counted fingerprint, most similar first."""
    holders: dict[int, list[int]] = {}
    for index, document in enumerate(documents):
        for value in document.prints:
            if value not in base:
                holders.setdefault(value, []).append(index)
    counted = {value: owners for value, owners in holders.items() if len(owners) <= common}
    sizes = Counter(index for owners in counted.values() for index in owners)
    shared: dict[tuple[int, int], list[int]] = {}
    for value, owners in counted.items():
        for pair in combinations(owners, 2):
            shared.setdefault(pair, []).append(value)
    pairs = []
    for (i, j), values in shared.items():
        if len(values) < MIN_SHARED:
            continue
        a, b = documents[i], documents[j]
        pairs.append(Pair(a.file, a.owner, b.owner, round(2 * len(values) / (sizes[i] + sizes[j]), 4), len(values),
                          _ranges([span for v in values for span in a.prints[v]]),
                          _ranges([span for v in values for span in b.prints[v]])))
    return sorted(pairs, key=lambda p: (-p.similarity, -p.shared, p.a, p.b))


def find_similar(root: Path, *, files: set[str] | None = None, base: Path | None = None,
                 common: int = COMMON) -> Findings:
    """The class folder `root`'s submissions, their files fingerprinted and ranked in pairs per file."""
    skipped: list[str] = []
    by_file: dict[str, list[Document]] = {}
    folders = find_submissions(root, hashed=False)  # the files are read once, below, as the pairs need them
    for folder in folders:
        if folder.problem or folder.duplicate_of:
            why = folder.problem or _("its id is also claimed by {others}").format(others=folder.duplicate_of)
            skipped.append(f"{folder.student_id}: {why}")
            continue
        for document in read_documents(folder.student_id, folder.path, files, skipped):
            by_file.setdefault(document.file, []).append(document)
            if document.note:
                skipped.append(_("{owner}: {file} read in part ({note})").format(owner=document.owner, file=document.file,
                                                                                 note=document.note))
    excluded = base_prints(base, files)
    pairs = {file: rank(documents, excluded.get(file, set()), common) for file, documents in sorted(by_file.items())}
    documents = {(d.owner, d.file): d for docs in by_file.values() for d in docs}
    return Findings(pairs, documents, skipped, len(folders))
