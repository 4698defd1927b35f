"""grader: quizzes and auto-grading for deep-learning courses in PyTorch."""

__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:
    """`%load_ext grader` in Jupyter: registers the `%grader` magic (see grader.notebook)."""
    from grader.notebook import load_ipython_extension as load

    load(ipython)
