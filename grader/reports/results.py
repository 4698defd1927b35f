"""Plain result models: what grading produced, with no rendering in them.

Every report format (terminal, HTML, Markdown, Gradescope JSON) and the gradebook read
these and nothing else. Student faults live here as data (a status and a message),
never as exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from grader.i18n import N_, _


class Status(str, Enum):
    """How one question or one check ended."""

    PASSED = "passed"  # full marks
    PARTIAL = "partial"  # some marks (multi-select, partly right)
    FAILED = "failed"  # wrong answer, failed assertion, crash of the student's code
    ERROR = "error"  # could not be judged: malformed answer, timeout of the judge
    NOT_SUBMITTED = "not_submitted"  # missing file, exercise or answer
    SKIPPED = "skipped"  # not applicable here (a CUDA check without a GPU)

    @property
    def counts_as_pass(self) -> bool:
        return self in (Status.PASSED, Status.SKIPPED)

    @property
    def word(self) -> str:
        """The verdict in the language spoken: "passed", "not submitted", ..."""
        return _(STATUS_WORDS[self])


STATUS_WORDS = {Status.PASSED: N_("passed"), Status.PARTIAL: N_("partial"), Status.FAILED: N_("failed"),
                Status.ERROR: N_("error"), Status.NOT_SUBMITTED: N_("not submitted"), Status.SKIPPED: N_("skipped")}


@dataclass(frozen=True)
class Override:
    """An instructor's hand-set score on an item or a whole exercise (`grader override`).

    It stands over every regrading; `graded` is the score the grading under it gives now,
    `graded_then` the one it gave when the override was made: when they differ, the
    override was decided on another grade and is worth a second look (`changed`).
    """

    score: float
    comment: str
    made_at: str  # ISO 8601, UTC
    graded: float
    graded_then: float

    @property
    def changed(self) -> bool:
        return round(self.graded, 6) != round(self.graded_then, 6)


@dataclass(frozen=True)
class ItemResult:
    """One question of a quiz or one check of a code exercise."""

    exercise_id: str
    item_id: str
    title: str
    score: float
    max_score: float
    status: Status
    message: str = ""  # what happened, in the grader's words
    hint: str = ""  # the author's feedback for this answer or check
    answer: str | None = None  # the student's answer as given (quizzes only)
    hidden: bool = False  # a hidden check: never show its source or inputs
    device: str | None = None  # code checks: cpu or cuda
    duration: float = 0.0
    crash: str = ""  # code checks, for authors only: where the check broke by an error rather than failed by assertion
    override: Override | None = None  # an instructor's score over the graded one (then `score` is the override's)

    @property
    def name(self) -> str:
        """The stable name used in results.json and the gradebook."""
        return f"{self.exercise_id}/{self.item_id}"

    @property
    def check_id(self) -> str:
        """The question or check this item is of, without a device suffix (`matches-reference@cuda`)."""
        return self.item_id.split("@")[0]


@dataclass(frozen=True)
class ExerciseResult:
    """All items of one exercise for one submission."""

    exercise_id: str
    title: str
    kind: str
    topic: str
    items: tuple[ItemResult, ...]
    message: str = ""  # e.g. "conv.py not submitted" or "import failed: ..."
    hidden_remaining: int = 0  # checks not run because only public checks were asked for
    override: Override | None = None  # an instructor's score for the whole exercise, over its items' sum
    edition: str = ""  # code exercises: the edition of the course the submission was read as (grader.checking.editions)

    @property
    def graded_score(self) -> float:
        """What the items add up to, whatever an override says."""
        return sum(item.score for item in self.items)

    @property
    def score(self) -> float:
        return self.override.score if self.override is not None else self.graded_score

    @property
    def max_score(self) -> float:
        return sum(item.max_score for item in self.items)

    @property
    def passed(self) -> bool:
        return all(item.status.counts_as_pass for item in self.items)


@dataclass(frozen=True)
class SubmissionResult:
    """The grading of one submission folder: the one model every report renders."""

    student_id: str
    submission: str  # the folder, as given
    exercises: tuple[ExerciseResult, ...]
    problems: tuple[str, ...] = ()  # submission-level problems, e.g. unreadable answers.yaml
    protections: tuple[tuple[str, bool], ...] = ()  # sandbox layers and whether each was on
    public_only: bool = False
    duration: float = 0.0
    grader_version: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def score(self) -> float:
        return sum(exercise.score for exercise in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(exercise.max_score for exercise in self.exercises)

    @property
    def items(self) -> tuple[ItemResult, ...]:
        return tuple(item for exercise in self.exercises for item in exercise.items)

    @property
    def hidden_remaining(self) -> int:
        return sum(exercise.hidden_remaining for exercise in self.exercises)

    @property
    def overrides(self) -> tuple[tuple[str, Override], ...]:
        """(`exercise` or `exercise/item`, its override) of every override in this result."""
        found = []
        for exercise in self.exercises:
            if exercise.override is not None:
                found.append((exercise.exercise_id, exercise.override))
            found += [(item.name, item.override) for item in exercise.items if item.override is not None]
        return tuple(found)

    @property
    def passed(self) -> bool:
        return not self.problems and all(exercise.passed for exercise in self.exercises)
