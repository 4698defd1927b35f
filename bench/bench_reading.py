"""The judge's time per answer before and after the reading step (issue 21), side by side.

Every question of every bundled quiz is marked (`grader.quiz.marking.mark`, judged in this
process, CPU time) with its right answer for the student "bench", typed in ASCII, in three
ways interleaved in one run:

- before: the reading step replaced by what the parser did before it (a one-line translation
  of −, ×, ·, ⋅ and ÷; no full-width forms, no implied products, no echo);
- after: as shipped, on the same ASCII answers;
- after, full-width: as shipped, on the answers typed full-width (２３５２, ｆｌｏｏｒ（...）),
  which "before" cannot read at all.

The three run in a shuffled order for each answer.

sympy's cache and the reading step's memo are cleared before each answer, so no way profits
from another's work; the author's keys stay parsed (a warm-up round), as in a running grader.

It prints the median time per answer of each, over all answers and per question type, and the
ratio after/before (issue 21 wants it within 1.10).
Usage: python bench/bench_reading.py [--repeat N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import defaultdict
from contextlib import contextmanager, nullcontext

from sympy.core.cache import clear_cache

from grader.bank.loading import load_bank
from grader.bank.resources import bundled
from grader.bank.spec import QuizExercise
from grader.bank.variants import draw, question_values
from grader.judge import expr
from grader.judge import typed
from grader.judge.equivalence import judge_in_process
from grader.quiz import keys, responses
from grader.quiz.marking import mark

STUDENT = "bench"
_BEFORE = str.maketrans({"\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/"})


@contextmanager
def before_the_reading_step():
    """The parser and the answer readers as they were: no reading step, no echo."""
    saved = expr.reading, responses.expression_reading, responses.fold, responses.reading
    expr.reading = responses.expression_reading = lambda text, names: text.translate(_BEFORE)
    responses.fold = lambda text: text
    responses.reading = lambda raw, exercise, question: None
    try:
        yield
    finally:
        expr.reading, responses.expression_reading, responses.fold, responses.reading = saved


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


def answers() -> list[tuple[str, QuizExercise, object, dict, object]]:
    """(type, exercise, question, values, ASCII right answer) for every keyed bundled question."""
    found = []
    for exercise in load_bank(bundled("exercises")):
        if not isinstance(exercise, QuizExercise):
            continue
        drawn = draw(exercise, STUDENT)
        for question in exercise.questions:
            if question.answer is None:
                continue
            values = question_values(exercise, question, drawn)
            key = keys.key_value(exercise, question, values)
            if question.type == "symbolic":
                typed = question.answer
            elif question.type == "numeric":
                tolerance = question.tolerances.abs or question.tolerances.rel
                exact = key.is_Integer or (key.is_Rational and key.q < 10**6) or not tolerance
                typed = str(key) if exact else f"{float(key):.12g}"
            elif question.type == "shape":
                typed = ", ".join(map(str, key))
            else:
                typed = ", ".join(key) if question.type == "multi" else key
            found.append((question.type, exercise, question, values, typed))
    return found


def cpu_time(exercise, question, values, raw) -> tuple[float, str]:
    clear_cache()  # sympy's: what one way computed must not speed up the next
    typed.forget()  # the readings kept: each answer is read afresh (once, for its parse and its echo)
    started = time.process_time()
    item = mark(exercise, question, values, raw, judge_in_process)
    return time.process_time() - started, item.status.value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows = answers()
    times: dict[str, dict[int, list[float]]] = {name: defaultdict(list) for name in ("before", "after", "full-width")}
    ways = {"before": lambda raw: before_the_reading_step(), "after": lambda raw: nullcontext(),
            "full-width": lambda raw: nullcontext()}
    shuffled = random.Random(0)
    for round_ in range(args.repeat + 1):  # round 0 warms the author-key cache of both ways
        for index, (_, exercise, question, values, typed_answer) in enumerate(rows):
            order = list(ways)
            shuffled.shuffle(order)  # no way always first after the caches are cleared
            for name in order:
                raw = full_width(typed_answer) if name == "full-width" else typed_answer
                with ways[name](raw):
                    spent, status = cpu_time(exercise, question, values, raw)
                assert status == "passed", (name, exercise.id, question.id)
                if round_:
                    times[name][index].append(spent)
    per_answer = {name: [statistics.median(times[name][i]) for i in range(len(rows))] for name in times}
    kinds = sorted({row[0] for row in rows})
    print(f"{len(rows)} answers (every keyed question of the bundled quizzes), median of {args.repeat} runs each, "
          "CPU time per answer, marking judged in this process")
    print(f"{'':12} {'answers':>8} {'before':>10} {'after':>10} {'ratio':>7} {'full-width':>11}")
    for kind in [*kinds, "all"]:
        chosen = [i for i, row in enumerate(rows) if kind in ("all", row[0])]
        medians = {name: statistics.median(per_answer[name][i] for i in chosen) for name in per_answer}
        ratio = medians["after"] / medians["before"]
        print(f"{kind:12} {len(chosen):>8} {medians['before'] * 1e3:>8.3f}ms {medians['after'] * 1e3:>8.3f}ms "
              f"{ratio:>7.3f} {medians['full-width'] * 1e3:>9.3f}ms")
    total = {name: sum(per_answer[name]) for name in per_answer}
    print(f"total per pass: before {total['before']:.3f} s, after {total['after']:.3f} s "
          f"(ratio {total['after'] / total['before']:.3f}), full-width {total['full-width']:.3f} s")


if __name__ == "__main__":
    main()
