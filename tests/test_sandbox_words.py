"""The sandbox's own few words reach a student in the language spoken: the child sends a sentence of
ours as its template and fields, never as words, and the grader says it from its catalog; a frame that
breaks the protocol and Python's words for a syntax error are said too. A template the grader does not
know is never said, and the fields of one it knows are checked. Real sandbox, real child."""

from __future__ import annotations

import pytest

from grader.bank.spec import Limits
from grader.checking.remote import Submission
from grader.checking.session import ChildCrashed, Session, StudentError, StudentFault, child_said
from grader.i18n import CHINESE, ENGLISH, set_language
from grader.sandbox import wire
from grader.sandbox.launcher import Sandbox

SOURCE = '''
import sys


def not_a_net():
    return None


def gives_a_generator(x):
    return (v for v in x)


def parses_badly():
    return eval("(1 +")


def forged(known):
    error = TypeError("the student's own words")
    if known:  # one of our sentences, its fields hostile
        error.template, error.fields = "{symbol} gave a {type}, not a torch.nn.Module", {"symbol": "s" * 5000, "type": [1]}
    else:  # a template the grader does not know: never said
        error.template, error.fields = "{x.__class__.__mro__}", {"x": 1}
    raise error


def floods():
    sys.modules["grader.sandbox.child"].MESSAGE_LIMIT = 10**9  # the child's cap is the student's to lift
    raise ValueError("m" * 3_000_000)
'''


@pytest.fixture(scope="module")
def nets():
    with Sandbox() as sandbox:
        session = Session(sandbox, "nets.py", SOURCE, Limits(), companions={})
        yield Submission(session)
        session.close()


def said(language: str, action) -> str:
    set_language(language)
    try:
        with pytest.raises(StudentFault) as fault:
            action()
        return str(fault.value)
    finally:
        set_language(ENGLISH)


def test_the_child_s_own_sentences_are_said_in_the_language_spoken(nets):
    build = lambda: nets.build("nets:not_a_net")  # noqa: E731
    assert said(ENGLISH, build) == "your code raised TypeError: nets:not_a_net gave a NoneType, not a torch.nn.Module"
    assert said(CHINESE, build) == "你的代码抛出了 TypeError: nets:not_a_net 给出的是 NoneType，而不是 torch.nn.Module"
    call = lambda: nets.call("nets:gives_a_generator", [1, 2])  # noqa: E731
    assert said(ENGLISH, call) == "your code returned a value of type generator, which cannot be graded"
    assert said(CHINESE, call) == "你的代码返回了 一个 generator 类型的值，无法评分"


def test_python_s_words_for_a_syntax_error_are_said_in_the_language_spoken(nets):
    call = lambda: nets.call("nets:parses_badly")  # noqa: E731
    assert said(ENGLISH, call).startswith("your code raised SyntaxError: '(' was never closed")
    chinese = said(CHINESE, call)
    assert chinese.startswith("你的代码抛出了 SyntaxError: '(' 没有闭合") and "never" not in chinese, chinese


def test_a_frame_that_breaks_the_protocol_is_said_in_the_language_spoken(nets):
    chinese = said(CHINESE, lambda: nets.call("nets:floods"))
    assert chinese.startswith("你的代码破坏了评分协议（帧头有 ") and "超过上限 1048576" in chinese, chinese
    assert said(ENGLISH, lambda: nets.call("nets:floods")).startswith(
        "your code broke the grading protocol (frame header of ")


def test_a_forged_sentence_is_checked_and_an_unknown_template_never_said(nets):
    known = said(CHINESE, lambda: nets.call("nets:forged", True))
    assert known.startswith("你的代码抛出了 TypeError: " + "s" * 80 + " [...] 给出的是 [1]，而不是 torch.nn.Module"), known
    unknown = said(CHINESE, lambda: nets.call("nets:forged", False))
    assert unknown.startswith("你的代码抛出了 TypeError: the student's own words") and "class" not in unknown, unknown
    # what the grader accepts, whatever a child sends: its own template, each field an int or a capped text
    set_language(CHINESE)
    try:
        assert child_said({"template": wire.VALUE_TOO_LARGE, "fields": {"size": 7}}) == "值太大，无法发送（7 字节）"
        assert child_said({"template": wire.NOT_A_MODULE, "fields": {"symbol": ["x"], "type": {"a": 1}}}) == \
               " 给出的是 ，而不是 torch.nn.Module"
        assert child_said({"template": wire.VALUE_TYPE, "fields": {}}) == "一个  类型的值"
        for forged in (None, "text", {"template": "{0}", "fields": {}}, {"template": wire.VALUE_TYPE, "fields": ["type"]},
                       {"template": ["a value of type {type}"], "fields": {}}):
            assert child_said(forged) == ""
    finally:
        set_language(ENGLISH)


def test_every_sentence_the_child_may_send_is_a_template_of_the_wire():
    assert wire.NOT_A_MODULE in wire.CHILD_SENTENCES and wire.VALUE_TYPE in wire.CHILD_SENTENCES
    assert str(wire.Unsendable(wire.VALUE_TYPE, type="generator")) == "a value of type generator"
    assert str(wire.Unsendable("a student's {own} words")) == "a student's {own} words"  # no fields: never formatted
    assert isinstance(wire.Unsendable(wire.VALUE_TOO_DEEP), TypeError) and issubclass(ChildCrashed, StudentFault)
    assert issubclass(StudentError, StudentFault)
