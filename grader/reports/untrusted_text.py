"""Untrusted text made harmless for each output format, at render time.

Exception messages from the child, echoed quiz answers, student ids, file names and
problems found in a folder are the student's words. The gradebook keeps them raw; every
report and export passes them through one function here for its format, so a student can
neither drive the TA's terminal (OSC 52 clipboard writes, screen clears), nor inject
markup, links, image trackers or spreadsheet formulas, nor pass a line of theirs off as
one of the grader's.

Control characters (C0 but the newline and tab a format allows, DEL, C1), bidi overrides,
line separators and lone surrogates are not dropped silently: they become visible
escapes (`\\x1b`, `\\u202e`), so a TA sees that something was tried. Every value is capped
at MAX_CHARS whatever the grader upstream did.
"""

from __future__ import annotations

import re
from typing import Any

from rich.markup import escape as rich_escape

MAX_CHARS = 2000
# In the terminal a student's line break never starts a fresh line: it is followed by this
# marker, which no line the grader writes starts with, so "✔ ... Total 16/16" cannot pass
# for a report line.
CONTINUATION = "      │ "
# OWASP's CSV injection rule: a text cell starting with one of these is read as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~#])")
_MARKDOWN_BLOCK_START = re.compile(r"^(?:[-+]|\d+[.)](?=\s|$))")  # a list item or a thematic break


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: object, keep: str = "\n\t", limit: int = MAX_CHARS) -> str:
    """`text` capped at `limit` characters, with every unsafe character but those in `keep` made a visible escape."""
    text = str(text)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    if "\n" in keep:
        text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _visible(m), text)


def for_terminal(text: object) -> str:
    """For printing through rich: no escape sequence, no markup, no line that looks like the grader's."""
    return rich_escape(clean(text)).replace("\n", "\n" + CONTINUATION)


class MarkdownText(str):
    """Text already made safe for Markdown, so that escaping it again is a no-op."""


def for_markdown(text: object) -> MarkdownText:
    """One line of inert Markdown: no block, table cell, link, image, code span or HTML of the student's."""
    if isinstance(text, MarkdownText):
        return text
    line = " ".join(clean(text).split())
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    line = _MARKDOWN_PUNCTUATION.sub(r"\\\1", line)
    line = _MARKDOWN_BLOCK_START.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], line)
    return MarkdownText(line)


def for_html(text: object) -> str:
    """For an autoescaping Jinja environment: escaping is Jinja's job, control characters are ours."""
    return clean(text)


def for_json(data: Any) -> Any:
    """Every string in a JSON document cleaned (newline and tab kept: JSON escapes them)."""
    if isinstance(data, str):
        return clean(data)
    if isinstance(data, list):
        return [for_json(value) for value in data]
    if isinstance(data, dict):
        return {key: for_json(value) for key, value in data.items()}
    return data


def for_spreadsheet(value: object) -> object:
    """A CSV cell: numbers stay numbers; text is one clean line that no spreadsheet reads as a formula."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = clean(value, keep="")
    return "'" + text if text.startswith(FORMULA_START) else text
