"""Where the bundled bank, solutions and templates are, in a checkout or an installed wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def bundled(name: str) -> Path:
    """The folder `name` (exercises, solutions, templates) that ships with grader."""
    here = _CHECKOUT / name
    if (here / "__init__.py").is_file():  # a checkout or an editable install
        return here
    return Path(str(resources.files(f"grader.{name}")))
