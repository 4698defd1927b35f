"""Notebooks: submissions read from `.ipynb` files, and the `%grader` magic inside Jupyter.

`%load_ext grader` (or `%load_ext grader.notebook`) registers `%grader check ID` and
`%grader quiz ID`; `grader.notebook.check("lenet")` does the first from code. Importing
this package stays light: IPython, nbformat and torch are imported only when used.
"""

from __future__ import annotations


def load_ipython_extension(ipython) -> None:
    """Register the `%grader` line magic in a running IPython kernel."""
    from grader.notebook.magic import register

    register(ipython)


def check(exercise_id: str, **options):
    """Run `exercise_id`'s public checks on the cells run so far; shows the report inline."""
    from grader.notebook.magic import check_cells

    return check_cells(exercise_id, **options)
