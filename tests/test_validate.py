"""Proving keys in-process: verify expressions, proofs, and the variant that shows a wrong key."""

from conftest import write_spec
from grader.proofs.validate import validate_bank

SPEC = """\
id: proof
title: Proofs
kind: quiz
topic: t
params:
  n: {min: 1, max: 6}
questions:
  - id: q
    type: numeric
    prompt: "{{ n }}"
    answer: "ANSWER"
    verify: [VERIFY]
"""


def findings(tmp_path, answer: str, verify: str) -> list[str]:
    write_spec(tmp_path / "proof", SPEC.replace("ANSWER", answer).replace("VERIFY", verify))
    return [str(f) for f in validate_bank(tmp_path).findings]


def test_a_value_that_agrees_on_every_variant_passes(tmp_path):
    assert findings(tmp_path, "n*(n+1)/2", '"sum(range(n + 1))"') == []


def test_a_wrong_key_is_shown_with_the_first_variant_that_breaks_it(tmp_path):
    (finding,) = findings(tmp_path, "n*n/2 + 1", '"sum(range(n + 1))"')
    assert "questions.0.verify.0" in finding and "variant n=" in finding
    assert "gives 1 but the key gives 3/2" in finding  # n=1 is the first variant drawn


def test_sympy_booleans_count_as_proofs(tmp_path):
    assert findings(tmp_path, "n + 1", '"sympy.Integer(n) + 1 > key - 1"') == []
    assert "gives False" in findings(tmp_path, "n + 1", '"sympy.Integer(n) > key"')[0]


def test_a_verify_that_raises_is_a_finding_not_a_crash(tmp_path):
    (finding,) = findings(tmp_path, "n", '"1 / (n - n)"')
    assert "raised ZeroDivisionError" in finding


def test_code_exercises_need_matching_checks_and_a_reference(tmp_path):
    import shutil

    from conftest import REPO

    shutil.copytree(REPO / "exercises" / "corr2d", tmp_path / "bank" / "corr2d")
    report = validate_bank(tmp_path / "bank")
    assert any("the reference solution is missing" in str(f) for f in report.findings)
    shutil.copytree(REPO / "solutions" / "corr2d", tmp_path / "solutions" / "corr2d")
    assert validate_bank(tmp_path / "bank").findings == []
    spec = tmp_path / "bank" / "corr2d" / "spec.yaml"
    spec.write_text(spec.read_text().replace("- id: pool-avg", "- id: pool-average"))
    found = [str(f) for f in validate_bank(tmp_path / "bank").findings]
    assert any("check 'pool-average' has no test function" in f for f in found), found


def test_a_mutant_whose_edit_no_longer_fits_the_reference_is_a_finding(tmp_path):
    import shutil

    from conftest import REPO

    shutil.copytree(REPO / "exercises" / "corr2d", tmp_path / "bank" / "corr2d")
    shutil.copytree(REPO / "solutions" / "corr2d", tmp_path / "solutions" / "corr2d")
    reference = tmp_path / "solutions" / "corr2d" / "conv.py"
    # the author renames a variable in the reference: the flipped-kernel edit's text is gone
    reference.write_text(reference.read_text().replace("K.flip", "kernel.flip").replace("* K", "* kernel"))
    mutants = (tmp_path / "solutions" / "corr2d" / "mutants.yaml").read_text()
    edited = [str(f) for f in validate_bank(tmp_path / "bank").findings]
    assert edited, "renaming K in the reference should break at least one mutant's edit"
    assert all("mutants.yaml:" in f and "does not occur in the reference conv.py" in f for f in edited), edited
    line = int(edited[0].split("mutants.yaml:")[1].split(":")[0])
    assert mutants.splitlines()[line - 1].lstrip().startswith("- replace:")
