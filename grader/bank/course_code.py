"""A bank's own Python beside its references: `solutions/_course/<name>.py`.

The course's networks, its known mistakes and whatever else more than one check or `verify:`
line of a bank needs belong to the bank, not to the grader (which knows no course). They sit
in `solutions/_course/`, so they travel with the references and never with a handout, and run
only in the grader, as trusted instructor code, never in the student's child:

    variants = course_module(__file__, "attention_variants")   # in a hidden check
    verify_names(exercise.folder)   # the names `verify:` expressions see: each module's __all__
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from grader.bank.location import solutions_beside
from grader.errors import CheckError, SpecError
from grader.i18n import _

FOLDER = "_course"  # not an exercise id (ids are kebab-case), so it never clashes with one
_loaded: dict[Path, ModuleType] = {}
_names: dict[Path | None, dict[str, object]] = {}


def course_folder(anchor: Path | str) -> Path | None:
    """`solutions/_course/` of the bank holding `anchor` (a check file, an exercise folder), if it has one:
    beside the folder of exercises, whatever that folder is called (as the references are found)."""
    anchor = Path(anchor).resolve()
    for parent in [anchor, *anchor.parents]:
        if (parent / "spec.yaml").is_file():  # the exercise's folder; the bank's exercises are its parent's
            folder = solutions_beside(parent.parent) / FOLDER
            return folder if folder.is_dir() else None
    folder = solutions_beside(anchor) / FOLDER  # the anchor is the bank's folder of exercises itself
    return folder if folder.is_dir() else None


def course_module(anchor: Path | str, name: str) -> ModuleType:
    """The bank's module `solutions/_course/<name>.py`, imported once; a CheckError (the author's) where
    the bank holding `anchor` has none, or it does not import."""
    folder = course_folder(anchor)
    path = folder / f"{name}.py" if folder else None
    if path is None or not path.is_file():
        raise CheckError(Path(anchor), _("the bank has no {path}").format(path=f"solutions/{FOLDER}/{name}.py"),
                         fix=_("add it beside the references ({folder}), or import another module").format(
                             folder=f"solutions/{FOLDER}/"))
    return _import(path, CheckError)


def verify_names(anchor: Path | str) -> dict[str, object]:
    """The names of every `solutions/_course/*.py` module's `__all__`, for `verify:` expressions."""
    folder = course_folder(anchor)
    if folder not in _names:
        _names[folder] = {}
        for path in sorted(folder.glob("*.py")) if folder else ():
            module = _import(path, SpecError)
            _names[folder].update({name: getattr(module, name) for name in getattr(module, "__all__", ())})
    return _names[folder]


def _import(path: Path, error: type[CheckError] | type[SpecError]) -> ModuleType:
    path = path.resolve()
    if path not in _loaded:
        name = f"_grader_course.{abs(hash(path.parent))}.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the author's file: say where, stop
            sys.modules.pop(name, None)
            raise error(path, f"cannot import this bank module: {type(exc).__name__}: {exc}",
                        fix="fix the error in it") from None
        _loaded[path] = module
    return _loaded[path]
