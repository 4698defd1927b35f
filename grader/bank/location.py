"""Where a bank's exercises and solutions are: the one lookup every command uses.

A bank is one folder with `exercises/` and `solutions/` side by side:

    bank = locate_bank(Path("my-course"))          # my-course/exercises, my-course/solutions
    bank = locate_bank(exercises=Path("my-course/exercises"))  # the older --exercises spelling
    bank = locate_bank()                           # the bank that ships with grader

`--bank DIR` may also name the exercises folder itself (its solutions are beside it), so
`grader validate my-course/exercises` keeps working. Every command resolves its folders
here, so `check`, `grade`, `validate`, `selftest`, `quiz`, the pytest plugin and the
bundle/export commands can never disagree about which references a bank has.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.bank.resources import bundled
from grader.errors import SpecError
from grader.i18n import _

BANK_HELP = _("The course bank: a folder with exercises/ and solutions/ side by side (or its exercises/ folder). "
             "Default: the bank that ships with grader.")
EXERCISES_ALIAS_HELP = _("The bank's exercises/ folder (its solutions/ beside it); the older spelling of --bank.")


@dataclass(frozen=True)
class BankLocation:
    """The folders of one bank; `solutions` need not exist (a quiz-only bank has none)."""

    exercises: Path
    solutions: Path
    bundled: bool = False

    def reference_dir(self, exercise_id: str) -> Path:
        """`solutions/<id>/`: the exercise's reference module and its mutants.yaml."""
        return self.solutions / exercise_id


def bundled_bank() -> BankLocation:
    return BankLocation(bundled("exercises"), bundled("solutions"), bundled=True)


def locate_bank(bank: Path | None = None, *, exercises: Path | None = None) -> BankLocation:
    """Turn `--bank DIR` (or its alias `--exercises DIR`) into the bank's folders.

    Raises SpecError (exit 2) for a folder that holds no bank, and for both options naming
    different folders: a command must never grade against a bank other than the one meant.
    """
    if bank is not None and exercises is not None:
        a, b = _resolve(bank), _resolve(exercises, alias=True)
        if (a.exercises.resolve(), a.solutions.resolve()) != (b.exercises.resolve(), b.solutions.resolve()):
            raise SpecError(exercises, _("--bank {bank} and --exercises {exercises} name different banks").format(
                bank=bank, exercises=exercises), fix=_("pass only --bank DIR (--exercises is its older spelling)"))
        return a
    if bank is not None:
        return _resolve(bank)
    if exercises is not None:
        return _resolve(exercises, alias=True)
    return bundled_bank()


def _resolve(folder: Path, *, alias: bool = False) -> BankLocation:
    folder = Path(folder)
    option = "--exercises" if alias else "--bank"
    if not folder.is_dir():
        raise SpecError(folder, _("{option}: no such folder").format(option=option),
                        fix=_("name a bank folder holding exercises/ and solutions/ (`grader init-bank DIR` writes one)"))
    if not alias and (folder / "exercises").is_dir():
        return BankLocation(folder / "exercises", solutions_beside(folder / "exercises"))
    if alias or folder.name == "exercises" or _holds_specs(folder):
        return BankLocation(folder, solutions_beside(folder))
    raise SpecError(folder, _("{option}: this folder holds no exercises/ folder and no <id>/spec.yaml").format(option=option),
                    fix=_("name the bank's folder (the one with exercises/ and solutions/ in it); "
                          "`grader init-bank DIR` writes a small working bank"))


def _holds_specs(folder: Path) -> bool:
    return any(child.is_dir() and (child / "spec.yaml").is_file() for child in folder.iterdir())


def solutions_beside(exercises: Path) -> Path:
    """A bank's solutions folder: always `solutions/` beside its `exercises/` (bundled or not)."""
    return Path(exercises).parent / "solutions"


def exercise_solutions(exercise_folder: Path) -> Path:
    """The solutions folder of the bank that holds `exercises/<id>/` (so a loaded exercise finds its reference)."""
    return solutions_beside(Path(exercise_folder).parent)
