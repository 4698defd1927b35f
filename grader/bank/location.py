"""Where a bank's exercises and solutions are: the one lookup every command uses.

A bank is one folder with `exercises/` and `solutions/` side by side:

    bank = locate_bank(Path("my-course"))          # my-course/exercises, my-course/solutions
    bank = locate_bank(exercises=Path("my-course/exercises"))  # the older --exercises spelling
    bank = locate_bank(near=Path("handout/submission"))  # no option: see below

Without an option, the bank is, in this order: the folder `$GRADER_BANK` names; a `bank/`
folder (with `exercises/` in it) in the submission's folder or one or two above it, as a
handout lays it out (`handout/bank` beside `handout/submission`; `near` is the submission,
else the current folder); the bank of the checkout grader runs from. The notebook magic
uses the same lookup from the kernel's folder.

`--bank DIR` may also name the exercises folder itself (its solutions are beside it), so
`grader validate my-course/exercises` keeps working. Every command resolves its folders
here, so `check`, `grade`, `validate`, `selftest`, `quiz`, the pytest plugin and the
bundle/export commands can never disagree about which references a bank has.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader.bank.resources import bundled
from grader.errors import SpecError

BANK_HELP = ("The course bank: a folder with exercises/ and solutions/ side by side (or its exercises/ folder). "
             "Default: $GRADER_BANK, else a bank/ folder beside or above the submission (as a handout lays it out), "
             "else the bank of grader's checkout.")
ENVIRONMENT = "GRADER_BANK"
FOUND_LEVELS = 3  # the folder itself and two above it
EXERCISES_ALIAS_HELP = "The bank's exercises/ folder (its solutions/ beside it); the older spelling of --bank."


@dataclass(frozen=True)
class BankLocation:
    """The folders of one bank; `solutions` need not exist (a quiz-only bank has none)."""

    exercises: Path
    solutions: Path
    bundled: bool = False
    source: str = "--bank"  # how it was found: --bank, --exercises, GRADER_BANK, a found bank/ folder, the checkout

    def reference_dir(self, exercise_id: str) -> Path:
        """`solutions/<id>/`: the exercise's reference module and its mutants.yaml."""
        return self.solutions / exercise_id


def bundled_bank() -> BankLocation:
    return BankLocation(bundled("exercises"), bundled("solutions"), bundled=True, source="the checkout")


def locate_bank(bank: Path | None = None, *, exercises: Path | None = None, near: Path | None = None,
                environ: dict | None = None) -> BankLocation:
    """Turn `--bank DIR` (or its alias `--exercises DIR`) into the bank's folders; without
    either, look where the module docstring says (`near`: the submission, else the current folder).

    Raises SpecError (exit 2) for a folder that holds no bank, and for both options naming
    different folders: a command must never grade against a bank other than the one meant.
    """
    if bank is not None and exercises is not None:
        a, b = _resolve(bank), _resolve(exercises, alias=True)
        if (a.exercises.resolve(), a.solutions.resolve()) != (b.exercises.resolve(), b.solutions.resolve()):
            raise SpecError(exercises, f"--bank {bank} and --exercises {exercises} name different banks",
                            fix="pass only --bank DIR (--exercises is its older spelling)")
        return a
    if bank is not None:
        return _resolve(bank)
    if exercises is not None:
        return _resolve(exercises, alias=True)
    named = (os.environ if environ is None else environ).get(ENVIRONMENT)
    if named:
        return _resolve(Path(named), option=ENVIRONMENT)
    found = found_bank(Path.cwd() if near is None else Path(near))
    return _resolve(found, option=f"the bank/ folder found at {found}") if found else bundled_bank()


def found_bank(near: Path) -> Path | None:
    """The `bank/` folder (one with exercises/) in `near` or up to two folders above it."""
    near = Path(near).absolute()
    for folder in (near, *near.parents)[:FOUND_LEVELS]:
        if (folder / "bank" / "exercises").is_dir():
            return folder / "bank"
    return None


def _resolve(folder: Path, *, alias: bool = False, option: str = "") -> BankLocation:
    folder = Path(folder)
    option = option or ("--exercises" if alias else "--bank")
    if not folder.is_dir():
        raise SpecError(folder, f"{option}: no such folder",
                        fix="name a bank folder holding exercises/ and solutions/ (`grader init-bank DIR` writes one)")
    if not alias and (folder / "exercises").is_dir():
        return BankLocation(folder / "exercises", solutions_beside(folder / "exercises"), source=option)
    if alias or folder.name == "exercises" or _holds_specs(folder):
        return BankLocation(folder, solutions_beside(folder), source=option)
    raise SpecError(folder, f"{option}: this folder holds no exercises/ folder and no <id>/spec.yaml",
                    fix="name the bank's folder (the one with exercises/ and solutions/ in it); "
                        "`grader init-bank DIR` writes a small working bank")


def _holds_specs(folder: Path) -> bool:
    return any(child.is_dir() and (child / "spec.yaml").is_file() for child in folder.iterdir())


def solutions_beside(exercises: Path) -> Path:
    """A bank's solutions folder: always `solutions/` beside its `exercises/` (bundled or not)."""
    return Path(exercises).parent / "solutions"


def exercise_solutions(exercise_folder: Path) -> Path:
    """The solutions folder of the bank that holds `exercises/<id>/` (so a loaded exercise finds its reference)."""
    return solutions_beside(Path(exercise_folder).parent)
