"""Right code keeps its points whatever order it declares its parameters in (issue 20, item 3).

A GRU cell has three groups of three same-shaped parameters (216 orders); a search over orders
capped at 64 gave a right cell that declares its reset gate before its update gate 6/10. The
parameters are matched by behaviour instead (align.by_behaviour), wrong code is refused after one
forward, a bound that cuts a search reaches the author (the item's `crash`, which selftest
reports), and selftest grades each reference with its declarations reversed, at full marks.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import torch
from torch import nn

from grader.bank.loading import load_exercise
from grader.checking import align
from grader.checking import session as session_module
from grader.checking.codegrade import CodeGrader
from grader.proofs.mutants import reversed_declarations
from grader.proofs.selftest import selftest
from grader.reports.results import Status

SPEC = """id: gru-cell
title: A GRU cell
kind: code
topic: sandbox-tests
file: gru.py
symbols: [GRUCell]
devices: [cpu]
checks:
  - {id: matches-reference, points: 10}
"""

CELL = """import torch
from torch import nn


class GRUCell(nn.Module):
    def __init__(self, num_inputs, num_hiddens):
        super().__init__()
        for gate in ORDER:
            setattr(self, "x" + gate, nn.Linear(num_inputs, num_hiddens))
            setattr(self, "h" + gate, nn.Linear(num_hiddens, num_hiddens, bias=False))

    def forward(self, X, H):
        Z = torch.sigmoid(self.xz(X) + self.hz(H))
        R = torch.sigmoid(self.xr(X) + self.hr(H))
        H_tilde = torch.tanh(self.xh(X) + self.hh(RESET))
        return Z * H + (1 - Z) * H_tilde
"""

CHECK = """import pytest
import torch

from grader.checking.checks import expect_close


def test_matches_reference(submission, reference):
    cell = submission.build("gru:GRUCell", 5, 7).eval()
    ref = reference.GRUCell(5, 7).eval()
    if not cell.load_parameters_from(ref, probe=(torch.randn(3, 5), torch.randn(3, 7)), atol=1e-5):
        pytest.fail("with the reference's weights loaded, your GRU cell computes something else")
    X, H = torch.randn(4, 5), torch.randn(4, 7)
    with torch.no_grad():
        expected = ref(X, H)
    expect_close(cell(X, H), expected, "the new hidden state")
"""


def cell(order: str = "zrh", reset: str = "R * H") -> str:
    return CELL.replace("ORDER", repr(order)).replace("RESET", reset)


def gru_bank(tmp_path: Path, check: str = CHECK) -> tuple[Path, Path]:
    bank, solutions = tmp_path / "bank", tmp_path / "solutions"
    (bank / "gru-cell" / "checks").mkdir(parents=True)
    (bank / "gru-cell" / "spec.yaml").write_text(SPEC)
    (bank / "gru-cell" / "checks" / "match.py").write_text(check)
    (solutions / "gru-cell").mkdir(parents=True)
    (solutions / "gru-cell" / "gru.py").write_text(cell())
    return bank, solutions


def graded(tmp_path: Path, source: str, monkeypatch=None) -> tuple[object, list[int]]:
    """The item, and how many fillings each filled_forwards request carried."""
    bank, solutions = gru_bank(tmp_path)
    student = tmp_path / "student"
    student.mkdir(exist_ok=True)
    (student / "gru.py").write_text(source)
    requests: list[int] = []
    if monkeypatch is not None:
        request = session_module.Session.request

        def counted(self, op, **args):
            if op == "filled_forwards":
                requests.append(len(args["fillings"]))
            return request(self, op, **args)

        monkeypatch.setattr(session_module.Session, "request", counted)
    with CodeGrader(solutions=solutions) as grader:
        return grader.grade(load_exercise(bank / "gru-cell"), student).items[0], requests


def test_gru_cell_declaring_the_reset_gate_first_gets_full_marks(tmp_path):
    item, _ = graded(tmp_path, cell(order="rzh"))
    assert (item.status, item.score) == (Status.PASSED, 10), item.message


def test_wrong_gru_cell_is_refused_after_two_forwards(tmp_path, monkeypatch):
    item, requests = graded(tmp_path, cell(order="rzh", reset="H"), monkeypatch)  # the reset gate never applied
    assert item.status == Status.FAILED and "computes something else" in item.message, item.message
    assert not item.crash
    assert requests == [1, 1], requests  # the likeliest filling, then the groups' mean: no order can fit


# -- align.by_behaviour, in this process ------------------------------------------------------
class LocalCell(nn.Module):
    def __init__(self, order: str = "zrh", reset: bool = True):
        super().__init__()
        self.reset = reset
        for gate in order:
            setattr(self, "x" + gate, nn.Linear(5, 7))
            setattr(self, "h" + gate, nn.Linear(7, 7, bias=False))

    def forward(self, X, H):
        Z = torch.sigmoid(self.xz(X) + self.hz(H))
        R = torch.sigmoid(self.xr(X) + self.hr(H))
        return Z * H + (1 - Z) * torch.tanh(self.xh(X) + self.hh(R * H if self.reset else H))


def _set(module: nn.Module, values) -> None:
    with torch.no_grad():
        for parameter, value in zip(module.parameters(), values, strict=True):
            parameter.copy_(value)


def match(reference: nn.Module, student: nn.Module, X, H):
    twin, runs = LocalCell(), []

    def run_reference(values):
        _set(twin, values)
        return twin(X, H)

    def run_student(fillings):
        runs.append(len(fillings))
        outputs = []
        for filling in fillings:
            _set(student, filling)
            outputs.append(student(X, H))
        return outputs

    with torch.no_grad():
        found = align.by_behaviour([p.detach().clone() for p in reference.parameters()],
                                   [tuple(p.shape) for p in student.parameters()], run_reference, run_student,
                                   lambda got, want: torch.allclose(got, want, atol=1e-5))
    return found, runs


def test_every_declaration_order_of_a_gru_cell_is_matched_by_behaviour():
    reference, X, H = LocalCell(), torch.randn(3, 5), torch.randn(3, 7)
    for order in ("".join(gates) for gates in itertools.permutations("zrh")):
        student = LocalCell(order)
        found, runs = match(reference, student, X, H)
        assert len(found) == 1, order
        _set(student, found[0])
        with torch.no_grad():
            assert torch.allclose(student(X, H), reference(X, H), atol=1e-6), order
        assert runs == [1, 3 * 3 * 3], runs  # the mean, then k*k probes for each of three groups of three


def test_the_search_over_orders_alone_missed_it():
    reference, student = LocalCell(), LocalCell("rzh")
    fillings = list(align.assignments([p.detach() for p in reference.parameters()],
                                      [tuple(p.shape) for p in student.parameters()]))
    assert len(fillings) == align.MAX_ASSIGNMENTS  # of 216
    X, H = torch.randn(3, 5), torch.randn(3, 7)
    with torch.no_grad():
        expected = reference(X, H)
        fits = []
        for filling in fillings:
            _set(student, filling)
            fits.append(torch.allclose(student(X, H), expected, atol=1e-5))
    assert not any(fits)


def test_a_wrong_cell_fits_no_order_after_one_forward():
    found, runs = match(LocalCell(), LocalCell("hzr", reset=False), torch.randn(3, 5), torch.randn(3, 7))
    assert (found, runs) == ([], [1])


def test_fused_layers_are_left_to_the_search():
    source = [torch.randn(4, 4) for _ in range(3)]
    assert align.by_behaviour(source, [(12, 4)], lambda values: None, lambda fillings: [], lambda a, b: True) is None


def test_a_search_cut_by_its_bound_says_so():
    source = [torch.randn(4, 4) for _ in range(8)]  # eight 4x4 weights into one 8x4 and six 4x4
    cut = align.Cut()
    fillings = list(align.assignments(source, [(8, 4)] + [(4, 4)] * 6, cut=cut))
    assert len(fillings) == align.MAX_ASSIGNMENTS
    assert f"stopped after {align.MAX_ASSIGNMENTS}" in cut.message
    whole = align.Cut()
    assert len(list(align.assignments(source[:3], [(8, 4), (4, 4)], cut=whole))) == 2 and not whole.message


CHAIN_SPEC = SPEC.replace("gru-cell", "chain").replace("A GRU cell", "Eight layers").replace("gru.py", "chain.py") \
    .replace("GRUCell", "Chain")

CHAIN = """import torch
from torch import nn


class Chain(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(4, 4, bias=False) for _ in range(8))

    def forward(self, X):
        for layer in self.layers:
            X = torch.tanh(layer(X))
        return X
"""

CHAIN_CHECK = """import pytest
import torch


def test_matches_reference(submission, reference):
    chain = submission.build("chain:Chain").eval()
    if not chain.load_parameters_from(reference.Chain().eval(), probe=torch.randn(3, 4), atol=1e-5):
        pytest.fail("with the reference's weights loaded, your chain computes something else")
"""

SPLIT_CHAIN = """import torch
from torch import nn


class Chain(nn.Module):
    # the first two layers stacked in one: a layout the reference does not have, with many fillings
    def __init__(self):
        super().__init__()
        self.pair = nn.Linear(4, 8, bias=False)
        self.layers = nn.ModuleList(nn.Linear(4, 4, bias=False) for _ in range(6))

    def forward(self, X):
        return X  # wrong: nothing fits, and the search over the layouts is cut
"""


def test_a_cut_search_that_fits_nothing_is_told_to_the_author(tmp_path):
    bank, solutions, student = tmp_path / "bank" / "chain", tmp_path / "solutions" / "chain", tmp_path / "student"
    (bank / "checks").mkdir(parents=True)
    (bank / "spec.yaml").write_text(CHAIN_SPEC)
    (bank / "checks" / "match.py").write_text(CHAIN_CHECK)
    solutions.mkdir(parents=True)
    (solutions / "chain.py").write_text(CHAIN)
    student.mkdir()
    (student / "chain.py").write_text(SPLIT_CHAIN)
    with CodeGrader(solutions=solutions.parent) as grader:
        item = grader.grade(load_exercise(bank), student).items[0]
    assert item.status == Status.FAILED and "computes something else" in item.message
    assert f"stopped after {align.MAX_ASSIGNMENTS}" in item.crash and "a right submission may fail" in item.crash


# -- selftest ---------------------------------------------------------------------------------
def test_reversed_declarations_keep_what_the_code_computes():
    namespace: dict = {"__name__": "reversed_gru"}
    exec(compile(reversed_declarations(cell()), "gru.py", "exec"), namespace)  # noqa: S102 - our own text
    reversed_cell = namespace["GRUCell"](5, 7)
    assert [name for name, _ in reversed_cell.named_parameters()][:3] == ["hh.weight", "xh.weight", "xh.bias"]
    torch.manual_seed(0)
    plain = LocalCell()
    _set(reversed_cell, [dict(plain.named_parameters())[name] for name, _ in reversed_cell.named_parameters()])
    X, H = torch.randn(3, 5), torch.randn(3, 7)
    with torch.no_grad():
        assert torch.allclose(reversed_cell(X, H), plain(X, H))


def test_selftest_grades_the_reference_declared_in_reverse_order(tmp_path):
    bank, solutions = gru_bank(tmp_path)
    result = selftest(bank=bank, solutions=solutions)
    assert [(r.exercise_id, r.full_marks) for r in result.reordered] == [("gru-cell", True)]
    assert result.ok


def test_selftest_fails_a_check_that_depends_on_the_declaration_order(tmp_path):
    by_position = CHECK.replace("    if not cell.load_parameters_from", "    cell.load_parameters_from(ref)\n"
                                "    if False and not cell.load_parameters_from")
    bank, solutions = gru_bank(tmp_path, by_position)
    result = selftest(bank=bank, solutions=solutions)
    assert [r.full_marks for r in result.references] == [True]
    assert [r.full_marks for r in result.reordered] == [False]
    assert not result.ok


def test_probes_that_cannot_tell_parameters_apart_are_cut_and_said():
    unused = [torch.randn(3) for _ in range(5)]  # five parameters the output never sees: 120 orders alike
    cut = align.Cut()
    found = align.by_behaviour(unused, [(3,)] * 5, lambda values: torch.zeros(2),
                               lambda fillings: [torch.zeros(2)] * len(fillings),
                               lambda got, want: torch.equal(got, want), cut)
    assert len(found) == align.MAX_MATCHINGS
    assert "could not tell apart" in cut.message
