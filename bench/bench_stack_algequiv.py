"""Agreement with STACK's own AlgEquiv answer-test cases (the computer-algebra assessment
system that issue 15 measures the judge against).

STACK's fixture file is GPL data and is not part of this repository: pass its path
(`tests/fixtures/answertestfixtures.class.php` of github.com/maths/moodle-qtype_stack).
Each single-line `['AlgEquiv', '', student, teacher, score, ...]` row is read; rows that
STACK itself expects to fail (score -1) are left out. `%pi`, `%e` become `pi`, `e`; rows with
Maxima's `#` (not equal), `%i` or keywords (true, inf...) count as not read; every other name
is a real variable on [-5, 5]. A row is "read" when both sides pass our parser
(the student's side with the student caps); of those, the judge agrees when it says equal
exactly where STACK's expected score is 1 (or -3, "a known failure that should be 1").
Run it on both commits as bench_judge.py is run. Usage:
python bench/bench_stack_algequiv.py FIXTURES.php [--show N]
"""

from __future__ import annotations

import argparse
import ast
import re
import time
from collections import Counter
from pathlib import Path

import sympy

from grader.judge.equivalence import Domain, Judge
from grader.judge.expr import AUTHOR_LIMITS, FUNCTIONS, STUDENT_LIMITS, ExpressionError, parse_expression

_ROW = re.compile(r"^\s*\[\s*'AlgEquiv',\s*'',\s*'((?:[^'\\]|\\.)*)',\s*'((?:[^'\\]|\\.)*)',\s*(-?\d)\s*,")
_CONSTANTS = {"pi", "e"}
_MAXIMA = re.compile(r"#|%i|\b(true|false|all|none|inf|minf|und)\b")  # Maxima's "not equal" and keywords


def rows(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match and int(match.group(3)) != -1:
            student, teacher, score = match.group(1), match.group(2), int(match.group(3))
            yield student.replace("\\'", "'"), teacher.replace("\\'", "'"), score in (1, -3)


def maxima_to_ours(text: str) -> str:
    return text.replace("%pi", "pi").replace("%e", "e")


def names(*texts: str) -> list[str]:
    """The variable names of the expressions (function names and constants left out)."""
    found: set[str] = set()
    for text in texts:
        try:
            tree = ast.parse(text.replace("^", "**"), mode="eval")
        except SyntaxError:
            continue
        called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        found |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called}
    return sorted(found - _CONSTANTS - set(FUNCTIONS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixtures", type=Path)
    parser.add_argument("--show", type=int, default=0, help="print this many disagreements")
    args = parser.parse_args()
    counts, refusals, shown = Counter(), Counter(), 0
    started = time.perf_counter()
    with Judge() as judging:
        for student, teacher, equal in rows(args.fixtures):
            counts["rows"] += 1
            if _MAXIMA.search(student + " " + teacher):  # Python would read # as a comment
                counts["not read"] += 1
                refusals["Maxima syntax (#, %i, true, inf, ...)"] += 1
                continue
            ours_student, ours_teacher = maxima_to_ours(student), maxima_to_ours(teacher)
            table = {name: sympy.Symbol(name, real=True) for name in names(ours_student, ours_teacher)}
            try:
                expected = parse_expression(ours_teacher, table, AUTHOR_LIMITS)
                given = parse_expression(ours_student, table, STUDENT_LIMITS)
            except ExpressionError as error:
                counts["not read"] += 1
                refusals[str(error).split(";")[0][:60]] += 1
                continue
            domains = {symbol: Domain("real", -5, 5) for symbol in table.values()}
            verdict = judging.judge(given, expected, domains, time_limit=5.0).verdict.value
            counts["read"] += 1
            counts[verdict] += 1
            agrees = (verdict == "equal") == equal and verdict != "undecided"
            counts["agree"] += agrees
            if not agrees and shown < args.show:
                shown += 1
                print(f"  {student!r} vs {teacher!r}: STACK {'equal' if equal else 'different'}, ours {verdict}")
    read = counts["read"]
    print(f"{counts['rows']} AlgEquiv rows (STACK's own failures left out), read {read}, not read {counts['not read']}")
    print(f"of those read: agree {counts['agree']} ({100 * counts['agree'] / max(read, 1):.0f}%), "
          f"equal {counts['equal']}, different {counts['different']}, undecided {counts['undecided']}; "
          f"{time.perf_counter() - started:.1f} s")
    print("most common reasons for not reading:")
    for reason, count in refusals.most_common(8):
        print(f"  {count:4}  {reason}")


if __name__ == "__main__":
    main()
