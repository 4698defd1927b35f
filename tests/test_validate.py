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


# --- keys proven on the whole domain (issue 20, item 1) ------------------------------------------

GRU = """\
id: gru
title: GRU
kind: quiz
topic: rnn
questions:
  - id: count
    type: symbolic
    points: 3
    prompt: "How many parameters does nn.GRU(n_in, n_h) have?"
    variables:
      n_in: {integer: [1, 40]}
      n_h: {integer: [1, 40]}
    answer: "KEY"
    verify: ["sum(p.numel() for p in nn.GRU(n_in, n_h).parameters())"]
"""
GRU_RIGHT = "3*(n_h*n_in + n_h*n_h + 2*n_h)"
GRU_FORGETS_N_IN = "3*(n_h + n_h*n_h + 2*n_h)"  # right at n_in = 1 only


def test_a_key_that_forgets_a_variable_is_caught_by_grader_validate(tmp_path):
    """A 40 x 40 grid: the verify points were its first dozen in grid order, all with n_in = 1."""
    import os
    import subprocess
    import sys

    from conftest import REPO

    write_spec(tmp_path / "bank" / "gru", GRU.replace("KEY", GRU_FORGETS_N_IN))
    run = subprocess.run([sys.executable, "-m", "grader.cli", "validate", str(tmp_path / "bank")], cwd=REPO,
                         capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "300"})
    assert run.returncode == 2, run.stdout + run.stderr
    assert "questions.0.verify.0: gives" in run.stderr and "but the key gives" in run.stderr
    write_spec(tmp_path / "bank" / "gru", GRU.replace("KEY", GRU_RIGHT))
    run = subprocess.run([sys.executable, "-m", "grader.cli", "validate", str(tmp_path / "bank")], cwd=REPO,
                         capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "300"})
    assert run.returncode == 0, run.stdout + run.stderr
    line = run.stderr.split("sampled gru/count: ")[1].splitlines()[0]
    taken = dict(part.split(" took ") for part in line.split(", "))
    assert {name: int(text.split()[0]) for name, text in taken.items()} == {"n_in": 10, "n_h": 10}  # 2 ends + 8 inside


def test_validate_tries_each_variable_at_its_ends_and_inside(tmp_path):
    write_spec(tmp_path / "gru", GRU.replace("KEY", GRU_RIGHT))
    report = validate_bank(tmp_path)
    assert report.ok, report.findings
    for name in ("n_in", "n_h"):
        values = report.sampled["gru/count"][name]
        assert {1, 40} <= values and len(values & set(range(2, 40))) >= 8, (name, sorted(values))


SPREAD = """\
id: spread
title: Spread
kind: quiz
topic: t
params:
  L: [2, 3, 4]
  a: {min: 1, max: 30}
  b: {min: 1, max: 30}
questions:
  - id: q
    type: numeric
    prompt: "{{ L }} {{ a }} {{ b }}"
    answer: "L*a + b"
    verify: ["L*a + b"]
"""


def test_variants_cover_every_value_of_a_small_param_and_the_ends_of_a_range(tmp_path):
    from grader.bank.loading import load_exercise
    from grader.proofs.validate import variants_of

    exercise = load_exercise(write_spec(tmp_path / "spread", SPREAD))
    variants = variants_of(exercise)
    assert {v["L"] for v in variants} == {2, 3, 4}
    for name in ("a", "b"):
        values = {v[name] for v in variants}
        assert {1, 30} <= values and len(values) >= 20, (name, sorted(values))
    report = validate_bank(tmp_path)
    assert report.ok and {len(report.sampled["spread"][name]) for name in ("L",)} == {3}
