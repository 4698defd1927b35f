"""IPython's magics and shell lines in a cell, found where IPython finds them: at a statement's start.

`%matplotlib inline`, `!pip install d2l` and `files = !ls` are not Python, so they are blanked
before the cell is parsed. But `%` is also Python's modulo and `!=` its comparison, and the
course spreads long calls over lines, so a line may start with either inside brackets:

    print('epoch %d, loss %.4f'
          % (epoch + 1, loss))

A line is a magic only where it starts a logical line: outside brackets, outside a string
that spans lines, and not after a backslash. The cell is scanned token by token (strings,
comments, brackets) to know where logical lines start, so no pattern is fooled by a line's
look; a magic line itself is not scanned (IPython hands it whole to the magic or the shell),
and one ending in a backslash goes on over the next line, as IPython reads it.
"""

from __future__ import annotations

import re

_ASSIGNED = re.compile(r"[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%](?!=)")  # `files = !ls`
_HELP = re.compile(r"\?{0,2}[A-Za-z_][\w.]*\?{0,2}")  # `net?`, `??nn.Conv2d`
_TOKENS = re.compile(r"""[rRbBuUfF]{0,2}(?:'''|\"\"\"|'|")|#|\\\n?|[()\[\]{}]""")


def is_magic_line(line: str) -> bool:
    """Whether `line`, starting a logical line, is a line magic, a shell line or a help request."""
    text = line.strip()
    if text.startswith(("%", "!")) or _ASSIGNED.match(text):
        return True
    return "?" in text and _HELP.fullmatch(text) is not None


def magic_lines(source: str) -> list[int]:
    """The 0-based indexes of the lines of `source` that are magics or shell lines."""
    lines = source.split("\n")
    found = []
    depth, quote, continued = 0, "", False  # open brackets, the string still open, a backslash at the end
    in_magic = False  # the line before was a magic ending in a backslash: this one goes on with it
    for index, line in enumerate(lines):
        starts = depth == 0 and not quote and not continued
        if in_magic or (starts and is_magic_line(line)):
            found.append(index)
            in_magic = line.rstrip().endswith("\\")
            continue
        continued = False
        pos = 0
        while pos < len(line):
            if quote:
                end = _string_end(line, pos, quote)
                if end < 0:
                    if len(quote) == 1 and not line.endswith("\\"):
                        quote = ""  # a one-line string left open: Python's error, not ours to find
                    break
                pos, quote = end, ""
                continue
            token = _TOKENS.search(line, pos)
            if token is None:
                break
            text = token.group()
            pos = token.end()
            if text == "#":
                break
            if text.startswith("\\"):
                continued = pos >= len(line)
            elif text in "([{":
                depth += 1
            elif text in ")]}":
                depth = max(depth - 1, 0)
            else:
                quote = text.lstrip("rRbBuUfF")
    return found


def _string_end(line: str, pos: int, quote: str) -> int:
    """Where the string closed by `quote` ends in `line` from `pos` (after the quote), or -1."""
    while True:
        at = line.find(quote, pos)
        if at < 0:
            return -1
        before = at
        while before > pos and line[before - 1] == "\\":  # each backslash is looked at once
            before -= 1
        if (at - before) % 2 == 0:
            return at + len(quote)
        pos = at + 1
