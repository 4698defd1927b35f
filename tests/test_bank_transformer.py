"""The attention and Transformer code exercises: references at full marks, every mutant loses the
check it names, and correct code in another style (a fused q/k/v projection, other names and
module order) gets full marks while the example student's one mistake costs exactly the checks
that are about it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.codegrade import CodeGrader
from grader.resources import bundled
from grader.selftest import selftest
from grader.spec import load_exercise

IDS = ["masked-softmax", "multi-head-attention", "position-wise-ffn", "add-norm", "positional-encoding",
       "encoder-block", "decoder-block"]
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "submission"
HEAD_MAJOR = """            if valid_length.dim() == 1:
                valid_length = valid_length.repeat(self.heads)
            else:
                valid_length = valid_length.repeat(self.heads, 1)
"""
BATCH_MAJOR = "            valid_length = valid_length.repeat_interleave(self.heads, dim=0)\n"
# the example's one mistake, the head-major repeat of valid_length, shows in these checks only
EXAMPLE_LOSES = {
    "multi-head-attention": {"valid-length-per-example", "valid-length-per-query", "padding-ignored"},
    "encoder-block": {"matches-reference", "padding-ignored"},
    "decoder-block": {"encoder-attention", "matches-reference"},
}


@pytest.fixture(scope="module")
def grader():
    with CodeGrader() as grader:
        yield grader


@pytest.fixture(scope="module")
def proven(grader):
    return selftest(IDS, grader=grader)


def _lost(result) -> set[str]:
    return {item.item_id.split("@")[0] for item in result.items if item.score < item.max_score}


def test_references_get_full_marks(proven):
    assert [r.exercise_id for r in proven.references] == IDS
    assert all(r.full_marks for r in proven.references), [
        (r.exercise_id, [(i.item_id, i.message) for i in r.result.items if i.score < i.max_score])
        for r in proven.references if not r.full_marks]


def test_every_mutant_loses_the_checks_it_names(proven):
    assert proven.ok and proven.mutation_score == 1.0, [(m.exercise_id, m.name, m.caught_by, m.lost)
                                                         for m in proven.mutants if not m.caught]
    per_exercise = {i: sum(m.exercise_id == i for m in proven.mutants) for i in IDS}
    assert min(per_exercise.values()) >= 3, per_exercise


def test_the_classic_mistakes_are_caught_and_named(proven):
    mutants = {(m.exercise_id, m.name): m for m in proven.mutants}
    named = {  # mutant: (a check it loses, words its message must hold)
        ("masked-softmax", "no_scale"): ("scaled-scores", "sqrt(d)"),
        ("masked-softmax", "zero_fill"): ("mask-per-example", "large negative"),
        ("multi-head-attention", "head_major_valid_length"): ("valid-length-per-example", "head-major"),
        ("multi-head-attention", "zero_fill"): ("padding-ignored", "large negative"),
        ("encoder-block", "head_major_valid_length"): ("padding-ignored", "repeat_interleave"),
        ("add-norm", "norm_before_add"): ("matches-reference", "before the residual add"),
        ("positional-encoding", "sin_cos_swapped"): ("encoding-values", "sin and cos are swapped"),
        ("decoder-block", "no_look_ahead"): ("look-ahead", "look-ahead mask"),
    }
    for key, (check, words) in named.items():
        messages = {i.item_id: i.message for i in mutants[key].result.items}
        assert words in messages[check], (key, messages[check])


def test_hidden_messages_show_no_inputs_or_traceback(proven):
    for m in proven.mutants:
        for item in m.result.items:
            assert "Traceback" not in item.message and "checks/" not in item.message


def _graded(grader, folder: Path) -> dict[str, set[str]]:
    return {i: _lost(grader.grade(load_exercise(bundled("exercises") / i), folder)) for i in IDS}


def test_correct_code_in_another_style_gets_full_marks(grader, tmp_path):
    source = (EXAMPLE / "transformer.py").read_text()
    assert source.count(HEAD_MAJOR) == 1
    (tmp_path / "transformer.py").write_text(source.replace(HEAD_MAJOR, BATCH_MAJOR))
    (tmp_path / "attention.py").write_text((EXAMPLE / "attention.py").read_text())
    assert _graded(grader, tmp_path) == {i: set() for i in IDS}


def test_the_example_student_loses_only_what_its_mistake_touches(grader):
    assert _graded(grader, EXAMPLE) == {i: EXAMPLE_LOSES.get(i, set()) for i in IDS}
