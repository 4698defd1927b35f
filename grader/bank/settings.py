"""A bank's own settings: `exercises/bank.yaml`, beside the exercise folders (optional).

    languages: [en, zh]     # every text of every spec is given in each (grader validate checks)

A bank without the file declares nothing: its texts may be plain or per language, freely.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError

from grader.bank.spec import LANGUAGE_TAG, Model
from grader.bank.yamlfile import read_yaml
from grader.errors import SpecError, SpecErrors
from grader.i18n import _

SETTINGS_FILE = "bank.yaml"


class BankSettings(Model):
    # the languages every text is written in; empty: none declared
    languages: list[Annotated[str, Field(pattern=LANGUAGE_TAG)]] = []


class _SettingsFile(Model):  # field_errors reads locations below one top-level field
    settings: BankSettings


def bank_settings(exercises: Path) -> BankSettings:
    """The settings of the bank whose exercises folder is `exercises` (defaults without a bank.yaml)."""
    from grader.bank.field_errors import field_errors

    path = Path(exercises) / SETTINGS_FILE
    if not path.is_file():
        return BankSettings()
    document = read_yaml(path)
    if not isinstance(document.data, dict):
        raise SpecError(path, _("bank.yaml must be a mapping of settings"), fix=_("write e.g. languages: [en, zh]"))
    try:
        return _SettingsFile.model_validate({"settings": document.data}).settings
    except ValidationError as error:
        raise SpecErrors(field_errors(document, error)) from None
