"""Equivalence judging: real sympy, real sampling, a real worker process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from fractions import Fraction
from pathlib import Path

import pytest
import sympy

from grader.judge.equivalence import Domain, Judge, Verdict, judge, judge_in_process
from grader.judge.expr import AUTHOR_LIMITS, parse_expression, parse_relation
from grader.judge.sampling import WANT_POINTS, draw_points, sample_points

REPO = Path(__file__).resolve().parents[1]


def integer(low, high):
    return Domain("integer", low, high)


def real(low, high):
    return Domain("real", low, high)


class Question:
    """Variables with domains and constraints, as a symbolic question declares them."""

    def __init__(self, constraints=(), **domains):
        self.domains = domains
        self.symbols = {name: sympy.Symbol(name, integer=d.kind == "integer", real=True) for name, d in domains.items()}
        self.constraints = [parse_relation(text, self.symbols) for text in constraints]

    def expr(self, text):
        return parse_expression(text, self.symbols, AUTHOR_LIMITS)

    def judge(self, candidate, key, how=judge, **options):
        domains = {self.symbols[name]: domain for name, domain in self.domains.items()}
        return how(self.expr(candidate), self.expr(key), domains, self.constraints, **options)


CONV = Question(["n + p >= k"], n=integer(1, 64), p=integer(0, 16), k=integer(1, 64), s=integer(1, 8))
SOFTMAX = Question(i=integer(0, 3), j=integer(0, 3), y_i=real(0, 1), y_j=real(0, 1))
PARAMS = Question(c_out=integer(1, 512), c_in=integer(1, 512), k=integer(1, 11))
both_ways = pytest.mark.parametrize("how", [judge, judge_in_process], ids=["worker", "in-process"])


def points_checked(judgement) -> int:
    return int(re.search(r"agrees at (?:all )?(\d+) sample points", judgement.reason).group(1))


@both_ways
@pytest.mark.parametrize(
    ("question", "candidate", "key", "verdict"),
    [
        (CONV, "ceiling((n+p-k+1)/s)", "floor((n+p-k+s)/s)", Verdict.EQUAL),
        (CONV, "(n+p-k)/s + 1", "floor((n+p-k+s)/s)", Verdict.DIFFERENT),
        (CONV, "floor((n+p-k)/s) + 1", "floor((n+p-k+s)/s)", Verdict.EQUAL),
        (SOFTMAX, "y_i*(delta(i,j) - y_j)", "y_i*delta(i,j) - y_i*y_j", Verdict.EQUAL),
        (SOFTMAX, "y_i*(1 - y_j)", "y_i*delta(i,j) - y_i*y_j", Verdict.DIFFERENT),
        (PARAMS, "c_out*c_in*k**2 + c_out", "c_out*(c_in*k*k+1)", Verdict.EQUAL),
        (PARAMS, "c_out*c_in*k*k", "c_out*(c_in*k*k+1)", Verdict.DIFFERENT),
    ],
)
def test_course_examples(how, question, candidate, key, verdict):
    assert question.judge(candidate, key, how).verdict is verdict


def test_equality_by_sampling_uses_at_least_100_points():
    judgement = CONV.judge("ceiling((n+p-k+1)/s)", "floor((n+p-k+s)/s)")
    assert judgement.reason.startswith("agrees at") and points_checked(judgement) >= 100


def test_a_difference_comes_with_a_true_counterexample():
    judgement = CONV.judge("(n+p-k)/s + 1", "floor((n+p-k+s)/s)")
    point = {name: int(value) for name, value in judgement.counterexample.items()}
    n, p, k, s = (point[name] for name in "npks")
    assert n + p >= k and (n + p - k) % s != 0  # where the fraction is not whole
    got, expected = sympy.Rational(n + p - k, s) + 1, (n + p - k + s) // s
    assert judgement.reason == f"differs at n={n}, p={p}, k={k}, s={s}: {got} vs {expected}"


def test_softmax_counterexample_has_i_different_from_j():
    judgement = SOFTMAX.judge("y_i*(1 - y_j)", "y_i*delta(i,j) - y_i*y_j")
    assert judgement.counterexample["i"] != judgement.counterexample["j"]


SOFTMAX_ITEMS = Question(i=integer(0, 3), j=integer(0, 3), y_i=Domain("real", 0, 1, item=("y", "i")),
                         y_j=Domain("real", 0, 1, item=("y", "j")))


@both_ways
def test_items_of_one_sequence_agree_where_their_indexes_do(how):
    # y_j*(delta(i,j) - y_i) is the softmax derivative too: where i = j, y_j is y_i
    assert SOFTMAX_ITEMS.judge("y_j*(delta(i,j) - y_i)", "y_i*(delta(i,j) - y_j)", how).verdict is Verdict.EQUAL
    # as two unrelated numbers they differ, at a point with i = j
    unrelated = SOFTMAX.judge("y_j*(delta(i,j) - y_i)", "y_i*(delta(i,j) - y_j)", how)
    assert unrelated.verdict is Verdict.DIFFERENT and unrelated.counterexample["i"] == unrelated.counterexample["j"]
    # wrong answers are still caught, also those wrong only where i = j
    wrong = SOFTMAX_ITEMS.judge("y_i*(delta(i,j) - y_i)", "y_i*(delta(i,j) - y_j)", how)
    assert wrong.verdict is Verdict.DIFFERENT and wrong.counterexample["i"] != wrong.counterexample["j"]
    diagonal = SOFTMAX_ITEMS.judge("y_i*(2*delta(i,j) - y_j)", "y_i*(delta(i,j) - y_j)", how)
    assert diagonal.verdict is Verdict.DIFFERENT and diagonal.counterexample["i"] == diagonal.counterexample["j"]


def test_tied_items_still_give_enough_distinct_points():
    points = draw_points({"i": integer(0, 3), "j": integer(0, 3), "y_i": Domain("real", 0, 1, item=("y", "i")),
                          "y_j": Domain("real", 0, 1, item=("y", "j"))}, lambda point: True, [], deadline=time.monotonic() + 30)
    assert len(points.points) >= 100
    assert all(p["y_i"] == p["y_j"] for p in points.points if p["i"] == p["j"])
    assert sum(p["i"] == p["j"] for p in points.points) >= 10  # the diagonal is sampled, not avoided
    assert len({tuple(p.values()) for p in points.points}) == len(points.points)


def test_differences_at_the_ends_of_a_large_domain_are_found():
    wide = Question(n=integer(1, 100_000), m=integer(1, 100_000))
    assert wide.judge("max(n - 1, 1) + m", "n - 1 + m").counterexample["n"] == "1"
    assert wide.judge("min(n, 99999) + m", "n + m").counterexample["n"] == "100000"


def test_differences_only_where_the_division_is_whole_are_found():
    # s in [100, 1000] rarely divides n+p-k by chance; the sampler aims for it.
    rare = Question(["n + p - k >= 1"], n=integer(1, 10**6), p=integer(0, 10), k=integer(1, 10), s=integer(100, 1000))
    judgement = rare.judge("ceiling((n+p-k)/s)", "floor((n+p-k)/s) + 1")
    assert judgement.verdict is Verdict.DIFFERENT
    point = {name: int(value) for name, value in judgement.counterexample.items()}
    assert (point["n"] + point["p"] - point["k"]) % point["s"] == 0
    # ...and where it is not whole:
    judgement = rare.judge("floor((n+p-k)/s)", "(n+p-k)/s")
    point = {name: int(value) for name, value in judgement.counterexample.items()}
    assert (point["n"] + point["p"] - point["k"]) % point["s"] != 0


def test_sample_points_include_the_special_values_of_each_domain():
    domains = {"n": integer(1, 10**6), "x": real(0.123, 0.877), "t": real(-2, 3)}
    sample = draw_points(domains, lambda point: True, [], deadline=time.monotonic() + 30)
    values = {name: {point[name] for point in sample.points} for name in domains}
    assert {1, 2, 3, 10**6 - 1, 10**6, 500_000} <= values["n"]
    assert {Fraction(123, 1000), Fraction(877, 1000), Fraction(1, 2)} <= values["x"]
    assert {-2, -1, 0, Fraction(1, 2), 1, 3} <= values["t"]
    assert len(sample.points) == WANT_POINTS >= 100 and not sample.exhaustive
    assert sum(point["x"].denominator in (1, 1000) for point in sample.points) < len(sample.points) / 2  # random rationals


def test_sample_points_for_authors_keep_the_keys_and_constraints():
    n, k = sympy.symbols("n k", integer=True)
    points = sample_points({n: integer(1, 64), k: integer(1, 64)}, [sympy.Le(k, n)], 150)
    assert len(points) == 150 and all(set(point) == {n, k} and point[k] <= point[n] for point in points)
    assert all(isinstance(value, sympy.Integer) for point in points for value in point.values())
    assert points == sample_points({n: integer(1, 64), k: integer(1, 64)}, [sympy.Le(k, n)], 150)


def test_sample_points_aim_at_whole_and_broken_divisions():
    n, s = sympy.symbols("n s", integer=True)
    domains = {"n": integer(1, 10**6), "s": integer(500, 1000)}  # s | n by chance: about 1 in 700
    sample = draw_points(domains, lambda point: True, [sympy.floor(n / s)], deadline=time.monotonic() + 30)
    remainders = [int(point["n"]) % int(point["s"]) for point in sample.points]
    assert remainders.count(0) >= 20
    assert sum(r == 1 for r in remainders) >= 5 and sum(r > 1 for r in remainders) >= 50


def test_an_answer_that_differs_only_at_a_real_endpoint_is_caught():
    q = Question(x=real(0.123, 0.877), y=real(0, 1))
    assert q.judge("min(x, 0.8769999) + y", "x + y").counterexample["x"] == "877/1000"


def test_small_integer_domains_are_checked_completely():
    judgement = Question(i=integer(0, 3), j=integer(0, 3)).judge("delta(i, j)**2", "delta(j, i)*delta(i, j) + 0*i")
    assert judgement.verdict is Verdict.EQUAL
    tiny = Question(n=integer(1, 5))
    assert tiny.judge("floor(n**2/4)", "ceiling((n**2 - 1)/4)").reason == "agrees at all 5 sample points"
    judgement = tiny.judge("floor(n**2/4) + delta(n, 3)", "ceiling((n**2 - 1)/4)")
    assert judgement.counterexample == {"n": "3"}


@both_ways
def test_a_grid_called_all_is_all_of_it(how):
    """40 x 40 points: the judge kept the first 200 in grid order (n_in <= 5) and said "all"."""
    gru = Question(n_in=integer(1, 40), n_h=integer(1, 40))
    key = "3*(n_h*n_in + n_h^2 + 2*n_h)"
    assert gru.judge(key + " + 3*n_h*n_in*0", key, how).reason == "proved by sympy"
    assert points_checked(gru.judge("3*(n_h*max(n_in, 1) + n_h^2 + 2*n_h)", key, how)) == 1600
    wrong = gru.judge("3*(n_h*min(n_in, 20) + n_h^2 + 2*n_h)", key, how)  # right while n_in <= 20
    assert wrong.verdict is Verdict.DIFFERENT and int(wrong.counterexample["n_in"]) > 20


@both_ways
def test_reals_exact_and_irrational(how):
    x = Question(x=real(-1, 1))
    assert x.judge("sqrt(x**2)", "x", how).verdict is Verdict.DIFFERENT  # |x| differs for x < 0
    positive = Question(x=real(0.5, 4))
    assert positive.judge("log(x**2)", "2*log(x)", how).verdict is Verdict.EQUAL  # compared as 60-digit floats
    assert positive.judge("sqrt(2)*x", "sqrt(8)*x/2", how).verdict is Verdict.EQUAL
    assert positive.judge("sqrt(2)*x", "1.41421356*x", how).verdict is Verdict.DIFFERENT
    assert positive.judge("x/3", "0.3333333333*x", how).verdict is Verdict.DIFFERENT  # exact: no float slack
    assert positive.judge("1/sqrt(x)", "x**(-0.5)", how).verdict is Verdict.EQUAL


def test_an_answer_undefined_where_the_key_is_defined_is_different():
    n = Question(n=integer(1, 64))
    judgement = n.judge("(n**2 - 1)/(n - 1)", "n + 1")
    assert judgement.verdict is Verdict.DIFFERENT
    assert judgement.reason == "differs at n=1: undefined (division by zero) vs 2"
    # Where the key itself has no value, anything goes:
    assert n.judge("n + 1", "(n**2 - 1)/(n - 1)").verdict is Verdict.EQUAL
    assert Question(x=real(-2, 2)).judge("log(x)", "log(abs(x))").verdict is Verdict.DIFFERENT


def test_variables_the_question_does_not_have():
    q = Question(n=integer(1, 10), x=real(0, 1))
    domains_without_x = {q.symbols["n"]: q.domains["n"]}
    judgement = judge(q.expr("n + x"), q.expr("n"), domains_without_x)
    assert judgement.verdict is Verdict.DIFFERENT and "uses x" in judgement.reason
    judgement = judge(q.expr("n"), q.expr("n + 0*x + x"), domains_without_x)
    assert judgement.verdict is Verdict.UNDECIDED and "no domain" in judgement.reason


def test_constraints_restrict_the_points():
    free = Question(n=integer(1, 64), k=integer(1, 64))
    bound = Question(["1 <= k <= n"], n=integer(1, 64), k=integer(1, 64))
    assert free.judge("abs(n - k)", "n - k").verdict is Verdict.DIFFERENT
    assert bound.judge("abs(n - k)", "n - k").verdict is Verdict.EQUAL
    judgement = bound.judge("max(n, k)", "n")
    assert judgement.verdict is Verdict.EQUAL and points_checked(judgement) >= 100


def test_no_point_satisfying_the_constraints_is_undecided():
    impossible = Question(["n > 10"], n=integer(1, 5))
    for candidate in ["n", "n + 1"]:  # even an identical answer: the question is broken
        judgement = impossible.judge(candidate, "n")
        assert judgement.verdict is Verdict.UNDECIDED and "no sample point satisfies" in judgement.reason
    wide = Question(["n > m + 10**6"], n=integer(1, 10**5), m=real(0, 1))
    assert wide.judge("n", "n + m*0 + 1").verdict is Verdict.UNDECIDED


def test_judging_is_deterministic_across_processes():
    script = textwrap.dedent("""
        import json, sympy
        from grader.judge.equivalence import Domain, judge_in_process
        from grader.judge.expr import parse_expression, parse_relation
        names = {"n": Domain("integer", 1, 10**6), "s": Domain("integer", 2, 999), "x": Domain("real", 0, 1)}
        table = {name: sympy.Symbol(name, integer=d.kind == "integer", real=True) for name, d in names.items()}
        result = judge_in_process(parse_expression("floor(n/s) + x", table), parse_expression("(n - 1)//s + x", table),
                                  {table[k]: v for k, v in names.items()}, [parse_relation("n >= s", table)])
        print(json.dumps([result.verdict.value, result.reason]))
    """)
    runs = [
        subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] and json.loads(runs[0])[0] == "different"


def test_unsupported_sympy_objects_are_undecided_not_errors():
    q = Question(x=real(0, 1))
    judgement = judge(q.expr("x") * sympy.Float(0.5), q.expr("x/2"), {q.symbols["x"]: q.domains["x"]})
    assert judgement.verdict is Verdict.UNDECIDED and "Float" in judgement.reason


def test_a_stuck_worker_is_killed_and_replaced():
    q = Question(n=integer(1, 10))
    with Judge(grace=0.2) as judging:
        assert judging.judge(q.expr("n"), q.expr("n + 0"), {"n": q.domains["n"]}).verdict is Verdict.EQUAL
        first = judging.worker_pid
        # The hook blocks the worker's own alarm, as a long computation in C would.
        stuck = judging.judge(q.expr("2*n"), q.expr("n + n"), {"n": q.domains["n"]}, time_limit=0.05, _test_stall_s=30)
        assert stuck.verdict is Verdict.UNDECIDED and stuck.reason.startswith("could not judge within 0.05 s")
        assert judging.worker_pid is None and not _alive(first)
        assert judging.judge(q.expr("n + 1"), q.expr("n"), {"n": q.domains["n"]}).verdict is Verdict.DIFFERENT
        assert judging.starts == 2 and judging.worker_pid != first


def test_an_expensive_judgement_times_out_and_the_next_call_works():
    q = Question(x=real(0, 4), y=real(0, 4))
    # irrational at every point, two variables: some 30 ms of work, well past the limit
    costly = ("sqrt(x)*log(x + 1)*exp(y)*atan(x*y)*cosh(x - y)",
              "sqrt(x)*log(x**2 + 2*x + 1)*exp(y)*atan(y*x)*cosh(y - x)/2")
    with Judge() as judging:
        slow = q.judge(*costly, how=judging.judge, time_limit=0.005)
        assert slow.verdict is Verdict.UNDECIDED and "0.005 s" in slow.reason
        assert q.judge(*costly, how=judging.judge, time_limit=30).verdict is Verdict.EQUAL


def test_the_worker_is_reused_and_repeated_answers_are_cached():
    with Judge() as judging:
        for _ in range(3):
            assert CONV.judge("ceiling((n+p-k+1)/s)", "floor((n+p-k+s)/s)", judging.judge).verdict is Verdict.EQUAL
        assert CONV.judge("floor((n+p-k)/s)", "floor((n+p-k+s)/s)", judging.judge).verdict is Verdict.DIFFERENT
        assert judging.starts == 1


def _alive(pid) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def _run_grader(body: str, *, wait: bool = True):
    """A Python process that judges once and prints its worker's pid."""
    script = textwrap.dedent("""
        import sympy, sys
        from grader.judge.equivalence import Domain, judge, shared_judge
        n = sympy.Symbol("n", integer=True)
        """) + textwrap.dedent(body) + textwrap.dedent("""
        print(judge(2*n, n + n, {n: Domain("integer", 1, 9)}).verdict.value, shared_judge().worker_pid, flush=True)
        """)
    proc = subprocess.Popen([sys.executable, "-c", script + ("" if wait else "import time; time.sleep(60)")],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    verdict, pid = proc.stdout.readline().split()
    return proc, verdict, int(pid)


def test_no_worker_outlives_the_grader():
    proc, verdict, pid = _run_grader("")
    assert verdict == "equal" and proc.wait(timeout=30) == 0
    assert not _alive(pid)
    proc, verdict, pid = _run_grader("", wait=False)
    proc.send_signal(signal.SIGKILL)  # no atexit: the worker notices its parent is gone
    proc.wait()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)


def test_judging_after_torch_ran_on_several_threads():
    torch_work = """
        import torch
        torch.set_num_threads(4)
        torch.mm(torch.randn(512, 512), torch.randn(512, 512)).sum().item()
        """
    proc, verdict, pid = _run_grader(torch_work)
    assert verdict == "equal" and proc.wait(timeout=60) == 0
