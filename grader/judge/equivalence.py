"""Judging whether two expressions are equal on a domain.

`judge` sends the work to a shared worker process (`Judge`), started on first use, reused by
every later call and stopped when Python exits; a call that overruns `time_limit` gets
UNDECIDED and the worker is replaced. `judge_in_process` runs the same procedure
(grader.judge.decide) in the calling process, without a hard time limit: for tests and
authors' tools, not for students' answers.

Variables are matched by name. A DIFFERENT judgement names the point where the answers part,
as "differs at n_h=5, p_h=0, k_h=3, s_h=2: 3/2 vs 2" (the candidate's value, then the key's),
and gives that point as `counterexample` ({name: value as text}).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from grader.judge.judgement import Domain, Judgement, Verdict
from grader.judge.process import Judge, SharedWorker

if TYPE_CHECKING:  # importing this module leaves sympy to the caller: `start_shared` runs before it
    import sympy

__all__ = ["Domain", "Judge", "Judgement", "Verdict", "close_shared", "judge", "judge_in_process", "shared_judge",
           "start_shared"]

_shared = SharedWorker(Judge)
shared_judge = _shared.get  # the process-wide Judge behind `judge` (its worker stops when Python exits)
start_shared = _shared.start  # start its worker now, without waiting: its start-up overlaps the caller's
close_shared = _shared.close  # stop its worker, if one was started (a later `judge` starts a new one)


def judge(
    candidate: sympy.Expr,
    key: sympy.Expr,
    domains: Mapping[sympy.Symbol, Domain],
    constraints: Sequence[sympy.Basic] = (),
    *,
    time_limit: float = 5.0,
) -> Judgement:
    """Is `candidate` equal to `key` wherever the domains and constraints hold?"""
    return shared_judge().judge(candidate, key, domains, constraints, time_limit=time_limit)


def judge_in_process(
    candidate: sympy.Expr,
    key: sympy.Expr,
    domains: Mapping[sympy.Symbol | str, Domain],
    constraints: Sequence[sympy.Basic] = (),
    *,
    time_limit: float = 5.0,
) -> Judgement:
    """`judge` without a worker: the time limit is checked between sample points only."""
    from grader.judge.decide import decide, named_domains

    return decide(candidate, key, named_domains(domains), constraints, time_limit=time_limit)
