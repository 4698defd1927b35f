"""Marking one answer to one question: a score, a status and words for the student."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import replace

import sympy

from grader.bank.prompts import render_text
from grader.bank.spec import Question, QuizExercise, Tolerance
from grader.bank.variants import draw, question_values
from grader.errors import SpecError
from grader.i18n import _
from grader.judge.equivalence import Judgement, Verdict
from grader.judge.equivalence import judge as default_judge
from grader.judge.evaluate import not_real
from grader.judge.expr import ExpressionError
from grader.judge.scope import domains
from grader.quiz import keys, responses
from grader.quiz.process import JUDGE_SECONDS, shown_answer, unjudged_message
from grader.reports.results import ItemResult, Status

Judge = Callable[..., Judgement]
PRECISION = 50  # digits used to compare irrational numbers such as exp(2)/(2e + e^2)


def numbers_match(given: sympy.Expr, expected: sympy.Expr, tolerance: Tolerance) -> bool:
    """Equal within |given - expected| <= abs + rel * |expected|; exactly when both are 0."""
    if given.is_Rational and expected.is_Rational and not (tolerance.abs or tolerance.rel):
        return given == expected
    difference = abs(sympy.N(given - expected, PRECISION))
    allowed = tolerance.abs + tolerance.rel * abs(sympy.N(expected, PRECISION))
    return bool(difference <= max(allowed, sympy.Float(10) ** (10 - PRECISION)))


class _Marker:
    """Compares one read answer with the key and the feedback rules of one question."""

    def __init__(self, exercise: QuizExercise, question: Question, values: dict, judge: Judge):
        self.exercise, self.question, self.values, self.judge = exercise, question, values, judge

    def read(self, raw: object):
        q = self.question
        if q.type == "numeric":
            return responses.read_number(raw)
        if q.type == "symbolic":
            return responses.read_expression(raw, self.exercise, q, self.values)
        if q.type == "shape":
            return responses.read_shape(raw)
        if q.type == "choice":
            return responses.read_choice(raw, q)
        return responses.read_choices(raw, q)

    def same(self, given, expected) -> Judgement:
        q = self.question
        if q.type == "numeric":
            equal = numbers_match(given, expected, q.tolerances)
        elif q.type == "symbolic":
            relations = keys.constraints(self.exercise, q, self.values)
            return self.judge(given, expected, domains(q.variables), relations, time_limit=JUDGE_SECONDS)
        else:
            equal = given == expected
        return Judgement(Verdict.EQUAL if equal else Verdict.DIFFERENT, note=not_real(given) if q.type == "numeric" and not equal else "")

    def score(self, given, expected) -> float:
        """Partial credit for multi: right picks minus wrong picks, over the right ones."""
        right = len(set(given) & set(expected))
        wrong = len(set(given) - set(expected))
        return self.question.points * max(0, right - wrong) / len(expected)

    def rule_for(self, given) -> str:
        """The author's message for the first feedback rule, meant for this variant, that the answer matches."""
        for rule in self.question.feedback:
            if not rule.applies(self.values):
                continue  # when_params: the rule is for other variants (on this one it may be the key)
            try:
                expected = keys.rule_value(self.exercise, self.question, rule.when, self.values)
            except (ExpressionError, ValueError, TypeError):
                continue  # validate reports rules that do not evaluate
            if self.same(given, expected).verdict is Verdict.EQUAL:
                return rule.say
        return ""


def mark(exercise: QuizExercise, question: Question, values: dict, raw: object, judge: Judge = default_judge) -> ItemResult:
    """Mark `raw` (as read from answers.yaml; None when absent) against `question`."""
    def result(status: Status, score: float = 0.0, message: str = "", hint: str = "", echo: str | None = None
               ) -> ItemResult:
        if echo is not None:
            message = _("{message} (read as `{reading}`)").format(message=message, reading=echo)
        return ItemResult(
            exercise.id, question.id, question.id, score, question.points, status, message,
            render_text(hint, values) if hint else "", None if raw is None else shown_answer(raw),
        )

    if raw is None:
        return result(Status.NOT_SUBMITTED, message=_("no answer given"))
    try:
        return _marked(_Marker(exercise, question, values, judge), raw, result)
    except SpecError:
        raise  # the exercise's, not this answer's: no variant can be drawn
    except Exception as error:  # noqa: BLE001 - one question's fault must not end the sheet, or the run
        # the error's class only: its text can be pages long (Python's message on printing a 5000-digit int)
        return result(Status.ERROR, message=unjudged_message(_("the grader failed on it: {kind}").format(
            kind=type(error).__name__)))


def _marked(marker: _Marker, raw: object, result: Callable[..., ItemResult]) -> ItemResult:
    exercise, question, values = marker.exercise, marker.question, marker.values
    try:
        given = marker.read(raw)
    except responses.AnswerFormatError as error:
        return result(Status.ERROR, message=_("{heading}: {reason}").format(heading=error.heading, reason=error))
    answered = functools.partial(result, echo=responses.reading(raw, exercise, question))  # the answer as read
    expected = keys.key_value(exercise, question, values)
    judgement = marker.same(given, expected)
    if judgement.verdict is Verdict.EQUAL:
        return answered(Status.PASSED, question.points, _("correct"))
    if judgement.verdict is Verdict.UNDECIDED:
        return answered(Status.ERROR, message=unjudged_message(judgement.reason))
    hint = marker.rule_for(given) or question.hint
    if question.type == "multi":
        score = marker.score(given, expected)
        if score > 0:
            return answered(Status.PARTIAL, score, _("partly right"), hint)
    message = _("not correct: {note}").format(note=judgement.note) if judgement.note else _("not correct")
    return answered(Status.FAILED, message=message, hint=hint)


def mark_questions(exercise: QuizExercise, answers: dict[str, object], student_id: str, judge: Judge = default_judge,
                   skip: Collection[str] = ()) -> Iterator[ItemResult]:
    """Mark every question of `exercise` (but those in `skip`) for `student_id`'s variant, in order.

    A handout's graded question has no key here: the instructor grades it, and it scores 0 of 0.
    """
    values = draw(exercise, student_id)
    for question in exercise.questions:
        if question.id in skip:
            continue
        if question.answer is None:
            yield ItemResult(exercise.id, question.id, question.id, 0, 0, Status.SKIPPED,
                             _("graded by your instructor (a handout has no key for it)"))
            continue
        started = time.perf_counter()
        item = mark(exercise, question, question_values(exercise, question, values), answers.get(question.id), judge)
        yield replace(item, duration=time.perf_counter() - started)
