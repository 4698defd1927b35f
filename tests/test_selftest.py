"""selftest: references at full marks, every mutant loses points in the checks it names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.codegrade import CodeGrader
from grader.errors import SpecError
from grader.selftest import selftest

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def grader():
    with CodeGrader() as grader:
        yield grader


def test_bundled_bank_is_proven(grader):
    result = selftest(["corr2d", "lenet"], grader=grader)
    assert result.ok, [(m.name, m.caught_by, m.lost) for m in result.mutants if not m.caught]
    assert result.mutation_score == 1.0
    assert {r.exercise_id for r in result.references} == {"corr2d", "lenet"}
    names = {m.name for m in result.mutants}
    assert {"flipped_kernel", "off_by_one", "avg_is_max", "no_padding", "max_pooling", "wrong_dense_sizes"} <= names
    assert all(m.mistake and not m.mistake.startswith("caught-by") for m in result.mutants)


def _probe_bank(tmp_path: Path, mutants: dict[str, str]) -> tuple[Path, Path]:
    bank, solutions = tmp_path / "bank", tmp_path / "solutions"
    shutil.copytree(TESTS / "sandbox_bank", bank)
    shutil.copytree(TESTS / "sandbox_bank_solutions", solutions)
    (solutions / "probe" / "mutants").mkdir()
    for name, text in mutants.items():
        (solutions / "probe" / "mutants" / f"{name}.py").write_text(text)
    return bank, solutions


def test_a_surviving_mutant_fails_the_selftest(grader, tmp_path):
    bank, solutions = _probe_bank(tmp_path, {
        "halves": '"""Halves instead of doubling.\n\ncaught-by: doubles\n"""\n\ndef double(x):\n    return x / 2\n',
        "survivor": '"""Looks wrong, is right.\n\ncaught-by: doubles-again\n"""\n\ndef double(x):\n    return x + x\n',
    })
    result = selftest(bank=bank, solutions=solutions, grader=grader)
    outcome = {m.name: m for m in result.mutants}
    assert outcome["halves"].caught and outcome["halves"].lost == ("doubles", "doubles-again")
    assert not outcome["survivor"].caught and outcome["survivor"].lost == ()
    assert result.mutation_score == 0.5 and not result.ok


def test_a_reference_that_loses_points_fails_the_selftest(grader, tmp_path):
    bank, solutions = _probe_bank(tmp_path, {})
    (solutions / "probe" / "probe.py").write_text("def double(x):\n    return x\n")
    result = selftest(bank=bank, solutions=solutions, grader=grader)
    assert not result.references[0].full_marks and not result.ok


@pytest.mark.parametrize("text, problem", [
    ("def double(x):\n    return x\n", "needs a docstring"),
    ('"""Wrong.\n\ncaught-by: no-such-check\n"""\n', "not a check of probe"),
])
def test_mutant_without_a_named_check_is_a_spec_error(grader, tmp_path, text, problem):
    bank, solutions = _probe_bank(tmp_path, {"bad": text})
    with pytest.raises(SpecError, match=problem):
        selftest(bank=bank, solutions=solutions, grader=grader)


def test_unknown_exercise_is_a_spec_error(grader):
    with pytest.raises(SpecError, match="no code exercise 'nope'"):
        selftest(["nope"], grader=grader)
