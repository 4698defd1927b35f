"""Every message the bundled bank's checks say to a student is said in English and Chinese.

Read from the checks' source (by AST), so a message that no mutant makes fire is held to it too:
a failing assert, `pytest.fail`/`pytest.skip` and a raised AssertionError say `say({"en": ..., "zh": ...})`;
the `what`/`hint` of the `expect_*` helpers is such a mapping, or code (`corr2d(X, K)`), which reads
the same in every language; the two texts of a mapping fill in the same values; and no English
sentence is left outside a mapping.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

from grader.bank.resources import bundled

CHECK_FILES = sorted([*(p for p in bundled("exercises").glob("*/*/*.py") if p.parent.name in ("checks", "public")),
                      *bundled("solutions").glob("_course/*.py")])  # the bank's own code the checks say hints from
HELPERS = {"expect_close": 2, "expect_shape": 2, "expect_parameters_used": None, "expect_true_gradients": None}
SENTENCE = re.compile(r"[A-Za-z]+,? [A-Za-z]+,? [A-Za-z]+")  # three words in a row: English, not code
LANGUAGE_PART = re.compile(r"\[['\"](en|zh)['\"]\]")
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # ideographs and full-width punctuation


def _name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _text(node: ast.expr) -> str | None:
    """A literal's text, each value filled in as `v`; None for anything but a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "v" for part in node.values)
    return None


def _is_code(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def _values(node: ast.expr) -> Counter:
    """The values a text fills in; `hint['en']` and `hint['zh']` count as one (a part in the text's language)."""
    return Counter(LANGUAGE_PART.sub("[language]", ast.unparse(part))
                   for part in ast.walk(node) if isinstance(part, ast.FormattedValue))


def _mapping_problems(node: ast.Dict) -> list[str]:
    keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
    if set(keys) != {"en", "zh"}:
        return [f"has keys {keys}, not en and zh"]
    en, zh = (node.values[keys.index(tag)] for tag in ("en", "zh"))
    problems = []
    if _values(en) != _values(zh):
        problems.append(f"fills in {sorted(_values(en))} in English but {sorted(_values(zh))} in Chinese")
    english = _text(en)
    if english is not None and not _is_code(english) and not CHINESE.search(_text(zh) or ""):
        problems.append(f"has no Chinese for {english!r}")
    return problems


def _message_problem(node: ast.expr | None, what: str) -> str | None:
    """A student's message: said in both languages, or one that is already (a name, a call)."""
    if node is None:
        return None
    if isinstance(node, ast.Call) and _name(node.func) == "say":
        return None
    if isinstance(node, ast.Dict):
        return None  # checked as a mapping
    text = _text(node)
    if text is not None and not _is_code(text):
        return f"{what} {text!r} is English only: say it as {{'en': ..., 'zh': ...}}"
    if isinstance(node, ast.BinOp):
        return f"{what} is pasted from parts: build it in each language"
    return None


def problems_in(source: str) -> list[str]:
    tree = ast.parse(source)
    docstrings = {id(body[0].value) for body in (getattr(n, "body", None) for n in ast.walk(tree))
                  if isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                  and isinstance(body[0].value, ast.Constant)}
    in_mapping: set[int] = set()
    parts = {id(part) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for part in n.values}
    parts |= {id(part) for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) in ("_", "N_")
              for arg in n.args for part in ast.walk(arg)}  # in grader's catalog, translated there
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value in ("en", "zh") for k in node.keys):
            found += [f"line {line}: a message {problem}" for problem in _mapping_problems(node)]
            in_mapping.update(id(part) for value in node.values for part in ast.walk(value))
        elif isinstance(node, ast.Assert):
            if node.msg is None or not (isinstance(node.msg, ast.Call) and _name(node.msg.func) == "say"):
                found.append(f"line {line}: an assert without say({{'en': ..., 'zh': ...}})")
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and _name(node.exc.func) == "AssertionError":
            if not (node.exc.args and isinstance(node.exc.args[0], ast.Call) and _name(node.exc.args[0].func) == "say"):
                found.append(f"line {line}: an AssertionError without say({{'en': ..., 'zh': ...}})")
        elif isinstance(node, ast.Call) and _name(node.func) in ("fail", "skip"):
            if not (node.args and isinstance(node.args[0], ast.Call) and _name(node.args[0].func) == "say"):
                found.append(f"line {line}: pytest.{_name(node.func)} without say({{'en': ..., 'zh': ...}})")
        elif isinstance(node, ast.Call) and _name(node.func) in HELPERS:
            position = HELPERS[_name(node.func)]
            keywords = {k.arg: k.value for k in node.keywords}
            for offset, field in enumerate(("what", "hint")):
                given = keywords.get(field)
                if given is None and position is not None and len(node.args) > position + offset:
                    given = node.args[position + offset]
                problem = _message_problem(given, field)
                if problem:
                    found.append(f"line {line}: {_name(node.func)}'s {problem}")
    for node in ast.walk(tree):
        text = _text(node) if isinstance(node, (ast.Constant, ast.JoinedStr)) else None
        if text and id(node) not in in_mapping | docstrings | parts and SENTENCE.search(text):
            if not any(id(part) in in_mapping for part in ast.walk(node)):
                found.append(f"line {getattr(node, 'lineno', '?')}: English outside a mapping: {text[:60]!r}")
    return sorted(set(found))


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_every_check_message_is_said_in_english_and_chinese(path):
    assert not problems_in(path.read_text(encoding="utf-8")), "\n".join(problems_in(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("source, problem", [
    ('assert ok, "the output is wrong"\n', "an assert without say"),
    ('import pytest\npytest.fail(f"got {x}")\n', "pytest.fail without say"),
    ('raise AssertionError("wrong")\n', "an AssertionError without say"),
    ('expect_close(a, b, "the output of the block")\n', "what 'the output of the block' is English only"),
    ('expect_shape(a, (2,), "f(X)", hint="keep the width")\n', "hint 'keep the width' is English only"),
    ('assert ok, say({"en": f"got {x}", "zh": f"得到 {y}"})\n', "fills in ['{x}'] in English but ['{y}'] in Chinese"),
    ('assert ok, say({"en": "the output is wrong"})\n', "not en and zh"),
    ('assert ok, say({"en": "the output is wrong", "zh": "the output is wrong"})\n', "has no Chinese"),
    ('HINT = "use padding of one"\n', "English outside a mapping"),
    ('HINT = _("use padding of one") + "and stride two"\n', "English outside a mapping: 'and stride two'"),
])
def test_the_reading_catches_an_english_only_message(source, problem):
    assert any(problem in found for found in problems_in(source)), problems_in(source)


def test_the_reading_passes_bilingual_messages_and_code():
    source = ('assert ok, say({"en": f"got {x:.3g}", "zh": f"得到 {x:.3g}"})\n'
              'expect_close(a, b, "corr2d(X, K)", hint=HINT)\n'
              'expect_shape(a, (2,), {"en": "the output", "zh": "输出"})\n')
    assert problems_in(source) == []


def test_every_bundled_check_file_is_read():
    assert len(CHECK_FILES) >= 30 and {p.parent.parent.name for p in CHECK_FILES} >= {"corr2d", "decoder-block"}
    assert any(p.name == "differences.py" for p in CHECK_FILES)
