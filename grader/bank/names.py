"""Checks that every expression and template of a quiz spec names only what it defines.

Run at load time, so that a typo in an answer key is found when the bank is validated,
not when the first student is graded.
"""

from __future__ import annotations

import jinja2

from grader.bank.prompts import render_text
from grader.bank.spec import CodeExercise, Question, QuizExercise
from grader.bank.texts import question_texts, variants
from grader.bank.variants import draw
from grader.bank.yamlfile import YamlDocument
from grader.errors import SpecError
from grader.i18n import _
from grader.judge.expr import AUTHOR_LIMITS, ExpressionError, parse_expression, parse_relation
from grader.judge.scope import param_symbols, question_symbols


def _expressions(question: Question) -> list[tuple[tuple, object, str]]:
    """(location, value, what) for every expression-valued field of a question."""
    found: list[tuple[tuple, object, str]] = []
    if question.type in ("numeric", "symbolic") and isinstance(question.answer, str):
        found.append((("answer",), question.answer, "expression"))
    if question.type == "shape" and question.answer is not None:  # a handout has no graded keys
        found += [(("answer", i), v, "expression") for i, v in enumerate(question.answer) if isinstance(v, str)]
    for index, rule in enumerate(question.feedback):
        where = ("feedback", index, "when")
        if question.type in ("numeric", "symbolic") and isinstance(rule.when, str):
            found.append((where, rule.when, "expression"))
        elif question.type == "shape":
            if not isinstance(rule.when, list):
                found.append((where, rule.when, "a list like the answer"))
            else:
                found += [(where + (i,), v, "expression") for i, v in enumerate(rule.when) if isinstance(v, str)]
        elif question.type in ("choice", "multi"):
            letters = [rule.when] if question.type == "choice" else rule.when
            if not isinstance(letters, list) or any(letter not in question.option_map for letter in letters):
                found.append((where, rule.when, "option letters"))
    for index, text in enumerate(question.constraints):
        found.append((("constraints", index), text, "relation"))
    return found


def _check_question(exercise: QuizExercise, index: int, question: Question, document: YamlDocument) -> list[SpecError]:
    errors = []
    symbols = question_symbols(exercise.params, question.variables)
    base = ("questions", index)

    def error(location: tuple, message: str, fix: str) -> None:
        field = ".".join(str(p) for p in base + location)
        errors.append(SpecError(document.path, message, line=document.line_of(base + location), field=field, fix=fix))

    for name in sorted(question.variables.keys() & exercise.params.keys()):
        error(("variables", name), _("variable {name!r} has the name of a param, which would replace it").format(name=name),
              _("rename the variable or the param"))
    for location, value, what in _expressions(question):
        if what == "option letters":
            error(location, _("{value!r} does not name options of this question").format(value=value),
                  _("use option letters such as a or [a, c]"))
        elif what == "a list like the answer":
            error(location, _("a shape rule's when: must be a list"), _("write it like the answer, e.g. [2, 16, 5, 5]"))
        else:
            parse = parse_relation if what == "relation" else parse_expression
            try:
                parse(str(value), symbols, AUTHOR_LIMITS)
            except ExpressionError as problem:
                error(location, str(problem), _("use only params, variables and the documented functions"))
    return errors


def _check_templates(exercise: QuizExercise, document: YamlDocument) -> list[SpecError]:
    errors = []
    values = draw(exercise, "validate")
    for index, question in enumerate(exercise.questions):
        for location, text in ((at, one) for at, text in question_texts(question) for one in variants(text)):
            try:
                render_text(text, values)
            except jinja2.TemplateError as problem:
                location = ("questions", index) + location
                errors.append(SpecError(
                    document.path, _("template error: {reason}").format(reason=problem), line=document.line_of(location),
                    field=".".join(map(str, location)), fix=_("name only params of this exercise inside {{ }}"),
                ))
    return errors


def check_names(exercise: QuizExercise | CodeExercise, document: YamlDocument) -> list[SpecError]:
    """Every problem with names in `exercise`; empty when all is well."""
    if isinstance(exercise, CodeExercise):
        return []
    errors = []
    for index, text in enumerate(exercise.constraints):
        try:
            parse_relation(text, param_symbols(exercise.params), AUTHOR_LIMITS)
        except ExpressionError as problem:
            errors.append(SpecError(document.path, str(problem), line=document.line_of(("constraints", index)),
                                    field=f"constraints.{index}", fix=_("name only numeric params")))
    for index, question in enumerate(exercise.questions):
        errors += _check_question(exercise, index, question, document)
    if not errors:
        try:
            errors += _check_templates(exercise, document)
        except SpecError as problem:
            errors.append(problem)
    return errors
