"""Python's words for code that does not parse, said in the language spoken (grader.i18n.syntax_errors):
every message Python 3.11 gives for these broken snippets is known, comes back unchanged in English
and, in Chinese, keeps only its quoted parts and numbers in Latin letters."""

from __future__ import annotations

import re
import warnings

import pytest

from grader.i18n import CHINESE, ENGLISH, set_language
from grader.i18n.syntax_errors import say_syntax_error

BROKEN = [  # what students write, and Python 3.11's reason
    "x = = 1", "s = 'abc\n", "s = '''abc\n", "f(1,\n", "if x\n  pass", "  x = 1", "if x:\n    a\n  b", "x = ２",
    "x = 1abc", "f() = 1", "print 'x'", "f(a=1, 2)", "def f(a=1, b): pass", "def f(a, a): pass", "return 1",
    "break", "continue", "x = (1, 2]", "x = )", "if x:\npass", "def f():\npass", "class A:\nx", "for i in x:\n",
    "x = [1 2]", "if x = 1: pass", "f(x for x in y, 1)", "x = 0777", "x = 0b12", "x = 0o8", "x = 0xg",
    "x = a \\ b", "try:\n  x\nx = 1", "x + 1 = 2", "del f()", "(a, b) += 1", "f(**k, *a)", "f(a=1, a=2)",
    "x = 'a' b'b'", "def f():\n  x = 1\n  global x", "nonlocal x", "f'{'", "f'{}'", "f'}'", "x = \x00",
    "if x:\n\tpass\n        pass", "True = 1", "x = 1 if y", "def f(*): pass", "a, *b, *c = d", "x = {1: 2, 3}",
    "try:\n  x\nexcept:\n  y\nexcept E:\n  z", "x = '\\N{foo}'", "x = yield = 1", "def f(x):\n  nonlocal x",
    "def f():\n  def g():\n    nonlocal y", "await x", "def f():\n  from x import *", "a.b := 1", "x = \u200b",
    "x = [\n", "path = 'C:\\Users\\ann'", "def f(**a, b): pass", "x == 1 = y",
]


def reason(source: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "s.py", "exec")
        except SyntaxError as error:
            return error.msg
    raise AssertionError(f"{source!r} compiles")


@pytest.fixture
def speak():
    yield set_language
    set_language(ENGLISH)


def test_python_s_reasons_are_known_and_english_gives_them_back_unchanged(speak):
    speak(ENGLISH)
    for source in BROKEN:
        said = reason(source)
        assert say_syntax_error(said) == said, source


def test_in_chinese_only_the_quoted_parts_stay(speak):
    speak(CHINESE)
    for source in BROKEN:
        said = say_syntax_error(reason(source))
        assert re.search(r"[\u4e00-\u9fff]", said), (source, said)
        unquoted = re.sub(r"'[^']*'|\"[^\"]*\"|(?<![A-Za-z])(?:f-string|U\+[0-9A-F]+|import|global|nonlocal|lambda|yield|await|async|"
                          r"bytes|dtype|NUL|0o|except|if|else|print|True|False|None)(?![A-Za-z])", " ", said)
        if not said.startswith("（Unicode"):  # the codec's own words inside (unicode error) stay
            assert not re.search(r"[A-Za-z]{3,}", unquoted), (source, said)
    assert say_syntax_error("invalid character '２' (U+FF12)") == "无效字符 '２'（U+FF12）"
    assert say_syntax_error("unterminated string literal (detected at line 3)") == "字符串字面量没有结束（在第 3 行发现）"
    assert say_syntax_error("expected an indented block after 'for' statement on line 7") == \
           "第 7 行的 'for' 语句之后应有一个缩进的代码块"
    assert say_syntax_error("cannot assign to function call here. Maybe you meant '==' instead of '='?") == \
           "这里不能给函数调用赋值。你是想用 '==' 而不是 '=' 吗？"


def test_an_unknown_or_hostile_reason_stays_as_written(speak):
    speak(CHINESE)
    for text in ("a reason no Python gives", "{0.__class__.__mro__}", "'%s' was never closed" % ("x" * 500),
                 "cannot assign to {what.__class__}", "invalid character '{' (U+007B)" + "\n" * 3):
        assert say_syntax_error(text) == text
    assert say_syntax_error("'{x}' was never closed") == "'{x}' 没有闭合"  # a captured part is text, never a field
    assert say_syntax_error("cannot assign to walrus thing") == "不能给walrus thing赋值"  # a construct not listed
