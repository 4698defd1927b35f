"""grader: quizzes and auto-grading for deep-learning courses in PyTorch."""

DISTRIBUTION = "dl-grader"  # the name on the package index (`grader` there is another project's)
SOURCE_VERSION = "0.1.0"  # keep equal to pyproject.toml's version: a source checkout that is not installed reports it


def _version() -> str:
    """This grader's version: the installed distribution's metadata, else (a bare checkout) SOURCE_VERSION."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return SOURCE_VERSION


__version__ = _version()


def load_ipython_extension(ipython) -> None:
    """`%load_ext grader` in Jupyter: registers the `%grader` magic (see grader.notebook)."""
    from grader.notebook import load_ipython_extension as load

    load(ipython)
