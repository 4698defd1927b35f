"""Errors of instructors and operators: these stop a command with exit code 2.

Student faults are never raised; they are recorded as results (see results.py).
"""

from __future__ import annotations

from pathlib import Path

from grader.i18n import _


class GraderError(Exception):
    """A mistake the user can fix; the message says where and how."""

    exit_code = 2


class SpecError(GraderError):
    """An exercise spec (or another instructor file) that cannot be used."""

    def __init__(self, path: Path | str, message: str, *, line: int | None = None, field: str | None = None, fix: str = ""):
        self.path = Path(path)
        self.line = line
        self.field = field
        self.fix = fix
        self.detail = message
        where = str(self.path) + (f":{line}" if line else "")
        text = f"{where}: " + (f"{field}: " if field else "") + message
        if fix:
            text = _("{message} (fix: {fix})").format(message=text, fix=fix)
        super().__init__(text)


class SpecErrors(GraderError):
    """Several spec errors found in one pass, reported together."""

    def __init__(self, errors: list[SpecError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class CheckError(SpecError):
    """A check file that broke on its own (at import, or by ending the grader from a check):
    the author's error, never the student's, so it stops the command rather than a grade."""
