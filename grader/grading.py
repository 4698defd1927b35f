"""Grading one submission against a bank: quizzes here, code exercises through the runner."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from grader import __version__
from grader.bank.spec import CodeExercise, QuizExercise
from grader.checking.session import Budget
from grader.i18n import N_, _, listed
from grader.reports.results import ExerciseResult, SubmissionResult
from grader.submissions.reading import read_submission

NO_ANSWER_FOR = N_("no answer in answers.yaml for {questions}")  # grader.classroom.troubles reads it

if TYPE_CHECKING:  # quizzes are marked in the quiz worker, and sympy is imported there, not here
    from grader.quiz.process import QuizWorker


class CodeRunner(Protocol):
    """What grading needs of the sandboxed runner (grader.checking.codegrade.CodeGrader)."""

    protections: tuple[tuple[str, bool], ...]

    def prepare(self, exercise: CodeExercise) -> None:
        """Import the exercise's checks and reference now, before exercises are graded at once."""

    def grade(self, exercise: CodeExercise, submission_dir: Path, *, public_only: bool = False,
              budget: Budget | None = None) -> ExerciseResult: ...


def grade_quiz(exercise: QuizExercise, answers: dict[str, object] | None, student_id: str,
               worker: QuizWorker | None = None) -> ExerciseResult:
    """Mark every question of `exercise` for `student_id`'s variant, in the quiz worker
    (grader.quiz.process): the process-wide one unless `worker` is given."""
    from grader.quiz.process import shared_quiz_worker

    items = (worker or shared_quiz_worker()).mark(exercise, answers or {}, student_id)
    missing = [q.id for q in exercise.questions if q.answer is not None and (answers or {}).get(q.id) is None]
    answered = any(value is not None for value in (answers or {}).values())
    message = (_("not answered in answers.yaml") if not answered else
               _(NO_ANSWER_FOR).format(questions=listed(missing)) if missing else "")
    return ExerciseResult(exercise.id, exercise.title, exercise.kind, exercise.topic, tuple(items), message)


def _at_once(grade_quizzes: Callable[[], dict[str, ExerciseResult]], grade_code: Callable[[CodeExercise], ExerciseResult],
             code: list[CodeExercise], runner: CodeRunner, jobs: int) -> dict[str, ExerciseResult]:
    """Quizzes in one thread and code exercises in `jobs` more, all at once: the grader's side
    mostly waits on the quiz worker and the children, or runs torch, which frees the GIL. Checks and
    references are imported first, one by one, since their imports seed torch."""
    for exercise in code:
        runner.prepare(exercise)
    quiz_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grader-quizzes")
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grader-exercise")
    try:
        quizzes = quiz_thread.submit(grade_quizzes)
        futures = [(exercise.id, pool.submit(grade_code, exercise)) for exercise in code]
        return {**quizzes.result(), **{name: future.result() for name, future in futures}}
    finally:
        for executor in (quiz_thread, pool):
            executor.shutdown(wait=False, cancel_futures=True)  # on an error, what runs ends with its sandbox


def submission_budget(exercises: Sequence[QuizExercise | CodeExercise]) -> float:
    """The default wall-clock seconds for a submission's code: the shares (`limits.budget_seconds`)
    of the code exercises graded. Far below the sum of their `exercise_seconds`, so students who
    sleep just under every limit hold a batch for minutes, not half an hour."""
    return sum(e.limits.budget_seconds for e in exercises if isinstance(e, CodeExercise))


def runner_for(exercises: Sequence[QuizExercise | CodeExercise], sandbox=None,
               root_child: str = "refuse") -> AbstractContextManager[CodeRunner | None]:
    """A sandbox runner when `exercises` hold code, else nothing to start.

    `sandbox` is one the caller started early (see grader.sandbox.launcher.Sandbox); otherwise
    its zygote starts here, before torch is imported in this process, so the two overlap,
    with `root_child` as its policy for children that would be root.
    """
    if not any(isinstance(e, CodeExercise) for e in exercises):
        if sandbox is not None:
            sandbox.close()  # started early for nothing
        return nullcontext()
    if sandbox is None:
        from grader.sandbox.launcher import Sandbox  # no torch in this import

        sandbox = Sandbox(root_child=root_child)
        sandbox.start()
    from grader.checking.codegrade import CodeGrader

    return CodeGrader(sandbox=sandbox)


def grade_submission(
    folder: Path,
    exercises: Sequence[QuizExercise | CodeExercise],
    *,
    public_only: bool = False,
    runner: CodeRunner | None = None,
    quiz_worker: QuizWorker | None = None,
    on_exercise: Callable[[str], None] = lambda exercise_id: None,
    only: Collection[str] | None = None,
    budget_seconds: float | None = None,
    jobs: int = 1,
    names_checked: bool = True,
    student_id: str | None = None,
) -> SubmissionResult:
    """Grade `folder` on `exercises` (those named in `only`, when given).

    Answers are read against the whole bank, so answers to exercises left out by `only` are
    not mistaken for unknown ones. Each quiz answer is judged under its own short time limit.
    Code exercises need a `runner` (see `runner_for`); their checks share one wall-clock
    budget, `budget_seconds` (default: `submission_budget`), from the first check on (its sandbox ready);
    once it is spent the rest fail with its message. Quizzes are graded first (while a sandbox
    started early finishes starting), or with `jobs` > 1 beside the code, whose exercises are
    then graded `jobs` at once, each in its own child: a single submission's check on an idle
    machine (a class is parallel by submissions instead). Results keep the bank's order.
    Exercises loaded without their name checks (`names_checked=False`, see
    grader.bank.loading.check_names_of) have them run first in the quizzes' lane: a problem
    raises SpecErrors, as loading would have. `student_id`: who submitted, where a platform
    has authenticated them (Gradescope): it seeds the quizzes whatever the folder says.
    """
    started = time.perf_counter()
    chosen = [e for e in exercises if only is None or e.id in only]
    seconds = submission_budget(chosen) if budget_seconds is None else budget_seconds
    quizzes = {e.id: e for e in exercises if isinstance(e, QuizExercise)}
    submission = read_submission(Path(folder), quizzes)
    if student_id is not None:
        submission.student_id = student_id
    if runner is None and any(isinstance(e, CodeExercise) for e in chosen):
        raise RuntimeError("code exercises need a runner")
    code = [e for e in chosen if isinstance(e, CodeExercise)]
    problems = list(submission.problems)
    if code:  # a notebook feeds code exercises only: a quiz-only check never reads one
        from grader.submissions.notebooks import notebook_problems

        problems += notebook_problems(Path(folder), graded={e.file for e in code})

    def grade_quizzes() -> dict[str, ExerciseResult]:
        if not names_checked:
            from grader.quiz.process import shared_quiz_worker

            (quiz_worker or shared_quiz_worker()).check_names(chosen)
        graded = {}
        for exercise in (e for e in chosen if isinstance(e, QuizExercise)):
            on_exercise(exercise.id)
            graded[exercise.id] = grade_quiz(exercise, submission.answers.get(exercise.id), submission.student_id,
                                             quiz_worker)
        return graded

    def grade_code(exercise: CodeExercise) -> ExerciseResult:
        on_exercise(exercise.id)
        return runner.grade(exercise, Path(folder), public_only=public_only, budget=budget)

    budget = Budget(seconds)  # its clock starts when the first check is about to run
    if jobs > 1 and code:
        results = _at_once(grade_quizzes, grade_code, code, runner, jobs)
    else:
        results = grade_quizzes()  # first: a sandbox started early finishes starting meanwhile
        results.update((e.id, grade_code(e)) for e in code)
    return SubmissionResult(
        student_id=submission.student_id,
        submission=str(folder),
        exercises=tuple(results[e.id] for e in chosen),
        problems=tuple(problems),
        protections=runner.protections if runner else (),
        public_only=public_only,
        duration=time.perf_counter() - started,
        grader_version=__version__,
    )
