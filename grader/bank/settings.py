"""A bank's own settings, `exercises/bank.yaml`: the editions of the course it knows and accepts,
and the languages its texts are written in.

    editions:                 # every edition an exercise may name, with its title
      boyu: Boyu/Datawhale Dive-into-DL-PyTorch (Task04-06)
      d2l-v1: Dive into Deep Learning, first edition (PyTorch port)
    accept: [boyu, d2l-v1]    # the ones submissions may be written in (default: all of them)
    languages: [en, zh]       # every text of every spec is given in each (grader validate checks)

A bank without the file knows no editions: each exercise's own list (if any) is all there is.
An exercise narrows `accept` with its own `accept:` (docs/specs.md). A bank that declares no
languages may mix plain texts and per-language ones freely.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError, model_validator

from typing import Annotated

from pydantic import Field

from grader.bank.spec import EDITION, LANGUAGE_TAG, AuthorError, Model, Text
from grader.bank.yamlfile import read_yaml
from grader.errors import SpecError, SpecErrors
from grader.i18n import _, language, listed, pick

FILE_NAME = "bank.yaml"


class BankSettings(Model):
    editions: dict[str, Text] = {}  # name -> title (one text or one per language)
    accept: list[str] | None = None
    # the languages every text is written in; empty: none declared
    languages: list[Annotated[str, Field(pattern=LANGUAGE_TAG)]] = []

    @model_validator(mode="after")
    def _known(self) -> BankSettings:
        import re

        for name in self.editions:
            if not re.match(EDITION, name):
                raise AuthorError(_("edition name {name!r} is not lowercase words joined by - or .").format(name=name),
                                  fix=_("e.g. d2l-zh-2"), at=("editions", name))
        for position, name in enumerate(self.accept or ()):
            if name not in self.editions:
                raise AuthorError(_("accept names {name!r}, which editions: does not list").format(name=name),
                                  fix=_("one of: {ids}").format(ids=listed(self.editions)) if self.editions
                                  else _("list it under editions: first"), at=("accept", position))
        return self

    @property
    def accepted(self) -> list[str]:
        return list(self.editions) if self.accept is None else list(self.accept)

    def title(self, edition: str) -> str:
        return pick(self.editions.get(edition), language()) or edition


def bank_settings(exercises: Path) -> BankSettings:
    """The settings of the bank whose exercises/ folder is `exercises` (defaults where it has no bank.yaml)."""
    path = Path(exercises) / FILE_NAME
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return BankSettings()
    return _read(path, stamp)


@lru_cache(maxsize=16)
def _read(path: Path, stamp: int) -> BankSettings:
    from grader.bank.field_errors import field_errors

    document = read_yaml(path)
    if not isinstance(document.data, dict):
        raise SpecError(path, _("bank.yaml must be a mapping (editions:, accept:, languages:)"))
    try:
        return _SettingsFile.model_validate({"settings": document.data}).settings
    except ValidationError as error:
        raise SpecErrors(field_errors(document, error)) from None


class _SettingsFile(Model):  # field_errors reads locations below one top-level field
    settings: BankSettings


def accepted_editions(exercise) -> list[str]:
    """The editions a submission of code `exercise` may be written in, in the bank's order: the bank's
    accepted ones that the exercise has a contract for, narrowed by the exercise's own `accept:`."""
    if not exercise.editions:
        return []
    settings = bank_settings(Path(exercise.folder).parent)
    wanted = exercise.accept if exercise.accept is not None else settings.accepted if settings.editions else None
    names = [name for name in exercise.editions if wanted is None or name in wanted]
    if not names:
        raise SpecError(Path(exercise.folder) / "spec.yaml", _("{id} accepts none of the editions it lists ({listed}) "
                                                               "under the bank's accept: {accepted}").format(
            id=exercise.id, listed=listed(exercise.editions), accepted=listed(settings.accepted)),
                        field="editions", fix=_("list an accepted edition, or accept one of these in bank.yaml"))
    return names
