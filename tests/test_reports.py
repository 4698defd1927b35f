"""Reports: every format from one results model, checked against golden files."""

import json

from rich.console import Console

from grader.reports.render import print_terminal, render
from grader.reports.results import ExerciseResult, ItemResult, Status, SubmissionResult

HOSTILE = "<script>alert(1)</script> [bold red]forged[/] | cell"


def sample_result() -> SubmissionResult:
    quiz = ExerciseResult("conv-params", "Parameters of a convolution layer", "quiz", "cnn-basics", (
        ItemResult("conv-params", "count", "count", 0, 2, Status.FAILED, "not correct",
                   "One bias per output channel is missing.", "270"),
        ItemResult("conv-params", "ratio", "ratio", 1, 1, Status.PASSED, "correct", answer="0.333"),
        ItemResult("conv-params", "gates", "gates", 1.5, 3, Status.PARTIAL, "partly right", answer="[a, d]"),
        ItemResult("conv-params", "free-text", "free-text", 0, 1, Status.ERROR, "could not read the answer: " + HOSTILE, answer=HOSTILE),
        ItemResult("conv-params", "shape", "shape", 0, 1, Status.NOT_SUBMITTED, "no answer given"),
    ))
    code = ExerciseResult("lenet", "LeNet", "code", "cnn-lenet", (
        ItemResult("lenet", "output-shape", "Output shape", 2, 2, Status.PASSED, "passed", device="cpu"),
        ItemResult("lenet", "param-count", "Parameter count", 0, 1, Status.FAILED,
                   "expected 61,706 parameters, got 61,516", hidden=True, device="cpu"),
        ItemResult("lenet", "output-shape@cuda", "Output shape", 0, 2, Status.SKIPPED, "no GPU here", device="cuda"),
    ), hidden_remaining=0)
    return SubmissionResult("ada", "examples/submission", (quiz, code),
                            problems=("answers.yaml: unknown exercise 'conv-paramz' (did you mean 'conv-params'?)",),
                            protections=(("pid namespace", True), ("network namespace", False)),
                            duration=1.25, grader_version="0.1.0")


def test_json_is_gradescope_results(golden):
    text = render(sample_result(), "json")
    data = json.loads(text)
    assert data["score"] == 4.5 and data["max_score"] == 13
    names = [t["name"] for t in data["tests"]]
    assert names[:2] == ["conv-params/count", "conv-params/ratio"] and "lenet/param-count" in names
    statuses = {t["name"]: t["status"] for t in data["tests"]}
    assert statuses["lenet/output-shape@cuda"] == "passed"  # a skipped CUDA check is never a failure
    assert statuses["conv-params/gates"] == "failed"  # partial credit is not a pass
    assert all(set(t) >= {"name", "score", "max_score", "status", "output", "visibility"} for t in data["tests"])
    golden("report.json", text)


def test_html_is_self_contained_and_escapes_student_text(golden):
    text = render(sample_result(), "html")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "http://" not in text and "https://" not in text and "<link" not in text
    golden("report.html", text)


def test_html_folds_full_marks_and_opens_what_lost_points():
    from dataclasses import replace

    result = sample_result()
    perfect = ExerciseResult("pooling", "Pooling", "quiz", "cnn", (
        ItemResult("pooling", "channels", "channels", 1, 1, Status.PASSED, "correct", answer="6"),))
    text = render(replace(result, exercises=(*result.exercises, perfect)), "html")
    sections = {s.split('"', 1)[0]: s for s in text.split('<section id="')[1:]}
    assert "<details open>" in sections["conv-params"] and "<details open>" in sections["lenet"]
    assert "<details>" in sections["pooling"]  # folded: nothing to fix there
    overview = text.split('class="overview"', 1)[1].split("</section>", 1)[0]
    assert [a.split('"', 1)[0] for a in overview.split('href="#')[1:]] == ["conv-params", "lenet", "pooling"]
    assert "Parameter count" in sections["lenet"]  # a check's title is shown under its id


def test_markdown_tables_survive_hostile_text(golden):
    text = render(sample_result(), "md")
    row = next(line for line in text.splitlines() if line.startswith("| ! | free-text"))
    assert row.count(" | ") == 3  # the student's '|' did not add a column
    assert "<script>" not in text
    golden("report.md", text)


def test_terminal_report_shows_markup_as_text(golden):
    console = Console(record=True, width=100, color_system=None, force_terminal=False)
    print_terminal(sample_result(), console)
    text = console.export_text()
    assert "[bold red]forged[/]" in text  # printed literally, not interpreted
    assert "Total 4.5/13" in text and "network namespace unavailable" in text
    golden("report.txt", text)


def test_course_templates_override_the_bundled_ones(tmp_path):
    (tmp_path / "report.md.j2").write_text("custom {{ r.student_id }} {{ r.score | points }}\n")
    assert render(sample_result(), "md", tmp_path) == "custom ada 4.5\n"
    assert render(sample_result(), "html", tmp_path).startswith("<!DOCTYPE html>")
