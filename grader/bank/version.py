"""A bank's version: a hash of everything grading reads of it, and the bank as it travels.

The version is what makes `grader grade` regrade a class, and what a cluster worker checks
before it grades: specs and checks, references and mutants. Only the instructors' regular
files count (no hidden names, no caches, no links), except a reference module shared by link.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from grader.bank.course_code import FOLDER
from grader.bank.loading import load_bank
from grader.bank.location import solutions_beside
from grader.bank.spec import CodeExercise, QuizExercise

_IGNORED = {"__pycache__"}


def instructor_files(folder: Path) -> list[Path]:
    """The regular files under a bank `folder` (no hidden names, no caches, no links): instructors' files."""
    found = []
    for path in sorted(Path(folder).iterdir()):
        if path.name.startswith(".") or path.name in _IGNORED or path.is_symlink():
            continue
        if path.is_dir():
            found += instructor_files(path)
        elif path.is_file():
            found.append(path)
    return found


def _tree_hash(*folders: Path) -> str:
    """A SHA-256 over the relative names and bytes of every file under the bank's `folders`."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in instructor_files(folder):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            digest.update(b"\0")
    return digest.hexdigest()


def bank_hash(bank: Path, exercises: Sequence[QuizExercise | CodeExercise], solutions: Path | None = None) -> str:
    """The bank's version, what makes `grade` regrade: its specs and checks (every file under
    `bank`), and per code exercise its solutions folder (mutants.yaml and the rest) and its
    reference module read through a link, since references shared by exercises are links.
    `solutions` defaults to the bank's own, beside it (grader.bank.location)."""
    solutions = Path(solutions) if solutions else solutions_beside(bank)
    code = [e for e in exercises if isinstance(e, CodeExercise)]
    folders = [solutions / e.id for e in code] + [solutions / FOLDER]  # FOLDER: the bank's own modules
    digest = hashlib.sha256(_tree_hash(bank, *[f for f in folders if f.is_dir()]).encode())
    for exercise in code:
        for name, reference in _references(solutions, exercise):
            digest.update(f"\0{name}\0".encode())
            digest.update(reference.read_bytes() if reference.is_file() else b"(missing)")
    return digest.hexdigest()


def _references(solutions: Path, exercise: CodeExercise) -> list[tuple[str, Path]]:
    """The exercise's reference modules, its own and each edition's, by their names in the bank."""
    found = [(f"{exercise.id}/{exercise.file}", solutions / exercise.id / exercise.file)]
    for edition in exercise.editions:
        path = solutions / exercise.id / edition / exercise.file
        if path.is_file():
            found.append((f"{exercise.id}/{edition}/{exercise.file}", path))
    return found


def bank_files(bank: Path) -> list[tuple[str, bytes, bool]]:
    """The bank as it travels: (relative name, bytes, whether it was a link) for exactly what its
    version hash covers (`bank_hash`): every file under its exercises folder as
    `exercises/...`, and per code exercise its `solutions/<id>/` files, the reference module
    read through a link when it is one (shared references are links)."""
    bank = Path(bank)
    found = [(f"exercises/{path.relative_to(bank)}", path.read_bytes(), False) for path in instructor_files(bank)]
    solutions = solutions_beside(bank)
    for exercise in load_bank(bank):
        folder = solutions / exercise.id
        if not isinstance(exercise, CodeExercise) or not folder.is_dir():
            continue
        found += [(f"solutions/{path.relative_to(solutions)}", path.read_bytes(), False) for path in instructor_files(folder)]
        found += [(f"solutions/{name}", reference.read_bytes(), True) for name, reference in _references(solutions, exercise)
                  if reference.is_symlink() and reference.is_file()]
    if (solutions / FOLDER).is_dir():
        found += [(f"solutions/{path.relative_to(solutions)}", path.read_bytes(), False)
                  for path in instructor_files(solutions / FOLDER)]
    return found
