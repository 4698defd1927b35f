"""A question's answer key (and its feedback rules' answers) for one variant.

Keys are author expressions: parsed with the safe parser like everything else, then
evaluated with the variant's parameter values put in.
"""

from __future__ import annotations

import sympy

from grader.bank.spec import Question, QuizExercise
from grader.judge.expr import AUTHOR_LIMITS, parse_expression, parse_relation
from grader.judge.scope import exact, question_symbols, substitute


def author_value(exercise: QuizExercise, question: Question, text: object, values: dict) -> sympy.Basic:
    """An author's number or expression, with the variant's parameters substituted."""
    if isinstance(text, bool):
        raise TypeError("booleans are not answers")
    if isinstance(text, (int, float)):
        return exact(text)
    expression = parse_expression(str(text), question_symbols(exercise.params, question.variables), AUTHOR_LIMITS)
    return substitute(expression, exercise.params, values)


def author_shape(exercise: QuizExercise, question: Question, items: list, values: dict) -> list[int]:
    """A shape key: each entry an integer or an expression over the params."""
    shape = []
    for item in items:
        value = author_value(exercise, question, item, values)
        if not (value.is_Integer or (value.is_number and value == int(value))):
            raise ValueError(f"shape entry {item!r} is {value}, not an integer")
        shape.append(int(value))
    return shape


def key_value(exercise: QuizExercise, question: Question, values: dict):
    """The right answer to `question` for the variant `values`, in the form its type compares."""
    if question.type in ("numeric", "symbolic"):
        return author_value(exercise, question, question.answer, values)
    if question.type == "shape":
        return author_shape(exercise, question, question.answer, values)
    if question.type == "choice":
        return question.answer
    return sorted(question.answer)


def rule_value(exercise: QuizExercise, question: Question, when: object, values: dict):
    """A feedback rule's expected wrong answer, in the same form as the key."""
    if question.type in ("numeric", "symbolic"):
        return author_value(exercise, question, when, values)
    if question.type == "shape":
        return author_shape(exercise, question, when, values)
    if question.type == "choice":
        return when
    return sorted(when)


def constraints(exercise: QuizExercise, question: Question, values: dict) -> list[sympy.Basic]:
    """A symbolic question's constraints, params substituted."""
    symbols = question_symbols(exercise.params, question.variables)
    return [substitute(parse_relation(text, symbols, AUTHOR_LIMITS), exercise.params, values) for text in question.constraints]
