"""Where the bundled bank, solutions and templates are: in a checkout, or in an installed wheel.

The course's bank (its hidden checks, reference solutions and graded keys) lives in the
checkout, where instructors edit it, and is not in the wheel: a student who installs
grader gets the templates only, and grades against a handout's bank (`--bank`). So an
installed grader without a bank says so, rather than shipping every key to every student.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from grader.errors import GraderError
from grader.i18n import _

_CHECKOUT = Path(__file__).resolve().parents[2]  # the checkout holding grader/bank/
BANK_FOLDERS = ("exercises", "solutions")


def bundled(name: str) -> Path:
    """The folder `name` (exercises, solutions, templates) that ships with grader."""
    here = _CHECKOUT / name
    if (here / "__init__.py").is_file():  # a checkout or an editable install
        return here
    if name in BANK_FOLDERS:
        raise GraderError(
            _("this installation of grader carries no course bank ({folder}/): pass --bank DIR (a handout's bank/ "
              "folder, or the course's bank), or install grader from the course's checkout with pip install -e .").format(
                folder=name))
    return Path(str(resources.files(f"grader.{name}")))
