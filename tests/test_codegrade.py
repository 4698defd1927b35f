"""Grading corr2d and lenet for real: the sandboxed child, the checks, the results model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.bank.loading import load_exercise
from grader.bank.resources import bundled
from grader.checking.codegrade import CodeGrader
from grader.errors import SpecError
from grader.proofs.mutants import load_mutants
from grader.reports.results import Status

TESTS = Path(__file__).resolve().parent
SUBMISSIONS = TESTS / "submissions"
SOLUTIONS = bundled("solutions")


@pytest.fixture(scope="module")
def grader():
    with CodeGrader() as grader:
        yield grader


@pytest.fixture(scope="module")
def corr2d():
    return load_exercise(bundled("exercises") / "corr2d")


@pytest.fixture(scope="module")
def lenet():
    return load_exercise(bundled("exercises") / "lenet")


@pytest.mark.parametrize("folder", [SOLUTIONS / "corr2d", SUBMISSIONS / "other_style"])
def test_correct_conv_gets_full_marks(grader, corr2d, folder):
    result = grader.grade(corr2d, folder)
    assert result.score == result.max_score == 10, [i.message for i in result.items if i.message]
    assert [i.item_id for i in result.items] == [c.id for c in corr2d.checks]


@pytest.mark.parametrize("folder", [SOLUTIONS / "lenet", SUBMISSIONS / "other_style"])
def test_correct_lenet_gets_full_marks_whatever_its_style(grader, lenet, folder):
    result = grader.grade(lenet, folder)
    assert result.score == result.max_score == 13, [i.message for i in result.items if i.status == Status.FAILED]
    assert result.passed


def test_a_file_may_import_the_submissions_other_modules(grader, corr2d, tmp_path):
    """As the course code does: transformer.py imports from attention.py, here conv.py from ops.py."""
    (tmp_path / "ops.py").write_text((SOLUTIONS / "corr2d" / "conv.py").read_text())
    (tmp_path / "conv.py").write_text("from ops import Conv2D, corr2d, corr2d_multi_in, corr2d_multi_in_out, pool2d\n")
    result = grader.grade(corr2d, tmp_path)
    assert result.score == result.max_score, [i.message for i in result.items if i.message]
    (tmp_path / "ops.py").unlink()
    broken = grader.grade(corr2d, tmp_path)
    assert broken.score == 0 and "No module named 'ops'" in broken.items[0].message


def test_cuda_items_are_skipped_without_a_gpu_and_cost_nothing(grader, lenet):
    if grader.cuda:
        pytest.skip("this machine has a GPU")
    items = {i.item_id: i for i in grader.grade(lenet, SOLUTIONS / "lenet").items}
    assert items["output-shape@cuda"].status == Status.SKIPPED
    assert items["output-shape@cuda"].max_score == 0 and items["output-shape"].max_score == 2
    assert items["output-shape"].device == "cpu" and items["parameter-count"].device is None
    assert "parameter-count@cuda" not in items  # checks without a device fixture run once


def test_missing_file_is_not_submitted(grader, corr2d, tmp_path):
    result = grader.grade(corr2d, tmp_path)
    assert result.score == 0 and result.max_score == 10
    assert {i.status for i in result.items} == {Status.NOT_SUBMITTED}
    assert all(i.message == "conv.py not submitted" for i in result.items)
    assert result.message == "conv.py not submitted"


def test_public_only_runs_public_checks_and_counts_the_hidden(grader, corr2d):
    result = grader.grade(corr2d, SOLUTIONS / "corr2d", public_only=True)
    assert [i.item_id for i in result.items] == ["corr2d-example", "pool-max"]
    assert result.hidden_remaining == 6
    assert not any(i.hidden for i in result.items)


def test_student_exception_names_their_line_and_missing_symbols(grader, corr2d):
    items = {i.item_id: i for i in grader.grade(corr2d, SUBMISSIONS / "broken").items}
    assert items["corr2d-example"].status == Status.PASSED
    assert items["corr2d-random"].message == "your code raised ValueError: only square kernels, sorry at conv.py line 9"
    assert items["pool-max"].message == "conv.py does not define pool2d"
    assert items["corr2d-random"].hidden and not items["corr2d-example"].hidden


def test_hidden_messages_show_no_check_source(grader, corr2d, tmp_path):
    flipped = next(m for m in load_mutants(SOLUTIONS, corr2d) if m.name == "flipped_kernel")
    (tmp_path / "conv.py").write_text(flipped.source)
    result = grader.grade(corr2d, tmp_path)
    check_lines = {line.strip() for f in (corr2d.folder / "checks").glob("*.py") for line in f.read_text().splitlines()
                   if len(line.strip()) > 25 and not line.strip().startswith(("hint=", '"', "f\"", "assert"))}
    for item in result.items:
        assert "Traceback" not in item.message and "checks/" not in item.message
        assert not any(line in item.message for line in check_lines)


def test_syntax_error_says_where(grader, corr2d, tmp_path):
    (tmp_path / "conv.py").write_text("import torch\n\ndef corr2d(X, K)\n    return X\n")
    result = grader.grade(corr2d, tmp_path)
    assert result.score == 0
    assert result.message.startswith("conv.py has a syntax error at line 3")
    assert all(i.message == result.message for i in result.items)


def test_protections_are_named_flags(grader):
    protections = grader.protections
    assert all(isinstance(name, str) and isinstance(on, bool) for name, on in protections)
    assert {"time-limits", "rlimits", "landlock", "filesystem-view", "no-network"} <= dict(protections).keys()


def _copy_probe(tmp_path: Path) -> Path:
    folder = tmp_path / "probe"
    shutil.copytree(TESTS / "sandbox_bank" / "probe", folder)
    return folder


def test_spec_check_without_function_is_a_spec_error(grader, tmp_path):
    folder = _copy_probe(tmp_path)
    spec = folder / "spec.yaml"
    spec.write_text(spec.read_text() + "  - id: triples\n    points: 1\n")
    with pytest.raises(SpecError, match="'triples' has no test function"):
        grader.grade(load_exercise(folder), SOLUTIONS)


def test_function_without_spec_entry_is_a_spec_error(grader, tmp_path):
    folder = _copy_probe(tmp_path)
    (folder / "public").mkdir()
    (folder / "public" / "extra.py").write_text("def test_extra(submission):\n    pass\n")
    with pytest.raises(SpecError, match="'extra' has no entry"):
        grader.grade(load_exercise(folder), SOLUTIONS)


def test_unknown_fixture_is_a_spec_error(grader, tmp_path):
    folder = _copy_probe(tmp_path)
    (folder / "checks" / "doubling.py").write_text(
        "def test_doubles(submission, tmp_path):\n    pass\n\ndef test_doubles_again(submission):\n    pass\n")
    with pytest.raises(SpecError, match="fixture 'tmp_path'"):
        grader.grade(load_exercise(folder), SOLUTIONS)
