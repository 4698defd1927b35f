"""selftest: references at full marks, every mutant loses points in the checks it names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.bank.loading import load_exercise
from grader.checking.codegrade import CodeGrader
from grader.errors import SpecError, SpecErrors
from grader.proofs.mutants import load_mutants
from grader.proofs.selftest import selftest

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
    assert all(m.said() and not m.said().startswith("caught-by") for m in result.mutants)
    flipped = next(m for m in result.mutants if m.name == "flipped_kernel")  # as mutants.yaml gives it: en and zh
    assert flipped.said("en") == "Flips the kernel: a true convolution, not a cross-correlation."
    assert "互相关" in flipped.said("zh-CN")


def _probe_bank(tmp_path: Path, mutants_yaml: str | None) -> tuple[Path, Path]:
    bank, solutions = tmp_path / "bank", tmp_path / "solutions"
    shutil.copytree(TESTS / "sandbox_bank", bank)
    shutil.copytree(TESTS / "sandbox_bank_solutions", solutions)
    if mutants_yaml is not None:
        (solutions / "probe" / "mutants.yaml").write_text(mutants_yaml)
    return bank, solutions


def test_a_surviving_mutant_fails_the_selftest(grader, tmp_path):
    bank, solutions = _probe_bank(tmp_path, """
halves:
  mistake: Halves instead of doubling.
  caught-by: [doubles]
  edits:
    - replace: |
        return 2 * x
      with: |
        return x / 2
survivor:
  mistake: Looks wrong, is right.
  caught-by: [doubles-again]
  edits:
    - replace: "return 2 * x"
      with: "return x + x"
""")
    result = selftest(bank=bank, solutions=solutions, grader=grader)
    outcome = {m.name: m for m in result.mutants}
    assert outcome["halves"].caught and outcome["halves"].lost == ("doubles", "doubles-again")
    assert not outcome["survivor"].caught and outcome["survivor"].lost == ()
    assert result.mutation_score == 0.5 and not result.ok


def test_a_reference_that_loses_points_fails_the_selftest(grader, tmp_path):
    bank, solutions = _probe_bank(tmp_path, None)
    (solutions / "probe" / "probe.py").write_text("def double(x):\n    return x\n")
    result = selftest(bank=bank, solutions=solutions, grader=grader)
    assert not result.references[0].full_marks and not result.ok


def test_edits_land_in_place_with_the_reference_indentation(tmp_path):
    _, solutions = _probe_bank(tmp_path, """
guarded:
  mistake: Doubles only positive numbers.
  caught-by: [doubles]
  edits:
    - replace: |
        def double(x):
            return 2 * x
      with: |
        def double(x):
            if x > 0:
                return 2 * x
            return x
""")
    (solutions / "probe" / "probe.py").write_text("class Twice:\n    def double(x):\n        return 2 * x\n\n    other = 1\n")
    (mutant,) = load_mutants(solutions, load_exercise(TESTS / "sandbox_bank" / "probe"))
    assert mutant.source == ("class Twice:\n    def double(x):\n        if x > 0:\n            return 2 * x\n"
                             "        return x\n\n    other = 1\n")
    assert (mutant.name, mutant.mistake, mutant.caught_by) == ("guarded", "Doubles only positive numbers.", ("doubles",))


GOOD_EDIT = "  edits:\n    - replace: return 2 * x\n      with: return x\n"


@pytest.mark.parametrize("text, line, problem", [
    ("bad:\n  mistake: Wrong.\n" + GOOD_EDIT, 1, "bad.caught-by: required field is missing"),
    ("bad:\n  mistake: Wrong.\n  caught-by: [no-such-check]\n" + GOOD_EDIT, 3, "'no-such-check', which is not a check of probe"),
    ("bad:\n  mistake: Wrong.\n  caught-by: [doubles]\n  edits:\n    - replace: return 3 * x\n      with: x\n",
     5, "edits.0.replace: the replace text does not occur in the reference probe.py"),
    ("bad:\n  mistake: Wrong.\n  caught-by: [doubles]\n  edits:\n    - replace: '  '\n      with: x\n",
     5, "the replace text is blank"),
    ("bad:\n  mistake: Wrong.\n  caught-by: [doubles]\n  edit: []\n", 4, "bad.edit: unknown field"),
    ("Bad-Name:\n  mistake: Wrong.\n  caught-by: [doubles]\n" + GOOD_EDIT, 1, "is not a lowercase identifier"),
    ("bad:\n  mistake: Wrong.\n  caught-by: [doubles]\n" + GOOD_EDIT.replace("return x", "return x\n    - replace: |\n        def double(x):\n            return 2 * x\n      with: ''"),
     5, "overlaps another one"),
    ("bad:\n  mistake: Wrong.\nbad:\n  mistake: Again.\n", 3, "duplicate"),
    ("bad:\n  mistake: {en: ' ', zh: 错了。}\n  caught-by: [doubles]\n" + GOOD_EDIT, 2, "the mistake is blank"),
])
def test_broken_mutants_are_spec_errors_naming_the_line(grader, tmp_path, text, line, problem):
    bank, solutions = _probe_bank(tmp_path, text)
    with pytest.raises((SpecError, SpecErrors)) as caught:
        selftest(bank=bank, solutions=solutions, grader=grader)
    errors = caught.value.errors if isinstance(caught.value, SpecErrors) else [caught.value]
    assert any(problem in str(e) and e.line == line and e.path.name == "mutants.yaml" for e in errors), [str(e) for e in errors]


def test_a_replace_text_found_twice_is_refused(tmp_path):
    _, solutions = _probe_bank(tmp_path, "twice:\n  mistake: Wrong.\n  caught-by: [doubles]\n" + GOOD_EDIT)
    (solutions / "probe" / "probe.py").write_text("def double(x):\n    return 2 * x\n\ndef twice(x):\n    return 2 * x\n")
    with pytest.raises(SpecErrors, match="occurs 2 times in the reference probe.py.*add a neighbouring line"):
        load_mutants(solutions, load_exercise(TESTS / "sandbox_bank" / "probe"))


def test_unknown_exercise_is_a_spec_error(grader):
    with pytest.raises(SpecError, match="no code exercise 'nope'"):
        selftest(["nope"], grader=grader)
