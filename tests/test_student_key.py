"""`grader key --student ID`: a student's variant with every key, proven on it; and practice
numbers labelled as practice wherever they are shown."""

from __future__ import annotations

from classfolders import grader
from conftest import FIXTURE_BANK
from grader.bank.loading import load_bank
from grader.bank.variants import draw
from grader.handouts.handout import build_handout
from grader.proofs.student_key import key_sheets


def test_the_key_sheet_is_the_students_variant_with_each_keys_value():
    bank = load_bank(FIXTURE_BANK)
    for student in ("s1234", "s9999"):
        (count_sheet, shapes) = key_sheets(bank, student)
        p = draw(next(e for e in bank if e.id == "layer-count"), student)
        assert count_sheet.params == p
        count = count_sheet.lines[0]
        assert count.question_id == "count" and count.value == str(p["c_out"] * p["c_in"] * p["k"] ** 2 + p["c_out"])
        assert count.proof == () and count_sheet.verified >= 2  # verify: a torch layer agrees, the floor formula too
        n = draw(next(e for e in bank if e.id == "shapes-and-choices"), student)["n"]
        assert shapes.lines[0].value == f"[2, 6, {n // 2}, {n // 2}]"
        assert shapes.lines[2].value.startswith("a) ")  # choices with their text


def test_grader_key_prints_keys_and_refuses_a_handout_and_a_code_exercise(tmp_path):
    shown = grader("key", "--student", "s1234", "--bank", FIXTURE_BANK, "-e", "layer-count")
    assert shown.returncode == 0, shown.stderr
    p = draw(next(e for e in load_bank(FIXTURE_BANK) if e.id == "layer-count"), "s1234")
    assert f"variant of s1234: c_in={p['c_in']}, c_out={p['c_out']}, k={p['k']}" in shown.stdout
    assert f"= {p['c_out'] * p['c_in'] * p['k'] ** 2 + p['c_out']}" in shown.stdout and "proven on this variant" in shown.stdout
    build_handout(FIXTURE_BANK, tmp_path / "none", tmp_path / "kit")
    refused = grader("key", "--student", "s1234", "--bank", tmp_path / "kit" / "bank")
    assert refused.returncode == 2 and "a handout's bank, which has no graded keys" in refused.stderr
    unknown = grader("key", "--student", "s1234", "--bank", FIXTURE_BANK, "-e", "nope")
    assert unknown.returncode == 2 and "no exercise 'nope'" in unknown.stderr


def test_the_magic_labels_a_handouts_numbers_as_practice_not_as_the_students_sheet(tmp_path):
    from grader.notebook.magic import quiz

    build_handout(FIXTURE_BANK, tmp_path / "none", tmp_path / "kit")
    shown = quiz("layer-count", bank=str(tmp_path / "kit" / "bank"), student="s1234")
    assert "<h1>Practice numbers</h1>" in shown.page and "Quiz sheet: s1234" not in shown.page
    assert shown.text.startswith("Practice numbers (the same for everyone")
    own = quiz("layer-count", bank=str(FIXTURE_BANK), student="s1234")  # the full bank: the student's own numbers
    assert "<h1>Quiz sheet: s1234</h1>" in own.page and "Practice numbers" not in own.page
