"""Results as plain data: JSON-ready dicts built from the result models, and back.

Grading workers send their results to the batch's parent this way (never as a pickle:
results hold student-written text), and the gradebook rebuilds a SubmissionResult from
its rows through `submission_from_data`, so every report renders a stored grading too.
"""

from __future__ import annotations

from dataclasses import asdict, fields

from grader.reports.results import ExerciseResult, ItemResult, Override, Status, SubmissionResult


def submission_to_data(result: SubmissionResult) -> dict:
    """`result` as nested dicts, lists, strings and numbers (statuses by value)."""
    data = asdict(result)
    for exercise in data["exercises"]:
        for item in exercise["items"]:
            item["status"] = Status(item["status"]).value
    return data


def item_from_data(data: dict) -> ItemResult:
    known = {f.name for f in fields(ItemResult)}
    values = {k: v for k, v in data.items() if k in known}
    return ItemResult(**{**values, "status": Status(data["status"]), "hidden": bool(data.get("hidden", False)),
                         "override": _override(data.get("override"))})


def _override(data: dict | None) -> Override | None:
    return Override(**{f.name: data[f.name] for f in fields(Override)}) if data else None


def exercise_from_data(data: dict) -> ExerciseResult:
    items = tuple(item_from_data(item) for item in data.get("items", ()))
    return ExerciseResult(data["exercise_id"], data["title"], data["kind"], data["topic"], items,
                          data.get("message", ""), data.get("hidden_remaining", 0), _override(data.get("override")),
                          data.get("edition", ""))


def submission_from_data(data: dict) -> SubmissionResult:
    """The inverse of `submission_to_data`; unknown keys are ignored."""
    return SubmissionResult(
        student_id=data["student_id"],
        submission=data["submission"],
        exercises=tuple(exercise_from_data(e) for e in data.get("exercises", ())),
        problems=tuple(data.get("problems", ())),
        protections=tuple((name, bool(on)) for name, on in data.get("protections", ())),
        public_only=bool(data.get("public_only", False)),
        duration=float(data.get("duration", 0.0)),
        grader_version=data.get("grader_version", ""),
        extra=dict(data.get("extra") or {}),
    )
