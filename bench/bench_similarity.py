"""How `grader similarity` scales: a class of 100 and of 1,000 submissions, side by side.

Each synthetic submission holds two files, conv.py and attention.py, written from one of
the test fixtures' four styles (tests/fixtures/similarity) with every identifier renamed
and its constants changed, plus functions of its own; one student in fifty hands in a
disguised copy of a classmate's. The figures are the wall time of `find_similar` (read,
fingerprint, index, rank), the time of the index's ranking step alone, and, for
comparison, the time of ranking by comparing every pair's fingerprint sets in full (what
the index avoids). The ratio 1,000 / 100 is ~10 for work that grows with the class and
~100 for work that grows with its pairs.

Usage: python bench/bench_similarity.py [--sizes 100 1000]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import tempfile
import time
from itertools import combinations
from pathlib import Path

from grader.classroom.similarity import COMMON, find_similar, rank

STYLES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "similarity"
_NAME = re.compile(r"\b(?!(?:def|return|for|in|range|if|else|elif|class|import|from|torch|nn|self|super|"
                   r"__init__|forward|sum|max|mean|zip|len|lambda|and|or|not|is|None|True|False|F)\b)([A-Za-z_]\w*)")


def disguise(text: str, rng: random.Random, constants: bool = True) -> str:
    """`text` with its own identifiers renamed and, for independent work, its small constants changed."""
    names: dict[str, str] = {}
    text = _NAME.sub(lambda m: names.setdefault(m.group(1), f"v{rng.randrange(10**6)}"), text)
    return re.sub(r"\b([2-9])\b", lambda m: str(rng.randrange(2, 10)), text) if constants else text


def own_functions(rng: random.Random, count: int) -> str:
    return "\n".join(f"\n\ndef helper_{rng.randrange(10**6)}(x, y):\n    z = x * {rng.randrange(100)} + y ** {rng.randrange(2, 6)}\n"
                     f"    return [z - {rng.randrange(50)}, y // {rng.randrange(1, 9)}, x % {rng.randrange(2, 11)}]\n"
                     for _ in range(count))


def make_class(root: Path, size: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    styles = [(STYLES / f"{s}.py").read_text() for s in ("loops", "unfold", "einsum", "stacked")]
    texts: list[dict[str, str]] = []
    for n in range(size):
        if n % 50 == 49:  # a disguised copy of the student before
            files = {name: disguise(text, rng, constants=False) for name, text in texts[-1].items()}
        else:
            files = {"conv.py": disguise(rng.choice(styles), rng) + own_functions(rng, 3),
                     "attention.py": disguise(rng.choice(styles), rng) + own_functions(rng, 6)}
        texts.append(files)
        folder = root / f"s{n:04d}"
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text)


def all_pairs(documents) -> int:
    """The ranking the index avoids: every pair's fingerprint sets intersected in full."""
    sets = [set(d.prints) for d in documents]
    return sum(1 for a, b in combinations(sets, 2) if len(a & b) >= 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        root = Path(tempfile.mkdtemp(prefix="bench-similarity-"))
        try:
            make_class(root, size)
            start = time.perf_counter()
            found = find_similar(root)
            whole = time.perf_counter() - start
            by_file: dict[str, list] = {}
            for (_, file), document in found.documents.items():
                by_file.setdefault(file, []).append(document)
            start = time.perf_counter()
            for documents in by_file.values():
                rank(documents, set(), COMMON)
            indexed = time.perf_counter() - start
            start = time.perf_counter()
            for documents in by_file.values():
                all_pairs(documents)
            full = time.perf_counter() - start
            copies = sum(1 for p in found.pairs["conv.py"][: size // 50] if abs(int(p.b[1:]) - int(p.a[1:])) == 1)
            rows.append((size, whole, indexed, full, copies))
            print(f"{size:>5} submissions: {whole:6.2f} s in all ({1000 * whole / size:.1f} ms each); ranking by the "
                  f"index {indexed:6.3f} s, every pair compared in full {full:7.3f} s; "
                  f"{copies} of {size // 50} planted copies are the top conv.py pairs", flush=True)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    if len(rows) >= 2:
        (small, *a), (big, *b) = rows[0], rows[-1]
        print(f"{big} / {small} submissions: whole run x{b[0] / a[0]:.1f}, index ranking x{b[1] / a[1]:.1f}, "
              f"full pairwise x{b[2] / a[2]:.1f} (x{big / small:.0f} is linear, x{(big / small) ** 2:.0f} quadratic)")


if __name__ == "__main__":
    main()
