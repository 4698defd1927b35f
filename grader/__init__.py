"""grader: quizzes and auto-grading for deep-learning courses in PyTorch."""

__version__ = "0.1.0"
