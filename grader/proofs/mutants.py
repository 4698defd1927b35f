"""Mutants: known-wrong versions of a reference solution, written as edits to it.

`solutions/<id>/mutants.yaml` maps each mutant's name to the mistake it makes, the checks
that must lose points on it, and the edits that turn the reference into it:

    no_scale:
      mistake: {en: The attention scores are not divided by sqrt(d)., zh: 注意力分数没有除以 sqrt(d)。}
      caught-by: [matches-reference]
      edits:
        - replace: |
            scores = queries @ keys.transpose(1, 2) / math.sqrt(d)
          with: |
            scores = queries @ keys.transpose(1, 2)

Each `replace` is one or more whole lines of the reference, written without their common
indentation; it must occur exactly once, so the edit cannot land in the wrong place. The
`with` lines take the indentation of the lines they replace. A mutant written as edits
shows its mistake at a glance and follows the reference when the rest of it changes.
A `mistake` is one text or one per language, as a spec's texts are; a bank that declares its
languages (`bank.yaml`) must give each of them (grader.bank.texts).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from collections.abc import Sequence
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from grader.bank.field_errors import field_errors
from grader.bank.loading import language_errors
from grader.bank.settings import bank_settings
from grader.bank.spec import CodeExercise, Model, Text
from grader.bank.texts import variants
from grader.bank.yamlfile import YamlDocument, read_yaml
from grader.errors import SpecError, SpecErrors
from grader.i18n import _, listed, pick

FILE_NAME = "mutants.yaml"


class Edit(Model):
    replace: str
    with_: str = Field(alias="with")

    @field_validator("replace")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError(_("the replace text is blank: it must hold at least one line of the reference"))
        return text


class MutantSpec(Model):
    mistake: Text
    caught_by: list[str] = Field(alias="caught-by", min_length=1)
    edits: list[Edit] = Field(min_length=1)

    @field_validator("mistake")
    @classmethod
    def _said(cls, mistake: Text) -> Text:
        if not all(text.strip() for text in variants(mistake)):
            raise ValueError(_("the mistake is blank: say in one sentence what this mutant gets wrong"))
        return mistake


class _MutantsFile(Model):
    mutants: dict[str, MutantSpec]


@dataclass(frozen=True)
class Mutant:
    exercise_id: str
    name: str
    mistake: Text  # as mutants.yaml gives it: one text or one per language
    caught_by: tuple[str, ...]  # checks that must lose points on it
    source: str  # the whole wrong file, as a student would hand it in
    edition: str = ""  # the edition of the course whose reference it edits ("" the exercise's own)

    def said(self, language: str | None = None) -> str:
        """The mistake's first line in `language` (the one spoken now by default)."""
        return pick(self.mistake, language).strip().splitlines()[0]


# Appended to a reference: every torch module class the file defines (containers aside) keeps its
# parameters and submodules in the reverse of the order its __init__ declared them. The code computes
# what it did; only the order that `parameters()` lists them in changes, as a student's may.
REVERSED_DECLARATIONS = """

# -- grader selftest: the same classes, their parameters and submodules declared in reverse order --
def _grader_reverse_declarations(namespace):
    import torch.nn as nn

    containers = (nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.ParameterList, nn.ParameterDict)

    def reversing(cls):
        declared = cls.__init__

        def __init__(self, *args, **kwargs):
            declared(self, *args, **kwargs)
            if type(self) is cls:
                self.__dict__["_parameters"] = dict(reversed(list(self._parameters.items())))
                self.__dict__["_modules"] = dict(reversed(list(self._modules.items())))

        cls.__init__ = __init__

    for value in list(namespace.values()):
        if (isinstance(value, type) and issubclass(value, nn.Module) and not issubclass(value, containers)
                and value.__module__ == namespace["__name__"]):
            reversing(value)


_grader_reverse_declarations(globals())
"""


def reversed_declarations(reference: str) -> str:
    """`reference` with its module classes' parameters declared in reverse order (selftest's own
    mutant, which must keep full marks: right code may declare its layers in any order)."""
    return reference.rstrip("\n") + "\n" + REVERSED_DECLARATIONS


def own_editions(solutions: Path, exercise: CodeExercise) -> list[str]:
    """The editions of `exercise` with a reference of their own, `solutions/<id>/<edition>/<file>`."""
    return [e for e in exercise.editions if (Path(solutions) / exercise.id / e / exercise.file).is_file()]


def reference_file(solutions: Path, exercise: CodeExercise, edition: str = "") -> Path:
    """`solutions/<id>/<file>` (an edition's: `solutions/<id>/<edition>/<file>`), the exercise's reference
    solution; a SpecError where it is missing."""
    path = Path(solutions) / exercise.id / edition / exercise.file
    if not path.is_file():
        where = f"{exercise.id}/{edition}/" if edition else f"{exercise.id}/"
        raise SpecError(path, _("the reference solution is missing"), fix=_("add {path}").format(
            path=f"solutions/{where}{exercise.file}"))
    return path


def load_mutants(solutions: Path, exercise: CodeExercise, edition: str = "",
                 languages: Sequence[str] | None = None) -> list[Mutant]:
    """The mutants of `exercise` (none when it has no mutants.yaml), applied to its reference
    (an edition's mutants: `solutions/<id>/<edition>/mutants.yaml`, applied to that edition's).
    `languages`: those each mistake must be given in, by default the ones its bank declares."""
    path = Path(solutions) / exercise.id / edition / FILE_NAME
    if not path.is_file():
        return []
    reference = reference_file(solutions, exercise, edition).read_text(encoding="utf-8")
    document = read_yaml(path)
    specs = _parse(document)
    if languages is None:
        languages = bank_settings(Path(exercise.folder).parent).languages
    mistakes = (((name, "mistake"), spec.mistake) for name, spec in specs.items())
    errors = language_errors(document, mistakes, languages) if languages else []
    mutants = []
    checks = {c.id for c in exercise.checks}
    for name, spec in specs.items():
        try:
            for check in spec.caught_by:
                if check not in checks:
                    raise SpecError(path, _("names {check!r}, which is not a check of {exercise}").format(
                        check=check, exercise=exercise.id), line=document.line_of((name, "caught-by")),
                        field=f"{name}.caught-by", fix=_("one of: {ids}").format(ids=listed(sorted(checks))))
            source = _apply(reference, spec.edits, document, (name, "edits"), exercise.file)
            mutants.append(Mutant(exercise.id, name, spec.mistake, tuple(spec.caught_by), source, edition))
        except SpecError as error:
            errors.append(error)
    if errors:
        raise SpecErrors(errors)
    return mutants


def _parse(document: YamlDocument) -> dict[str, MutantSpec]:
    data = document.data
    if not isinstance(data, dict) or not data:
        raise SpecError(document.path, _("expected a mapping of mutant names to {fields}").format(
            fields="{mistake, caught-by, edits}"), fix=_("see grader/proofs/mutants.py for the format"))
    for name in data:
        if not (isinstance(name, str) and name.isidentifier() and name == name.lower()):
            raise SpecError(document.path, _("mutant name {name!r} is not a lowercase identifier").format(name=name),
                            line=document.line_of((name,)), fix=_("use letters, digits and _, e.g. no_scale"))
    try:
        return _MutantsFile.model_validate({"mutants": data}).mutants
    except ValidationError as error:
        raise SpecErrors(field_errors(document, error)) from None


def _lines(text: str) -> list[str]:
    return textwrap.dedent(text).strip("\n").splitlines()


def _apply(reference: str, edits: list[Edit], document: YamlDocument, where: tuple, file: str) -> str:
    """`reference` with every edit made; each one's place is found in the untouched reference."""
    lines = reference.splitlines()
    spans = []  # (start, end, replacement lines, where the edit is) in the reference
    for index, edit in enumerate(edits):
        here = (*where, index)
        old, new = _lines(edit.replace), _lines(edit.with_)
        matches = [(start, indent) for start in range(len(lines) - len(old) + 1)
                   if (indent := _indent_if_match(lines, start, old)) is not None]
        if len(matches) != 1:
            problem = (_("the replace text does not occur in the reference {file}") if not matches
                       else _("the replace text occurs {count} times in the reference {file}")).format(file=file, count=len(matches))
            fix = (_("copy whole lines from the reference exactly") if not matches
                   else _("add a neighbouring line to both the replace and the with text, so that it is unique"))
            raise SpecError(document.path, problem, line=document.line_of(here),
                            field=".".join(map(str, here)) + ".replace", fix=fix)
        start, indent = matches[0]
        spans.append((start, start + len(old), [indent + line if line.strip() else "" for line in new], here))
    spans.sort(key=lambda span: span[0])
    for earlier, (start, _end, _lines_in, here) in zip(spans, spans[1:]):
        end = earlier[1]
        if start < end:
            raise SpecError(document.path, _("this edit overlaps another one in {file}").format(file=file),
                            line=document.line_of(here), field=".".join(map(str, here)), fix=_("merge the two edits into one"))
    for start, end, replacement, _here in reversed(spans):
        lines[start:end] = replacement
    return "\n".join(lines) + "\n"


def _indent_if_match(lines: list[str], start: int, old: list[str]) -> str | None:
    """The indentation under which `old` equals lines[start:], or None where it does not."""
    first = lines[start]
    if not first.endswith(old[0]) or first[: len(first) - len(old[0])].strip():
        return None
    indent = first[: len(first) - len(old[0])]
    for line, wanted in zip(lines[start:start + len(old)], old):
        same = line == indent + wanted if wanted.strip() else not line.strip()  # a blank matches a blank
        if not same:
            return None
    return indent
