"""Loading a bank: `<id>/spec.yaml` files -> validated exercise models.

A spec is checked in two passes: its fields against the models (`spec.py`, with pydantic's
errors told in the author's words by `field_errors.py`), then every name its expressions and
templates use (`names.py`). Every broken spec of a bank is reported together.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from grader.bank.yamlfile import YamlDocument, read_yaml
from grader.errors import SpecError, SpecErrors
from grader.i18n import _, listed
from grader.i18n import language as current_language

# The models (pydantic), field_errors and names (sympy) are imported where a spec is parsed:
# importing this module for `spec_kind`, the first thing `grader check -e` runs, costs only yaml.
if TYPE_CHECKING:
    from grader.bank.spec import CodeExercise, QuizExercise, Text


def parse_exercise(document: YamlDocument, folder: Path, *, names: bool = True, languages: Sequence[str] = (),
                   language: str | None = None) -> QuizExercise | CodeExercise:
    """Validate a loaded spec document into a model; raise SpecErrors listing every problem.

    Without `names`, only the fields are checked, not the names its expressions and
    templates use (the costly part, parsing each with sympy). `languages`: those the bank
    declares, each of which every text must give. The model comes back with its texts in
    `language` (the one grader speaks now by default; see grader.bank.texts).
    """
    from pydantic import ValidationError

    from grader.bank.field_errors import field_errors
    from grader.bank.spec import _ExerciseFile
    from grader.bank.texts import exercise_texts, in_language

    data = document.data
    if not isinstance(data, dict):
        raise SpecError(document.path, _("a spec must be a mapping of fields (id:, title:, kind:, ...)"))
    try:
        exercise = _ExerciseFile.model_validate({"exercise": {**data, "folder": folder}}).exercise
    except ValidationError as error:
        raise SpecErrors(field_errors(document, error)) from None
    if exercise.id != folder.name:
        raise SpecError(
            document.path, _("id {id!r} differs from the folder name {folder!r}").format(id=exercise.id, folder=folder.name),
            line=document.line_of(("id",)), field="id", fix=_("rename the folder or set id: {folder}").format(folder=folder.name),
        )
    errors = language_errors(document, exercise_texts(exercise), languages) if languages else []
    if names:
        from grader.bank.names import check_names

        errors += check_names(exercise, document)
    if errors:
        raise SpecErrors(errors)
    return in_language(exercise, language or current_language())


def language_errors(document: YamlDocument, texts: Iterable[tuple[tuple, Text]], languages: Sequence[str]) -> list[SpecError]:
    """A SpecError, with its line and the fix, for each of `texts` (place in `document`, text) that
    lacks one of the bank's declared `languages` or holds another (grader.bank.texts)."""
    from grader.bank.texts import language_problems

    return [SpecError(document.path, problem, line=document.line_of(at), field=".".join(map(str, at)),
                      fix=_("write it as {example}").format(example="{" + ", ".join(f"{tag}: ..." for tag in languages) + "}"))
            for at, problem in language_problems(texts, languages)]


def load_exercise(folder: Path, *, names: bool = True, languages: Sequence[str] | None = None,
                  language: str | None = None) -> QuizExercise | CodeExercise:
    """Load `folder/spec.yaml` (see `parse_exercise`); `languages` default to its bank's declared ones."""
    folder = Path(folder)
    path = folder / "spec.yaml"
    if not path.is_file():
        raise SpecError(path, _("no spec.yaml in this exercise folder"), fix=_("add one, or remove the folder"))
    if languages is None:
        from grader.bank.settings import bank_settings

        languages = bank_settings(folder.parent).languages
    return parse_exercise(read_yaml(path), folder, names=names, languages=languages, language=language)


def spec_kind(folder: Path) -> str | None:
    """The `kind:` that `folder/spec.yaml` names, read without validating (None when it names none)."""
    try:
        data = read_yaml(Path(folder) / "spec.yaml").data
    except SpecError:
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else None


def spec_folders(bank: Path) -> list[Path]:
    """The exercise folders of a bank: its subfolders that hold a spec.yaml, by name."""
    bank = Path(bank)
    if not bank.is_dir():
        raise SpecError(bank, _("is not a folder of exercises"), fix=_("pass the folder that holds <id>/spec.yaml"))
    return sorted(p for p in bank.iterdir() if p.is_dir() and (p / "spec.yaml").is_file())


def load_bank(bank: Path, only: Collection[str] | None = None, *, names: bool = True,
              language: str | None = None) -> list[QuizExercise | CodeExercise]:
    """Load every exercise of a bank, reporting all broken specs together.

    With `only` (exercise ids), every spec is still read and its fields checked (a broken
    YAML file or field anywhere in the bank is reported), but the names of expressions and
    templates are checked only in the exercises `only` names: the others are loaded for
    their ids and question ids (answers to them are not "unknown"), never graded. Without
    `names`, no names are checked: the caller runs `check_names_of` on what it grades.
    Texts come in `language` (the one grader speaks now by default), and a bank that declares
    its languages (`bank.yaml`) must give each of them in every text.
    """
    from grader.bank.settings import bank_settings

    exercises, errors = [], []
    languages: tuple = ()
    try:
        # bank.yaml: which editions of the course the bank accepts, and the languages of its texts
        languages = bank_settings(bank).languages
    except SpecErrors as error:
        errors.extend(error.errors)
    except SpecError as error:
        errors.append(error)
    for folder in spec_folders(bank):
        try:
            exercises.append(load_exercise(folder, names=names and (only is None or folder.name in only),
                                           languages=languages, language=language))
        except SpecErrors as error:
            errors.extend(error.errors)
        except SpecError as error:
            errors.append(error)
    if errors:
        raise SpecErrors(errors)
    return exercises


def check_names_of(exercises: Collection[QuizExercise | CodeExercise]) -> None:
    """Loading's second pass, for exercises loaded without it (`names=False`): every name their
    expressions and templates use, with sympy, all problems reported together (SpecErrors).
    `grader check` runs it beside the code checks: it is most of what loading a bank costs.
    Code exercises have no such names, and a bank of them alone never imports sympy here."""
    from grader.bank.spec import QuizExercise

    quizzes = [e for e in exercises if isinstance(e, QuizExercise)]
    if not quizzes:
        return
    from grader.bank.names import check_names

    errors = []
    for exercise in quizzes:
        errors += check_names(exercise, _LinesOnDemand(exercise.folder / "spec.yaml"))
    if errors:
        raise SpecErrors(errors)


class _LinesOnDemand:
    """A spec file's lines for the name checks' messages, read only when one is needed: the
    file was read once already, and a bank without a name error never needs them again."""

    def __init__(self, path: Path):
        self.path, self._document = path, None

    def line_of(self, location: tuple) -> int | None:
        if self._document is None:
            self._document = read_yaml(self.path)
        return self._document.line_of(location)


def chosen(exercises: list[QuizExercise | CodeExercise], only: Collection[str] | None,
           bank: Path) -> list[QuizExercise | CodeExercise]:
    """The exercises `only` names, in the bank's order (all when it names none); an id the
    bank lacks is a SpecError naming the ids it has."""
    if not only:
        return list(exercises)
    known = {e.id for e in exercises}
    unknown = [i for i in only if i not in known]
    if unknown:
        raise SpecError(bank, _("no exercise {id!r}; known: {known}").format(id=unknown[0], known=listed(sorted(known))),
                        fix=_("pass an id listed by `grader validate`"))
    return [e for e in exercises if e.id in only]
