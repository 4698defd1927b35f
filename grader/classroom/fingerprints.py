"""Winnowed fingerprints of Python source, blind to names, comments, layout and order.

The source is read as Python tokens, never run. Every name that is not a keyword becomes
`N` and every string `S`, so renaming identifiers changes nothing; comments, docstrings,
blank lines and line breaks inside brackets are dropped, so re-commenting and reformatting
change nothing either. Each run of NOISE tokens is hashed, and winnowing (Schleimer,
Wilkerson and Aiken 2003, as MOSS and Dolos do) keeps the smallest hash of every WINDOW
consecutive ones: any shared run of at least NOISE + WINDOW - 1 tokens yields a shared
fingerprint, and none shorter than NOISE does. Fingerprints form a set, so definitions
moved around still match.
"""

from __future__ import annotations

import io
import keyword
import tokenize
import zlib
from dataclasses import dataclass, field

from grader.i18n import _
from grader.i18n.syntax_errors import say_syntax_error

NOISE = 12  # tokens: a shared run shorter than this is chance (`self.x = nn.Linear(a, b)` is 12)
WINDOW = 8  # a shared run of NOISE + WINDOW - 1 = 19 tokens is always found

_DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_STATEMENT_START = {None, ";", "{", "}"}
_SHOWN = {tokenize.NEWLINE: ";", tokenize.INDENT: "{", tokenize.DEDENT: "}", tokenize.STRING: "S"}


@dataclass(frozen=True)
class Token:
    text: str  # normalised: N for a name, S for a string, ; { } for statement ends and blocks
    first_line: int
    last_line: int


@dataclass
class Document:
    """One file of one submission: its lines as handed in and its fingerprints.

    prints maps a fingerprint to the (first, last) lines of every place it was taken from.
    """

    owner: str
    file: str
    lines: list[str]
    prints: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    note: str = ""  # what could not be read (a cell or a tail that does not tokenise)


def _normalised(token: tokenize.TokenInfo) -> str:
    if token.type == tokenize.NAME:
        return token.string if keyword.iskeyword(token.string) else "N"
    return _SHOWN.get(token.type, token.string)


def tokens(source: str, first_line: int = 1) -> tuple[list[Token], str]:
    """The normalised tokens of `source` (its line 1 numbered `first_line`), and why reading
    stopped early, if it did: a file that does not tokenise to the end keeps what came before."""
    found: list[Token] = []
    problem = ""
    raw = tokenize.generate_tokens(io.StringIO(source).readline)
    try:
        for token in raw:
            if token.type in _DROPPED:
                continue
            found.append(Token(_normalised(token), token.start[0] + first_line - 1, token.end[0] + first_line - 1))
    except (tokenize.TokenError, SyntaxError) as error:  # IndentationError is a SyntaxError
        line = error.lineno if isinstance(error, SyntaxError) else error.args[1][0]
        problem = _("line {line}: {reason}").format(line=(line or 1) + first_line - 1, reason=say_syntax_error(str(error.args[0]))[:120])
    return _without_docstrings(found), problem


def _without_docstrings(found: list[Token]) -> list[Token]:
    """Drop every string that is a statement of its own (a docstring, a string used as a comment)."""
    kept: list[Token] = []
    i = 0
    while i < len(found):
        before = kept[-1].text if kept else None
        after = found[i + 1].text if i + 1 < len(found) else ";"
        if found[i].text == "S" and before in _STATEMENT_START and after == ";":
            i += 2  # the string and the end of its statement
            continue
        kept.append(found[i])
        i += 1
    return kept


def _hash(run: list[Token]) -> int:
    return zlib.crc32("\x1f".join(token.text for token in run).encode())


def winnow(found: list[Token]) -> dict[int, list[tuple[int, int]]]:
    """The fingerprints of a token list: hash -> the (first, last) lines of each run it was taken from."""
    hashes = [_hash(found[i:i + NOISE]) for i in range(len(found) - NOISE + 1)]
    picked: dict[int, int] = {}  # position -> hash
    for start in range(max(1, len(hashes) - WINDOW + 1)):
        segment = hashes[start:start + WINDOW]
        if not segment:
            break
        low = min(segment)
        position = start + max(i for i, value in enumerate(segment) if value == low)  # the rightmost smallest
        picked[position] = low
    prints: dict[int, list[tuple[int, int]]] = {}
    for position, value in sorted(picked.items()):
        prints.setdefault(value, []).append((found[position].first_line, found[position + NOISE - 1].last_line))
    return prints


def fingerprint(owner: str, file: str, text: str, parts: list[tuple[int, str]] | None = None) -> Document:
    """The document `text` of `owner`'s `file`, read whole or in `parts`: (first line, source)
    for each of a notebook's cells, so a broken cell costs only itself."""
    found: list[Token] = []
    notes = []
    for first_line, source in parts if parts is not None else [(1, text)]:
        part, problem = tokens(source, first_line)
        found += part
        if problem:
            notes.append(problem)
    return Document(owner, file, text.splitlines(), winnow(found), "; ".join(notes[:3]))
