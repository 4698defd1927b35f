"""Reading a student's raw answer (whatever YAML gave) into the form its question compares.

Answers are read as students type them (grader.judge.typed): full-width forms from a Chinese
input method, typography pasted from notes, Greek letters, implied products. `reading` is the
answer as read, for the report to echo where it differs from what was typed. Anything
malformed raises AnswerFormatError with a message for the student; nothing the student wrote
is ever evaluated as code.
"""

from __future__ import annotations

import math
import re

import sympy

from grader.bank.spec import Question, QuizExercise
from grader.i18n import N_, _, listed
from grader.judge.expr import STUDENT_LIMITS, CapExceeded, ExpressionError, parse_expression
from grader.judge.expr import reading as expression_reading
from grader.judge.expr_rules import check_number
from grader.judge.scope import answer_symbols, exact, question_symbols
from grader.judge.typed import fold

MAX_TEXT = 2000
CAP_HEADING = N_("answer refused by a safety cap")  # never "could not read": the answer was read, and is too big
READ_HEADING = N_("could not read the answer")
_SHAPE_TEXT = re.compile(r"^\s*(?:torch\.Size\s*\(\s*)?[\[(]?\s*([0-9\s,x×*]*?)\s*[\])]?\s*\)?\s*$")


class AnswerFormatError(ValueError):
    """The answer cannot be read, or a safety cap refused it; the message says how to write it."""

    def __init__(self, message: str, heading: str = READ_HEADING):
        super().__init__(message)
        self.heading = _(heading)  # what the student is told first: a cap is not a misreading


def _refused(error: ExpressionError, sentence: str = "{reason}") -> AnswerFormatError:
    """The parser's reason, in `sentence` (translated, with {reason})."""
    heading = CAP_HEADING if isinstance(error, CapExceeded) else READ_HEADING
    return AnswerFormatError(sentence.format(reason=error), heading)


def _text(raw: object, what: str) -> str:
    if isinstance(raw, str):
        if len(raw) > MAX_TEXT:
            raise AnswerFormatError(_("the answer is {length:,} characters long, over the length cap; write {what} "
                                      "of at most {cap:,}").format(length=len(raw), what=what, cap=MAX_TEXT), CAP_HEADING)
        return raw
    raise AnswerFormatError(_("expected {what}, got a {kind}").format(what=what, kind=type(raw).__name__))


def read_number(raw: object) -> sympy.Expr:
    if isinstance(raw, bool):
        raise AnswerFormatError(_("expected a number, got true/false"))
    if isinstance(raw, float) and not math.isfinite(raw):
        raise AnswerFormatError(_("expected a finite number"))
    if isinstance(raw, (int, float)):  # YAML's own number: the cap on the size of numbers, as for text
        value = exact(raw)
        try:
            check_number(value, STUDENT_LIMITS.max_value_digits)
        except ExpressionError as error:
            raise _refused(error, _("expected a number: {reason}")) from None
        return value
    try:
        value = parse_expression(_text(raw, _("a number")), {}, STUDENT_LIMITS)
    except ExpressionError as error:
        raise _refused(error, _("expected a number: {reason}")) from None
    if not value.is_number:
        raise AnswerFormatError(_("expected a number, not a formula"))
    return value


def read_expression(raw: object, exercise: QuizExercise, question: Question, values: dict) -> sympy.Expr:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return read_number(raw)
    text = _text(raw, _("a formula"))
    try:
        return parse_expression(text, answer_symbols(exercise.params, question.variables, values), STUDENT_LIMITS)
    except ExpressionError as error:
        raise _refused(error) from None


def read_shape(raw: object) -> list[int]:
    if isinstance(raw, list):
        if all(type(v) is int for v in raw):
            return list(raw)
        if not all(type(v) in (int, str) for v in raw):
            raise AnswerFormatError(_("a shape is a list of whole numbers, like [2, 16, 5, 5]"))
        raw = ", ".join(map(str, raw))  # YAML reads the full-width digits of [２, １６, ５, ５] as text
    if type(raw) is int:
        return [raw]
    match = _SHAPE_TEXT.match(fold(_text(raw, _("a shape such as [2, 16, 5, 5]"))))
    parts = re.split(r"[\s,x×*]+", match.group(1).strip()) if match else []
    if not match or not all(part.isdigit() and len(part) <= 12 for part in parts if part):
        raise AnswerFormatError(_("write a shape as a list of whole numbers, like [2, 16, 5, 5] or (2, 16, 5, 5)"))
    return [int(part) for part in parts if part]


def _letter(raw: object, question: Question) -> str:
    options = question.option_map
    text = fold(_text(raw, _("an option letter"))).strip()
    candidate = text.strip("()[]. ").lower()
    if candidate in options:
        return candidate
    typed = " ".join(text.split()).casefold()
    for letter, option in options.items():  # an option's text, in any of the bank's languages
        if any(" ".join(fold(t).split()).casefold() == typed for t in [option, *question.option_aliases.get(letter, [])]):
            return letter
    raise AnswerFormatError(_("{text!r} is not an option; answer with one of the letters {letters}").format(
        text=text[:60], letters=listed(options)))


def read_choice(raw: object, question: Question) -> str:
    return _letter(raw, question)


def _letters_in(text: str) -> list[str]:
    """`a, c` or `a c` as its letters; any other text as one option's text."""
    parts = [part for part in re.split(r"[,;\s]+", fold(text)) if part]
    return parts if all(len(part.strip("()[].")) == 1 for part in parts) else [text]


def read_choices(raw: object, question: Question) -> list[str]:
    if isinstance(raw, str):
        raw = _letters_in(_text(raw, _("option letters")))
    elif isinstance(raw, list):  # [a，c]: YAML reads the full-width comma as part of one item
        raw = [letter for item in raw for letter in (_letters_in(_text(item, _("option letters")))
                                                     if isinstance(item, str) else [item])]
    if not isinstance(raw, list):
        raise AnswerFormatError(_("expected a list of option letters, like [a, c]"))
    letters = [_letter(item, question) for item in raw]
    if len(set(letters)) != len(letters):
        raise AnswerFormatError(_("an option is chosen twice; list each letter once"))
    return sorted(letters)


def reading(raw: object, exercise: QuizExercise, question: Question) -> str | None:
    """The answer as the grader read it, where that differs from what was typed (else None).

    For an answer that was read: a report echoes it (read as `2352`), as STACK does.
    """
    items = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(item, (str, int, float)) and not isinstance(item, bool) for item in items):
        return None
    if question.type not in ("numeric", "symbolic") and all(str(item).isascii() for item in items):
        return None  # folding leaves ASCII as it is
    typed = [str(item) for item in items]
    try:
        if question.type in ("numeric", "symbolic") and isinstance(raw, str):
            names = question_symbols(exercise.params, question.variables) if question.type == "symbolic" else {}
            read = [expression_reading(raw, names)]
        else:
            read = [fold(item) for item in typed]
    except ExpressionError:
        return None
    if [" ".join(text.split()) for text in read] == [" ".join(text.split()) for text in typed]:
        return None
    return f"[{', '.join(read)}]" if isinstance(raw, list) else read[0]
