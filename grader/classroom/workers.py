"""Grading worker processes: each a fresh interpreter with its own warm sandbox zygote.

Workers are started with the `spawn` context (never a fork of a process that may have
run torch ops), load the bank once, start one runner (`runner_for`) and grade many
submissions with it. Tasks and results cross the pipe as JSON bytes: results hold
student-written text, so nothing coming back is unpickled. A worker that dies or
overruns its deadline fails only the submission it held; a fresh worker takes its place.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from grader.errors import CheckError, GraderError


@dataclass(frozen=True)
class Outcome:
    """How one submission went: `result` is plain data (resultdata), else `error` says why not."""

    index: int
    result: dict | None
    error: str = ""
    peak_rss_kb: int = 0  # the worker's peak resident memory so far
    worker: int = 0  # which worker slot graded it
    where: str = ""  # on a cluster: the address of the Dask worker that graded it


def feedback_rules(result, exercises) -> dict[str, str]:
    """Item name -> the author's message of the feedback rule a wrong quiz answer matched.

    `ItemResult.hint` holds either that message or the question's general hint; only the
    former names a known mistake, which is what the class report counts.
    """
    from grader.bank.prompts import render_text
    from grader.bank.spec import QuizExercise
    from grader.bank.variants import draw

    quizzes = {e.id: e for e in exercises if isinstance(e, QuizExercise)}
    rules = {}
    for item in result.items:
        exercise = quizzes.get(item.exercise_id)
        if exercise is None or not item.hint:
            continue
        question = exercise.question(item.item_id)
        general = render_text(question.hint, draw(exercise, result.student_id)) if question and question.hint else ""
        if item.hint != general:
            rules[item.name] = item.hint
    return rules


def _send(conn: Connection, message: dict) -> None:
    conn.send_bytes(json.dumps(message).encode())


def _serve(conn: Connection, bank: str, public_only: bool, root_child: str = "refuse",
           budget_seconds: float | None = None, only: Sequence[str] = ()) -> None:
    """The worker's main loop (run in the spawned process).

    The runner's sandbox is made ready before the worker says so: one whose children would
    be root stops the batch (unless `root_child` allows it) before any student code runs.
    `only`: the exercises to grade (all when empty).
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from grader.bank.loading import load_bank
    from grader.classroom.gradebook import FEEDBACK_RULES
    from grader.grading import grade_submission, runner_for
    from grader.reports.resultdata import submission_to_data

    try:
        exercises = load_bank(Path(bank))
        graded = [e for e in exercises if not only or e.id in only]
        while True:  # one runner per pass; a crash of ours while grading gets a fresh one
            with ExitStack() as stack:
                try:
                    runner = stack.enter_context(runner_for(graded, root_child=root_child))
                    if runner is not None:
                        runner.protections  # noqa: B018 - waits for the sandbox, refuses a root child
                except GraderError as error:
                    _send(conn, {"fatal": f"a grading worker could not start: {error}"})
                    return
                except Exception as error:  # the bank changed under us, or no sandbox: stop the batch
                    _send(conn, {"fatal": f"a grading worker could not start: {type(error).__name__}: {error}"})
                    return
                _send(conn, {"ready": True})
                while True:
                    task = json.loads(conn.recv_bytes())
                    if task is None:
                        return
                    try:
                        result = grade_submission(Path(task["folder"]), exercises, public_only=public_only, runner=runner,
                                                  budget_seconds=budget_seconds, only=set(only) or None)
                        result.extra[FEEDBACK_RULES] = feedback_rules(result, exercises)
                        message = {"index": task["index"], "result": submission_to_data(result)}
                    except CheckError as error:  # a broken check would misgrade everyone: stop the batch
                        _send(conn, {"fatal": str(error)})
                        return
                    except Exception as error:  # our own bug on this submission: record it, go on
                        message = {"index": task["index"], "error": f"internal error while grading: {type(error).__name__}: {error}"}
                    message["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                    _send(conn, message)
                    if "error" in message:
                        break
    except (EOFError, OSError, KeyboardInterrupt):  # the parent is gone: stop quietly
        return
    except Exception as error:
        _send(conn, {"fatal": f"a grading worker could not start: {type(error).__name__}: {error}"})


class _Worker:
    def __init__(self, context, serve, bank: Path, public_only: bool, slot: int, root_child: str = "refuse",
                 budget_seconds: float | None = None, only: Sequence[str] = ()):
        self.slot = slot
        self.conn, theirs = context.Pipe()
        options = {"root_child": root_child} if root_child != "refuse" else {}  # stand-in serves take none
        if budget_seconds is not None:
            options["budget_seconds"] = budget_seconds
        if only:
            options["only"] = list(only)
        self.process = context.Process(target=serve, args=(theirs, str(bank), public_only), kwargs=options,
                                       name="grader-worker")
        self.process.start()
        theirs.close()
        self.ready = False
        self.task: tuple[int, float] | None = None  # (index, deadline start)

    def give(self, index: int, folder: Path) -> None:
        _send(self.conn, {"index": index, "folder": str(folder)})
        self.task = (index, time.monotonic())

    def stop(self, grace: float = 10.0) -> None:
        try:
            _send(self.conn, None)
        except OSError:
            pass
        self.process.join(grace)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class WorkerPool:
    """`jobs` workers grading folders of one bank; `run` yields an Outcome per folder as each ends."""

    def __init__(self, bank: Path, jobs: int, *, public_only: bool = False, deadline: float = 600.0, serve=_serve,
                 root_child: str = "refuse", budget_seconds: float | None = None, only: Sequence[str] = ()):
        self.bank, self.jobs, self.public_only, self.deadline = Path(bank), max(1, jobs), public_only, deadline
        self.budget_seconds = budget_seconds  # each submission's, else the bank's (grading.submission_budget)
        self.only = tuple(only)  # the exercises to grade (`grade -e`), all when empty
        self.root_child = root_child  # see grader.sandbox.launcher.Sandbox.root_child
        self.serve = serve  # the worker's main function; tests pass a stand-in that misbehaves
        self.context = multiprocessing.get_context("spawn")

    def run(self, folders: Sequence[Path]) -> Iterator[Outcome]:
        pending = deque(enumerate(folders))
        workers = [self._start(slot) for slot in range(min(self.jobs, len(folders)))]
        try:
            while pending or any(w.task for w in workers):
                for worker in workers:
                    if worker.task is None and pending:
                        worker.give(*pending.popleft())
                wait([w.conn for w in workers] + [w.process.sentinel for w in workers], timeout=1.0)
                for position, worker in enumerate(workers):
                    outcome, alive = self._poll(worker)
                    if outcome is not None:
                        yield outcome
                    if not alive:
                        worker.stop(grace=0)
                        workers[position] = self._start(position)
        finally:
            for worker in workers:
                worker.stop()

    def _start(self, slot: int) -> _Worker:
        return _Worker(self.context, self.serve, self.bank, self.public_only, slot, self.root_child, self.budget_seconds,
                       self.only)

    def _poll(self, worker: _Worker) -> tuple[Outcome | None, bool]:
        """(an outcome if the worker finished or lost its task, whether it can go on)."""
        try:
            while worker.conn.poll():
                message = json.loads(worker.conn.recv_bytes())
                if "fatal" in message:
                    raise GraderError(message["fatal"])
                if message.get("ready"):
                    worker.ready = True
                    if worker.task:
                        worker.task = (worker.task[0], time.monotonic())
                    continue
                worker.task = None
                return Outcome(message["index"], message.get("result"), message.get("error", ""),
                               message.get("peak_rss_kb", 0), worker.slot), True
        except (EOFError, OSError):
            pass  # it died; its sentinel says so below
        if not worker.process.is_alive():
            if not worker.ready:
                raise GraderError(f"a grading worker died while starting (exit code {worker.process.exitcode})")
            return self._lost(worker, f"the grading worker died (exit code {worker.process.exitcode}) while grading it"), False
        if worker.task and worker.ready and time.monotonic() - worker.task[1] > self.deadline:
            worker.process.kill()
            return self._lost(worker, f"grading took longer than {self.deadline:.0f} s; the worker was stopped"), False
        return None, True

    def _lost(self, worker: _Worker, message: str) -> Outcome | None:
        task, worker.task = worker.task, None
        return Outcome(task[0], None, message, worker=worker.slot) if task else None
