"""The quiz worker process: the judge worker (grader.judge.worker) that also marks quizzes.

Started by `grader.quiz.process.QuizWorker` as ``python -P -m grader.quiz.worker``. Besides
the judge's requests it serves two of its own:

- `mark`: an exercise's spec, a student's id and answers -> one `item` line per question
  (or one `spec_error` line where no variant can be drawn), in the spec's order;
- `names`: quiz specs -> the `errors` that loading's name checks find in them.

Answers are judged here, in the worker's main thread, each judgement under the judge
worker's own alarm; the grader kills the worker if even that does not come back in time.
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.bank.loading import check_names_of
from grader.bank.spec import QuizExercise
from grader.errors import SpecError, SpecErrors
from grader.judge.judgement import Judgement
from grader.judge.process import Judgements, read_judgement
from grader.judge.worker import Send, handle, serve, stall_unstoppably
from grader.quiz.marking import mark_questions
from grader.quiz.process import MAX_SPECS, answer_from_data, spec_error_data

_specs: dict[tuple[str, str], QuizExercise] = {}
_judgements = Judgements()


def judge_here(candidate, key, domains, constraints=(), *, time_limit: float) -> Judgement:
    """The judge worker's judging, in this process: the same request, alarm and verdicts."""
    return _judgements.judge(candidate, key, domains, constraints, time_limit=time_limit,
                             answer=lambda request, _: read_judgement(handle({**request, "id": 0}), 0))


def exercise_of(request: dict) -> QuizExercise:
    """The request's exercise, rebuilt from its model's JSON (once: later requests reuse it)."""
    key = (request["folder"], json.dumps(request["exercise"], sort_keys=True))
    if key not in _specs:
        if len(_specs) >= MAX_SPECS:
            _specs.clear()
        _specs[key] = QuizExercise.model_validate({**request["exercise"], "folder": Path(request["folder"])})
    return _specs[key]


def respond(request: dict, send: Send) -> None:
    op = request.get("op")
    if op == "mark":
        _mark(request, send)
    elif op == "names":
        try:
            check_names_of([exercise_of(spec) for spec in request["exercises"]])
            errors = []
        except SpecErrors as found:
            errors = [spec_error_data(error) for error in found.errors]
        send({"id": request["id"], "errors": errors})
    else:
        send(handle(request))  # a judge request, as the judge worker answers it


def _mark(request: dict, send: Send) -> None:
    exercise = exercise_of(request)
    answers = answer_from_data(request["answers"])
    stall = request.get("test_stall") or {}
    try:
        for item in mark_questions(exercise, answers, request["student"], judge_here, skip=set(request["skip"])):
            stall_unstoppably(float(stall.get(item.item_id, 0)))  # test hook: this question overruns
            send({"id": request["id"], "item": {
                "question": item.item_id, "score": item.score, "max_score": item.max_score, "status": item.status.value,
                "message": item.message, "hint": item.hint, "answer": item.answer, "duration": item.duration}})
    except SpecError as error:
        send({"id": request["id"], "spec_error": spec_error_data(error)})


if __name__ == "__main__":
    serve(respond)
