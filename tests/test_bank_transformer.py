"""The attention and Transformer code exercises: references at full marks, every mutant loses the
check it names, and correct code in another style (a fused q/k/v projection, other names and
module order) gets full marks while the example student's one mistake costs exactly the checks
that are about it. The course's own code (tests/submissions/course_transformer: W_o hidden ->
hidden, valid_length repeated head-major) passes every Transformer exercise except the checks
where one batch mixes unequal valid lengths, and those name the head-major repeat.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from grader.bank.loading import load_exercise
from grader.bank.resources import bundled
from grader.checking.codegrade import CodeGrader
from grader.proofs.selftest import selftest

IDS = ["masked-softmax", "multi-head-attention", "position-wise-ffn", "add-norm", "positional-encoding",
       "encoder-block", "decoder-block"]
TRANSFORMER = IDS[1:]
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "submission"
COURSE = Path(__file__).resolve().parent / "submissions" / "course_transformer" / "transformer.py"
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
    # the Transformer's d2l-zh 2.x reference (solutions/<id>/d2l-zh-2/) is proven beside the course's
    assert [(r.exercise_id, r.edition) for r in proven.references] == [
        (i, edition) for i in IDS for edition in (("", "d2l-zh-2") if i in TRANSFORMER else ("",))]
    assert all(r.full_marks for r in proven.references), [
        (r.exercise_id, [(i.item_id, i.message) for i in r.result.items if i.score < i.max_score])
        for r in proven.references if not r.full_marks]


def test_every_mutant_loses_the_checks_it_names(proven):
    assert proven.ok and proven.mutation_score == 1.0, [(m.exercise_id, m.name, m.caught_by, m.lost)
                                                         for m in proven.mutants if not m.caught]
    per_exercise = {i: sum(m.exercise_id == i for m in proven.mutants) for i in IDS}
    assert min(per_exercise.values()) >= 3, per_exercise


def test_the_classic_mistakes_are_caught_and_named(proven):
    mutants = {(m.exercise_id, m.name): m for m in proven.mutants if not m.edition}
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


def _results(grader, folder: Path, ids=IDS) -> dict:
    return {i: grader.grade(load_exercise(bundled("exercises") / i), folder) for i in ids}


def _graded(grader, folder: Path, ids=IDS) -> dict[str, set[str]]:
    return {i: _lost(result) for i, result in _results(grader, folder, ids).items()}


def test_correct_code_in_another_style_gets_full_marks(grader, tmp_path):
    source = (EXAMPLE / "transformer.py").read_text()
    assert source.count(HEAD_MAJOR) == 1
    (tmp_path / "transformer.py").write_text(source.replace(HEAD_MAJOR, BATCH_MAJOR))
    (tmp_path / "attention.py").write_text((EXAMPLE / "attention.py").read_text())
    assert _graded(grader, tmp_path) == {i: set() for i in IDS}


def test_the_example_student_loses_only_what_its_mistake_touches(grader):
    assert _graded(grader, EXAMPLE) == {i: EXAMPLE_LOSES.get(i, set()) for i in IDS}


# -- the course's own code ---------------------------------------------------------------------
COURSE_HEAD_MAJOR = """            if valid_length.ndim == 1:
                valid_length = valid_length.repeat(self.num_heads).float()
            else:
                valid_length = valid_length.repeat(self.num_heads, 1).float()
"""
COURSE_BATCH_MAJOR = "            valid_length = valid_length.repeat_interleave(self.num_heads, dim=0).float()\n"
COURSE_W_O = "        self.W_o = nn.Linear(hidden_size, hidden_size, bias=False)\n"
# where one batch mixes unequal valid lengths, the course's head-major repeat shows
COURSE_LOSES = {
    "multi-head-attention": {"valid-length-per-example", "valid-length-per-query", "padding-ignored"},
    "encoder-block": {"matches-reference", "padding-ignored"},
    "decoder-block": {"encoder-attention", "matches-reference"},
}


def _course_source(w_o_out: str = "hidden_size", batch_major: bool = False) -> str:
    source = COURSE.read_text()
    assert source.count(COURSE_HEAD_MAJOR) == 1 and source.count(COURSE_W_O) == 1
    source = source.replace(COURSE_W_O, COURSE_W_O.replace("(hidden_size, hidden_size", f"(hidden_size, {w_o_out}"))
    return source.replace(COURSE_HEAD_MAJOR, COURSE_BATCH_MAJOR) if batch_major else source


def test_the_course_code_follows_the_course_demo():
    """The fixture is the course's convention: MultiHeadAttention(5, 9, 3, 0.5) maps (2, 4, 5) to (2, 4, 9)."""
    spec = importlib.util.spec_from_file_location("course_transformer", COURSE)
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    X = torch.ones(2, 4, 5)
    assert course.MultiHeadAttention(5, 9, 3, 0.5).eval()(X, X, X, torch.tensor([2, 3])).shape == (2, 4, 9)


@pytest.mark.parametrize("w_o_out", ["hidden_size", "input_size"])
def test_the_course_code_loses_only_where_lengths_differ_in_a_batch(grader, tmp_path, w_o_out):
    (tmp_path / "transformer.py").write_text(_course_source(w_o_out))
    results = _results(grader, tmp_path, TRANSFORMER)
    assert {i: _lost(r) for i, r in results.items()} == {i: COURSE_LOSES.get(i, set()) for i in TRANSFORMER}
    for exercise_id, result in results.items():
        for item in result.items:
            if item.score < item.max_score:
                assert "head-major" in item.message and "repeat_interleave" in item.message, (
                    exercise_id, item.item_id, item.message)


@pytest.mark.parametrize("w_o_out", ["hidden_size", "input_size"])
def test_the_course_code_with_batch_major_lengths_gets_full_marks(grader, tmp_path, w_o_out):
    (tmp_path / "transformer.py").write_text(_course_source(w_o_out, batch_major=True))
    assert _graded(grader, tmp_path, TRANSFORMER) == {i: set() for i in TRANSFORMER}


def test_a_w_o_of_another_size_is_wrong(grader, tmp_path):
    """Only hidden_size and input_size are correct widths for W_o's output."""
    (tmp_path / "transformer.py").write_text(_course_source("7", batch_major=True))
    result = grader.grade(load_exercise(bundled("exercises") / "multi-head-attention"), tmp_path)
    messages = {i.item_id: i.message for i in result.items if i.score < i.max_score}
    assert set(messages) == {"output-shape", "parameter-count", "matches-reference", "valid-length-per-example",
                             "valid-length-per-query", "padding-ignored", "dropout-train-only"}, messages
    for passed_alone in ("padding-ignored", "dropout-train-only"):  # no evidence passed, so they do not count
        assert messages[passed_alone].startswith("passed, but not counted until parameter-count or"), messages
    assert "expected a tensor of shape (2, 4, 12)" in messages["output-shape"]
    assert "W_o back to input_size" in messages["matches-reference"]
