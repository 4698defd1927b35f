"""How long the symbolic judge takes per answer, on every symbolic question of the bank.

For each symbolic question (one variant, drawn for the student id "bench") it judges, through
the real worker process, the key itself, each feedback rule's wrong answer and `key + 1`, and
prints the median wall time of `--repeat` runs (the judge's cache is emptied before each run,
since a class gives the same answer many times and the cache would hide the work). Then a few
issue-15 cases and hostile answers (refused, or stopped in time), and the agreement of the
judge with the intended verdicts of every case in tests/judge_cases.py, per class.

A before/after comparison cannot run in one process (the judge is the code being changed):
run it on both commits, e.g. `PYTHONPATH=/tmp/judge-before python bench/bench_judge.py` on a
worktree of the old commit. The bank is the one beside the `grader` package imported.
With --cpu the same judgements run in this process (`judge_in_process`) and the figure is CPU
time, which other load on the machine inflates far less than wall time.
Usage: python bench/bench_judge.py [--repeat N] [--only EXERCISE] [--cpu]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import sympy

from grader.bank.loading import load_exercise, spec_folders
from grader.bank.spec import QuizExercise
from grader.bank.variants import draw
from grader.judge.equivalence import Domain, Judge, judge_in_process
from grader.judge.expr import AUTHOR_LIMITS, STUDENT_LIMITS, ExpressionError, parse_expression
from grader.judge.scope import domains
from grader.quiz import keys
import grader

BANK = Path(grader.__file__).resolve().parent.parent / "exercises"
CASES_FOLDER = Path(__file__).resolve().parent.parent / "tests"  # judge_cases.py: the same cases on both commits

# (label, variables, student's answer, key): the classes of issue 15 and the course's formulas.
CASES = [
    ("sigmoid derivative", {"x": ("real", -8, 8)}, "exp(-x)/(1 + exp(-x))^2", "sigmoid(x)*(1 - sigmoid(x))"),
    ("tanh derivative", {"a": ("real", -3, 3)}, "1/cosh(a)^2", "1 - tanh(a)^2"),
    ("PE frequency", {"j": ("integer", 0, 255), "d": ("integer", 512, 512)},
     "exp(-2*j*log(10000)/d)", "1/10000^(2*j/d)"),
    ("gaussian", {"x": ("real", -4, 4)}, "exp(-x^2/2)/sqrt(2*pi)", "e^(-x^2/2)/sqrt(2*pi)"),
    ("power 100", {"x": ("real", -2, 2), "a": ("real", -2, 2)}, "(x - a)^100", "(a - x)^100"),
    ("removable abs", {"x": ("real", -5, 5)}, "abs(x^2-4)/(abs(x-2)*abs(x+2))", "1"),
    ("narrow log", {"x": ("real", -10, 10)}, "-log((1-x)/(x+1))", "log((x+1)/(1-x))"),
    ("relu", {"x": ("real", -3, 3)}, "(x + abs(x))/2", "relu(x)"),
]
HOSTILE = [
    ("tower exp^3", {"x": ("real", -5, 5)}, "exp(exp(exp(x)))", "x"),
    ("tower 2^2^2^k", {"k": ("integer", 1, 64)}, "2^2^2^k", "k"),
    ("huge power", {"x": ("real", -2, 2)}, "(x - 1)^100000", "x"),
    ("floor of exp", {"x": ("real", 0, 1000)}, "floor(exp(x^2))", "x"),
]


def symbols_of(variables: dict) -> tuple[dict, dict]:
    table = {name: sympy.Symbol(name, integer=kind == "integer", real=True) for name, (kind, _, _) in variables.items()}
    return table, {table[name]: Domain(kind, low, high) for name, (kind, low, high) in variables.items()}


CPU = False  # --cpu: in this process, CPU time


def timed(judging: Judge, candidate, key, domains_, constraints, repeat: int) -> tuple[str, float]:
    times, verdict = [], None
    for _ in range(repeat):
        judging._judgements._cache.clear()  # a benchmark of the work, not of the cache
        clock = time.process_time if CPU else time.perf_counter
        started = clock()
        if CPU:
            judgement = judge_in_process(candidate, key, domains_, constraints, time_limit=5.0)
        else:
            judgement = judging.judge(candidate, key, domains_, constraints, time_limit=5.0)
        times.append(clock() - started)
        verdict = judgement.verdict.value
    return verdict, statistics.median(times) * 1000


def bank_rows(judging: Judge, repeat: int, only: str | None):
    for folder in spec_folders(BANK):
        exercise = load_exercise(folder)
        if not isinstance(exercise, QuizExercise) or (only and exercise.id != only):
            continue
        values = draw(exercise, "bench")
        for question in exercise.questions:
            if question.type != "symbolic":
                continue
            key = keys.key_value(exercise, question, values)
            relations = keys.constraints(exercise, question, values)
            answers = [("key", key)]
            answers += [(f"rule {i}", keys.rule_value(exercise, question, rule.when, values))
                        for i, rule in enumerate(question.feedback)]
            answers.append(("key + 1", key + 1))
            for label, answer in answers:
                verdict, ms = timed(judging, answer, key, domains(question.variables), relations, repeat)
                yield f"{exercise.id}/{question.id}", label, verdict, ms


def case_rows(judging: Judge, cases, repeat: int):
    for label, variables, answer, key in cases:
        table, domains_ = symbols_of(variables)
        started = time.perf_counter()
        try:
            expected = parse_expression(key, table, AUTHOR_LIMITS)
            candidate = parse_expression(answer, table, STUDENT_LIMITS)
        except ExpressionError as error:
            yield label, answer, f"refused: {error}"[:90], (time.perf_counter() - started) * 1000
            continue
        verdict, ms = timed(judging, candidate, expected, domains_, [], repeat)
        yield label, answer, verdict, ms


def agreement(judging: Judge) -> None:
    """How many of the test cases get their intended verdict, per class (refused: the parser said no)."""
    sys.path.insert(0, str(CASES_FOLDER))
    from judge_cases import all_cases

    counts: dict[str, Counter] = {}
    for kind, plain, answer, key, intended in all_cases():
        variables = {name: tuple(spec) for name, spec in plain.items()}
        verdict = next(case_rows(judging, [(kind, variables, answer, key)], 1))[2]
        outcome = "refused" if verdict.startswith("refused") else ("agrees" if verdict == intended else verdict)
        counts.setdefault(kind, Counter())[outcome] += 1
    print(f"\nagreement with the intended verdicts\n{'class':12} {'cases':>5} {'agree':>6} {'refused':>8} {'other':>6}")
    total = Counter()
    for kind, count in counts.items():
        total.update(count)
        n = sum(count.values())
        print(f"{kind:12} {n:5} {count['agrees']:6} {count['refused']:8} {n - count['agrees'] - count['refused']:6}")
    n = sum(total.values())
    print(f"{'all':12} {n:5} {total['agrees']:6} {total['refused']:8} {n - total['agrees'] - total['refused']:6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="one exercise id")
    parser.add_argument("--cpu", action="store_true", help="judge in this process and report CPU time")
    args = parser.parse_args()
    global CPU
    CPU = args.cpu
    print(f"grader from {Path(grader.__file__).parent}, bank {BANK}; "
          + ("CPU ms in process" if CPU else "wall ms through the worker"))
    with Judge() as judging:
        judging.judge(sympy.Integer(1), sympy.Integer(1), {})  # start the worker outside the timings
        worst: dict[str, float] = {}
        all_ms = []
        print(f"{'question':44} {'answer':10} {'verdict':10} {'ms':>8}")
        for question, label, verdict, ms in bank_rows(judging, args.repeat, args.only):
            print(f"{question:44} {label:10} {verdict:10} {ms:8.1f}")
            worst[question] = max(worst.get(question, 0.0), ms)
            all_ms.append(ms)
        if all_ms:
            print(f"\n{len(worst)} symbolic questions, {len(all_ms)} answers: "
                  f"median {statistics.median(all_ms):.1f} ms, "
                  f"slowest question {max(worst, key=worst.get)} {max(worst.values()):.1f} ms")
        if args.only:
            return
        for title, cases in (("issue-15 cases", CASES), ("hostile answers", HOSTILE)):
            print(f"\n{title}\n{'case':20} {'answer':36} {'verdict':40} {'ms':>8}")
            for label, answer, verdict, ms in case_rows(judging, cases, args.repeat):
                print(f"{label:20} {answer[:36]:36} {verdict[:40]:40} {ms:8.1f}")
        agreement(judging)


if __name__ == "__main__":
    main()
