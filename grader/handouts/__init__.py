"""What a student is handed: starter modules and notebooks, the blank answers.yaml, and the
student's own quiz sheet; never a graded key, a hidden check or a reference.

May import grader.quiz and the layers below it.
"""
