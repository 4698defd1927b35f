"""The grader's side of the quiz worker: quizzes graded whole in one process that can be killed.

The quiz worker (``python -P -m grader.quiz.worker``) is the judge worker
(grader.judge.process) that also marks: it draws each student's variant, reads the answers,
computes the keys and judges them, so sympy is imported there and never in the grader,
whose process is left to the torch work of the code checks beside it. It serves the judge's
requests as well, so one process does all of a quiz's symbolic work.

A quiz goes over as its spec (the model's JSON, sent once per exercise and kept by the
worker) with the student's id and answers; an item comes back for each question, each
under its own deadline: its judgements' time limits. A question the worker does not mark in
time, or dies on, is an ERROR for that question alone; a fresh worker marks the rest.
Nothing coming back is unpickled: items are JSON, checked field by field.
"""

from __future__ import annotations

import base64
import datetime
import math
import os
import time
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import SpecError, SpecErrors
from grader.i18n import _
from grader.judge.process import Judge, SharedWorker, WorkerFailed
from grader.reports.results import ItemResult, Status

if TYPE_CHECKING:
    from grader.bank.spec import CodeExercise, Question, QuizExercise

JUDGE_SECONDS = 5.0  # marking's time limit for each judgement of an answer: against the key, then each feedback rule
MAX_SPECS = 512  # exercises whose JSON is kept, here and in the worker
NAMES_SECONDS = 120.0  # for the names of a bank's quizzes: the author's expressions, each under the parser's caps


class QuizWorkerError(RuntimeError):
    """The quiz worker answered what no request asks for: our bug, not the student's."""


class QuizWorker(Judge):
    """Grades quizzes (and judges expressions) in a worker process, started on first use."""

    worker_module = "grader.quiz.worker"

    def __init__(self, *, judge_seconds: float = JUDGE_SECONDS, **options):
        super().__init__(**options)
        self.judge_seconds = judge_seconds  # the worker's limit per judgement, on which the deadlines rest
        self._specs: dict[int, tuple[QuizExercise, dict]] = {}  # id(model) -> (model, its JSON data)

    def mark(self, exercise: QuizExercise, answers: dict[str, object], student_id: str,
             _test_stall: dict[str, float] | None = None) -> list[ItemResult]:
        """An item for each question of `exercise`, in order; a SpecError where the author's
        constraints let no variant be drawn."""
        items: dict[str, ItemResult] = {}
        while len(items) < len(exercise.questions):
            with self._lock:
                self._mark_some(exercise, answers, student_id, items, _test_stall or {})
        return [items[q.id] for q in exercise.questions]

    def check_names(self, exercises: Collection[QuizExercise | CodeExercise]) -> None:
        """grader.bank.loading.check_names_of, in the worker: SpecErrors as loading raises them."""
        quizzes = [e for e in exercises if e.kind == "quiz"]
        if not quizzes:
            return
        with self._lock:
            reply = self._one({"op": "names", "exercises": [self._spec(e) for e in quizzes]}, NAMES_SECONDS)
        errors = reply.get("errors")
        if not isinstance(errors, list):
            raise QuizWorkerError(_("the quiz worker did not check the names: {reason}").format(reason=reply.get("reason", reply)))
        if errors:
            raise SpecErrors([_spec_error(data) for data in errors])

    def _mark_some(self, exercise, answers, student_id, items: dict[str, ItemResult], stall: dict) -> None:
        """Send what is still unmarked and read items until all came or one did not in time."""
        pending = [q for q in exercise.questions if q.id not in items]
        request = {"op": "mark", "id": next(self._ids), **self._spec(exercise), "student": student_id,
                   "answers": answer_data(answers), "skip": list(items), "test_stall": stall}
        try:
            self._ensure_worker()
        except WorkerFailed as error:  # no worker to retry with: the exercise's other questions fare no better
            self._discard()
            for question in pending:
                items[question.id] = _unjudged(exercise, question, answers,
                                               _("the judge worker could not start: {reason}").format(reason=error))
            return
        try:
            self._send(request)
            for question in pending:
                reply = self._receive(time.monotonic() + self._seconds_for(question))
                if reply is None:
                    self._discard()  # stuck: the next request starts a fresh worker
                    items[question.id] = _unjudged(exercise, question, answers, _(
                        "could not judge within {seconds:g} s; the answer may be too costly to compare").format(
                        seconds=self.judge_seconds))
                    return
                items[question.id] = _item(reply, request["id"], exercise, question)
        except WorkerFailed as error:
            self._discard()
            items[pending[0].id] = _unjudged(exercise, pending[0], answers,
                                             _("the judge worker failed: {reason}").format(reason=error))
        except QuizWorkerError:
            self._discard()  # what it has not sent yet must not be read as the next request's
            raise

    def _one(self, request: dict, seconds: float) -> dict:
        request = {**request, "id": next(self._ids)}
        try:
            self._ensure_worker()
            self._send(request)
            reply = self._receive(time.monotonic() + seconds)
        except WorkerFailed as error:
            self._discard()
            raise QuizWorkerError(_("the quiz worker failed: {reason}").format(reason=error)) from None
        if reply is None or reply.get("id") != request["id"]:
            self._discard()
            raise QuizWorkerError(_("the quiz worker did not answer within {seconds:g} s").format(seconds=seconds))
        return reply

    def _spec(self, exercise: QuizExercise) -> dict:
        """The exercise as the worker rebuilds it: its model's JSON and its folder (as given)."""
        kept = self._specs.get(id(exercise))
        if kept is None or kept[0] is not exercise:
            if len(self._specs) >= MAX_SPECS:  # a watch that reloads its bank many times
                self._specs.clear()
            kept = self._specs[id(exercise)] = (exercise, exercise.model_dump(mode="json"))
        return {"exercise": kept[1], "folder": str(exercise.folder)}

    def _seconds_for(self, question: Question) -> float:
        """How long marking one question may take: a judgement against the key, one per feedback rule."""
        return (1 + len(question.feedback)) * (self.judge_seconds + self.grace)

    def _worker_cwd(self) -> Path:
        """The grader's own folder, so that a bank given by a relative path is found there too
        (-P keeps that folder off the worker's import path)."""
        try:
            return Path(os.getcwd())
        except OSError:
            return super()._worker_cwd()


def _unjudged(exercise: QuizExercise, question: Question, answers: dict, reason: str) -> ItemResult:
    raw = answers.get(question.id)
    return ItemResult(exercise.id, question.id, question.id, 0, question.points, Status.ERROR,
                      unjudged_message(reason),
                      answer=None if raw is None else shown_answer(raw))


def unjudged_message(reason: str) -> str:
    """What an answer that could not be judged says, whether the judge or the grader gave up."""
    return _("could not judge this answer ({reason}); ask your instructor to review it").format(reason=reason)


def shown_answer(raw: object) -> str:
    """A student's answer as a report shows it: the text, or its repr, cut at 200 characters."""
    text = raw if isinstance(raw, str) else repr(raw)
    return text if len(text) <= 200 else text[:200] + "…"


def _item(reply: dict, request_id: int, exercise: QuizExercise, question: Question) -> ItemResult:
    """An item from the worker, checked field by field against the question it is for."""
    if "spec_error" in reply and reply.get("id") == request_id:
        raise _spec_error(reply["spec_error"])
    data = reply.get("item")
    statuses = {status.value: status for status in Status}
    if reply.get("id") != request_id or not isinstance(data, dict) or data.get("question") != question.id:
        raise QuizWorkerError(_("the quiz worker answered out of turn for {item}: {reason}").format(
            item=f"{exercise.id}/{question.id}", reason=str(reply.get("reason", reply))[:300]))
    most = data.get("max_score")
    score = data.get("score")
    fields_ok = (
        data.get("status") in statuses and most in (0, question.points)
        and isinstance(score, (int, float)) and math.isfinite(score) and 0 <= score <= most
        and all(isinstance(data.get(name), str) for name in ("message", "hint"))
        and (data.get("answer") is None or isinstance(data["answer"], str))
        and isinstance(data.get("duration"), (int, float))
    )
    if not fields_ok:
        raise QuizWorkerError(_("the quiz worker sent a malformed item for {item}").format(item=f"{exercise.id}/{question.id}"))
    return ItemResult(exercise.id, question.id, question.id, score, most, statuses[data["status"]], data["message"],
                      data["hint"], data["answer"], duration=float(data["duration"]))


def _spec_error(data: object) -> SpecError:
    if not (isinstance(data, dict) and isinstance(data.get("path"), str) and isinstance(data.get("message"), str)):
        raise QuizWorkerError(_("the quiz worker sent a malformed spec error"))
    line = data.get("line")
    return SpecError(data["path"], data["message"], line=line if isinstance(line, int) else None,
                     field=data.get("field") if isinstance(data.get("field"), str) else None,
                     fix=data.get("fix") if isinstance(data.get("fix"), str) else "")


def spec_error_data(error: SpecError) -> dict:
    """A SpecError as the worker sends it (`_spec_error` makes it again)."""
    return {"path": str(error.path), "message": error.detail, "line": error.line, "field": error.field, "fix": error.fix}


# -- answers as JSON: what a student's YAML can hold, types kept -------------------------------------
# JSON has lists, strings, numbers, true/false and null; YAML's safe loader also gives mappings
# with keys of any scalar type, dates, times, bytes, sets and tuples (!!pairs). Each of those
# travels as a one-key object naming its type, so the worker marks exactly what was read.

def answer_data(value: object) -> object:
    """`value` (as read from answers.yaml) as JSON data; `answer_from_data` reverses it."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [answer_data(v) for v in value]
    if isinstance(value, dict):
        return {"dict": [[answer_data(k), answer_data(v)] for k, v in value.items()]}
    if isinstance(value, (tuple, set, frozenset)):
        return {type(value).__name__: [answer_data(v) for v in value]}
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    raise TypeError(f"an answer holds a {type(value).__name__}, which YAML's safe loader never makes")


_TYPES = {"tuple": tuple, "set": set, "frozenset": frozenset}


def answer_from_data(data: object) -> object:
    if not isinstance(data, dict):
        return [answer_from_data(v) for v in data] if isinstance(data, list) else data
    (kind, inner), = data.items()
    if kind == "dict":
        return {answer_from_data(k): answer_from_data(v) for k, v in inner}
    if kind in _TYPES:
        return _TYPES[kind](answer_from_data(v) for v in inner)
    if kind == "bytes":
        return base64.b64decode(inner)
    return (datetime.datetime if kind == "datetime" else datetime.date).fromisoformat(inner)


_shared = SharedWorker(QuizWorker)
shared_quiz_worker = _shared.get  # the process-wide QuizWorker (its worker stops when Python exits)
start_shared = _shared.start  # start its worker now, without waiting: its sympy import overlaps the caller's
close_shared = _shared.close

