"""The names an expression of a question may use, as sympy symbols.

Parameters (drawn per student) and a symbolic question's variables become symbols with
the assumptions of their values, so that sympy reasons about integers as integers.
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from grader.quiz.equivalence import Domain
from grader.spec import IntRange, Question, QuizExercise


def param_symbols(exercise: QuizExercise) -> dict[str, sympy.Symbol]:
    """Symbols for the numeric parameters; text parameters only fill prompts."""
    symbols = {}
    for name, values in exercise.params.items():
        if isinstance(values, IntRange) or all(type(v) is int for v in values):
            symbols[name] = sympy.Symbol(name, integer=True)
        elif all(type(v) in (int, float) for v in values):
            symbols[name] = sympy.Symbol(name, real=True)
    return symbols


def variable_symbols(question: Question) -> dict[str, sympy.Symbol]:
    return {
        name: sympy.Symbol(name, integer=True) if domain.kind == "integer" else sympy.Symbol(name, real=True)
        for name, domain in question.variables.items()
    }


def question_symbols(exercise: QuizExercise, question: Question) -> dict[str, sympy.Symbol]:
    """Everything an answer key or feedback rule of `question` may name."""
    return {**param_symbols(exercise), **variable_symbols(question)}


def domains(question: Question) -> dict[sympy.Symbol, Domain]:
    symbols = variable_symbols(question)
    return {symbols[name]: Domain(d.kind, *d.bounds, item=d.item_of) for name, d in question.variables.items()}


def substitute(expression: sympy.Basic, exercise: QuizExercise, values: dict[str, object]) -> sympy.Basic:
    """Put a variant's parameter values into an expression."""
    symbols = param_symbols(exercise)
    return expression.subs({symbols[name]: exact(value) for name, value in values.items() if name in symbols})


def exact(value: object) -> sympy.Number:
    """A parameter value as an exact sympy number (floats by their decimal text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{value!r} is not a number")
    if isinstance(value, int):
        return sympy.Integer(value)
    fraction = Fraction(repr(value))  # the decimal the author wrote, exactly; no string reaches sympy
    return sympy.Rational(fraction.numerator, fraction.denominator)
