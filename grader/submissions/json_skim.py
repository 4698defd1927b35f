"""JSON stepped through without building it: the values a reader asks for decoded, the rest jumped.

`json.loads` builds every value of a document before anything can be checked, so a 100 MB
file of small values becomes gigabytes of Python objects. A `Skim` walks the bytes instead:
an object's members and a list's items are handed to the caller by position, a string is
decoded only when asked for, and every other value is stepped over by searching for its end
in C (`bytes.find`, `re`), never built, never decoded. What is stepped over is capped in
lists, objects and strings (counted as it goes, a window at a time), so a flood ends early.
Errors are positions (`Broken`), kinds of value (`Malformed`) or caps (`TooLarge`), for the
caller to word.
"""

from __future__ import annotations

import json
import re

MAX_CONTAINERS = 500_000  # lists and objects stepped over (a notebook's outputs and metadata)
MAX_STRINGS = 2_000_000  # short strings stepped over (an honest 100 MB notebook is mostly long ones: images)
WINDOW = 1 << 20  # characters stepped over in one match, between two looks at the counts

_SPACE = re.compile(rb"[ \t\n\r]*")
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
# scalars, commas, colons, short strings and innermost lists and objects between brackets, stepped
# over in one match in C; a long string stops it, to be jumped by `string_end`
_SHORT = rb'"[^"\\]{0,200}+(?:\\.[^"\\]{0,200}+){0,8}+"'
_ATOM = rb'[^"\[\]{}]++|' + _SHORT
_RUN = re.compile(rb"(?:" + _ATOM + rb"|\[(?:" + _ATOM + rb")*+\]|\{(?:" + _ATOM + rb")*+\})*+")
_SCALAR = re.compile(rb"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")
_KINDS = {b"{": "an object", b"[": "a list", b'"': "text", b"t": "a boolean", b"f": "a boolean", b"n": "null"}


class Broken(Exception):
    """The bytes are not JSON at `position`; `what` says how, where it can."""

    def __init__(self, position: int, what: str = ""):
        self.position, self.what = position, what


class Malformed(Exception):
    """A value of another kind than the reader asked for."""

    def __init__(self, what: str, found: str, wanted: str):
        super().__init__(f"{what} is {found} where {wanted} was expected")
        self.what, self.found, self.wanted = what, found, wanted


class TooLarge(Exception):
    """More than a cap allows: `values` stepped over (MAX_CONTAINERS, MAX_STRINGS), or the
    `characters` of a text asked for (`size` of them, about, against `limit`)."""

    def __init__(self, cap: str, what: str = "", size: int = 0, limit: int = 0):
        super().__init__(f"{cap}: {what} {size} > {limit}")
        self.cap, self.what, self.size, self.limit = cap, what, size, limit


class Skim:
    """A JSON document's bytes, walked by position: `members`, `items`, `string`, `skip`."""

    def __init__(self, text: bytes):
        self.text = text
        self.turns = self.containers = self.strings = 0  # what skipping has met, against the caps

    def space(self, pos: int) -> int:
        return _SPACE.match(self.text, pos).end()

    def kind(self, pos: int) -> str:
        """What the value at `pos` is, for a message; the text's end there is broken JSON."""
        char = self.text[pos:pos + 1]
        if not char:
            raise Broken(pos, "it ends too early")
        return _KINDS.get(char, "a number" if char in b"-0123456789" else "something that is not JSON")

    def string_end(self, start: int) -> int:
        """The position after the string opening at `start`, nothing decoded."""
        close = self.text.find(b'"', start + 1)
        if close < 0:
            raise Broken(start, "a string that never ends")
        if self.text.find(b"\\", start + 1, close) < 0:
            return close + 1  # no escape in it: a base64 image is jumped in one search
        match = _STRING.match(self.text, start)
        if match is None:
            raise Broken(start, "a string that never ends")
        return match.end()

    def skip(self, pos: int) -> int:
        """The position after the value at `pos`, which is stepped over, never built."""
        text = self.text
        if text.startswith(b'"', pos):
            return self.string_end(pos)
        if not text.startswith((b"[", b"{"), pos):
            match = _SCALAR.match(text, pos)
            if match is None:
                raise Broken(pos)
            return match.end()
        depth = 0
        while True:
            char = text[pos:pos + 1]
            if not char:
                raise Broken(pos, "it ends too early")
            if char == b'"':
                pos = self.string_end(pos)
            elif char in b"[{]}":
                depth += 1 if char in b"[{" else -1
                pos += 1
                if depth == 0:
                    return pos
            end = _RUN.match(text, pos, pos + WINDOW).end()  # a window at a time: the counts stop a flood early
            self.turns += 1
            self.containers += text.count(b"[", pos, end) + text.count(b"{", pos, end)
            self.strings += text.count(b'"', pos, end) // 2
            if self.turns > MAX_CONTAINERS or self.containers > MAX_CONTAINERS or self.strings > MAX_STRINGS:
                raise TooLarge("values")
            pos = end

    def string(self, pos: int, what: str) -> tuple[str, int]:
        """The text of the string at `pos` (only here is a string decoded), and the position after it."""
        if not self.text.startswith(b'"', pos):
            raise Malformed(what, self.kind(pos), "text")
        end = self.string_end(pos)
        try:
            return json.loads(self.text[pos:end]), end
        except UnicodeDecodeError:
            raise Broken(pos, f"{what} is not UTF-8 text") from None
        except json.JSONDecodeError as error:
            raise Broken(pos + error.pos) from None

    def members(self, pos: int, what: str):
        """(key, value position) of the object at `pos`; the caller gives back the position after each value."""
        if not self.text.startswith(b"{", pos):
            raise Malformed(what, self.kind(pos), "an object")
        pos = self.space(pos + 1)
        if self.text.startswith(b"}", pos):
            return pos + 1
        while True:
            end = self.string_end(pos) if self.text.startswith(b'"', pos) else pos
            key = self.string(pos, "a key")[0] if end - pos <= 1024 else ""  # no one asks for a longer key: not decoded
            pos = end
            pos = self.space(pos)
            if not self.text.startswith(b":", pos):
                raise Broken(pos)
            pos = yield key, self.space(pos + 1)
            pos = self.space(pos)
            if self.text.startswith(b"}", pos):
                return pos + 1
            if not self.text.startswith(b",", pos):
                raise Broken(pos)
            pos = self.space(pos + 1)

    def items(self, pos: int, what: str):
        """The position of each value of the list at `pos`; the caller gives back the position after it."""
        if not self.text.startswith(b"[", pos):
            raise Malformed(what, self.kind(pos), "a list")
        pos = self.space(pos + 1)
        if self.text.startswith(b"]", pos):
            return pos + 1
        while True:
            pos = self.space((yield pos))
            if self.text.startswith(b"]", pos):
                return pos + 1
            if not self.text.startswith(b",", pos):
                raise Broken(pos)
            pos = self.space(pos + 1)

    def walk(self, walker, handle) -> int:
        """Drive a `members` or `items` walker: `handle(key_or_none, position)` returns the position after the value."""
        try:
            step = next(walker)
            while True:
                step = walker.send(handle(*step) if isinstance(step, tuple) else handle(None, step))
        except StopIteration as done:
            return done.value

    def spans(self, pos: int, what: str, inner: dict | None = None) -> tuple[dict, int]:
        """The position of each member's value of the object at `pos`, every value stepped over but
        those `inner` names, objects whose own members' positions come back in a dict instead."""
        found: dict = {}
        inner = inner or {}

        def note(key, at):
            if key in inner:
                found[key], after = self.spans(at, f"{what}'s {key}", inner[key])
                return after
            found[key] = at
            return self.skip(at)

        return found, self.walk(self.members(pos, what), note)

    def text_of(self, pos: int, what: str, limit: int) -> str:
        """Text or a list of texts (a cell's source), at most `limit` characters, checked before decoding."""
        end = self.skip(pos)
        if end - pos > 6 * limit + 1000:  # no text is longer than its JSON, nor its JSON 6 times longer
            raise TooLarge("characters", what, end - pos, limit)
        if self.text.startswith(b'"', pos):
            return self.string(pos, what)[0]
        parts: list[str] = []

        def add(_, at):
            part, after = self.string(at, f"a line of {what}")
            parts.append(part)
            return after

        self.walk(self.items(pos, what), add)
        return "".join(parts)

    def scalar(self, pos: int) -> str | None:
        """The number, boolean or null at `pos` as its JSON text (at most 20 characters), else None."""
        match = _SCALAR.match(self.text, pos)
        return match.group()[:20].decode() if match else None

    def optional_text(self, spans: dict[str, int], key: str, what: str) -> str | None:
        return self.string(spans[key], what)[0] if key in spans and not self.text.startswith(b"null", spans[key]) else None
