"""The reading step: maths as people type it, rewritten into the parser's plain grammar.

A Chinese input method types full-width forms (２３５２, （9/10）^k, ｂ, a，c); notes and slides
give −, ×, ·, ÷, ⌊x⌋, ⌈x⌉, x², |x| and Greek letters; and people write products without *
(2x, xy, y_i(δ(i,j) − y_j)). Two steps, both before anything is parsed:

* `fold` undoes the typography: superscripts become powers (x² is x^(2), x⁻¹ is x^(-1)),
  subscripts an underscore (yᵢ is y_i), then Unicode NFKC (full-width and compatibility
  forms become their ASCII twins), then −, ×, ÷ and their kin become - * /, Greek letters
  their names (δ is delta, π is pi), √(x) and √2 sqrt(x) and sqrt(2), and ⌊ ⌋ ⌈ ⌉ floor( )
  and ceil( ). Every answer gets it: a number, a shape, an option letter.
* `read_typed` also reads |x| as abs(x), pairs floor and ceiling brackets, and makes
  implied products explicit against the question's declared names: a number before a name
  or a bracket (2x, 2(x + 1)), a name that is no function before a bracket (y_i(...)), a
  bracket before a name or bracket ((a + b)(a - b)), names side by side (x y), and a run of
  declared names typed as one word (xy, 2pir). It never guesses: where two readings exist
  (`ab` where a, b and ab are all declared, |a|b|c|, 1/2x, 2^3x), ReadingError names both.

What `read_typed` returns is the text the parser reads (grader.judge.expr), and what a
report echoes back ("read as ...") when it differs from what was typed. Everything here is
one pass over the text, linear in its length.
"""

from __future__ import annotations

import functools
import keyword
import re
import unicodedata
from collections.abc import Collection


class ReadingError(ValueError):
    """Text that cannot be read one way only (grader.judge.expr raises it as an ExpressionError)."""


_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿ"
_SUPERSCRIPT = re.compile(f"[{_SUPERSCRIPTS}]+")
# Subscript digits and the subscript letters Unicode has (aehijklmnoprstuvx).
_SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"
_SUBSCRIPT = re.compile(f"[{_SUBSCRIPTS}]+")
_TYPOGRAPHY = str.maketrans({
    "\u2212": "-", "\u2013": "-", "\u2010": "-", "\u2011": "-",  # minus, en dash, hyphens
    "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2219": "*", "\u2217": "*",  # × · ⋅ ∙ ∗
    "\u00f7": "/", "\u2215": "/",  # ÷ ∕
    "\u3001": ",",  # 、 the ideographic comma, between the items of a list
    "\u3002": ".",  # 。 the ideographic full stop: 0。5, or the end of an answer (b。)
})
# √ before a bracket or a number; √x is left for the parser to refuse (√x*y or √(x*y)?).
_ROOT = re.compile(r"√\s*(?:(\()|(\d+(?:\.\d+)?))")
_FLOOR_CEIL = str.maketrans({"⌊": "floor(", "⌋": ")", "⌈": "ceil(", "⌉": ")"})


def _greek_names() -> dict[str, str]:
    """Each Greek letter (U+0391 to U+03C9) -> its English name: α alpha, Δ Delta, λ lambda."""
    names = {}
    for code in range(0x391, 0x3CA):
        char = chr(code)
        name = unicodedata.name(char, "")
        if not name.startswith("GREEK"):
            continue
        word = name.split()[-1].lower().replace("lamda", "lambda")
        names[char] = word.capitalize() if "CAPITAL" in name else word
    return names


_GREEK = str.maketrans(_greek_names())


def _superscript(match: re.Match) -> str:
    """x² is x^(2): in brackets, the exponent is whole (x²y is x^2*y, never x^(2*y))."""
    return f"^({unicodedata.normalize('NFKC', match.group())})"


def fold(text: str) -> str:
    """`text` with its typography undone (module docstring); no implied product is made explicit."""
    return text if text.isascii() else _plain(text).translate(_FLOOR_CEIL)


def _plain(text: str) -> str:
    """`fold` without the floor and ceiling brackets, which `read_typed` pairs itself."""
    if text.isascii():
        return text
    text = _SUPERSCRIPT.sub(_superscript, text)
    text = _SUBSCRIPT.sub(lambda m: "_" + unicodedata.normalize("NFKC", m.group()), text)
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).translate(_GREEK)
    return _ROOT.sub(lambda m: "sqrt(" if m.group(1) else f"sqrt({m.group(2)})", text) if "√" in text else text


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)
  | (?P<name>[^\W\d]\w*)
  | (?P<other>\*\*|//|.)
""", re.VERBOSE | re.DOTALL)
_OPENERS = {"(": ")", "[": "]", "{": "}", "⌊": "⌋", "⌈": "⌉"}
_WRITTEN = {"⌊": "floor(", "⌈": "ceil(", "⌋": ")", "⌉": ")"}
_CONSTANTS = ("pi", "e")


class _Vocabulary:
    """The words of one question: its declared names, the constants and the parser's functions,
    with what was read in them already (a class types the same answers many times)."""

    def __init__(self, names: frozenset[str], functions: frozenset[str]):
        self.names, self.functions = names, functions
        self.pieces = names | set(_CONSTANTS)
        self.longest = max(map(len, self.pieces | functions))
        self.read: dict[str, str] = {}  # text -> its reading
        self.words: dict[tuple[str, bool], list[tuple[str, ...]]] = {}  # (word, called) -> its readings

    def readings(self, token: str, call: bool) -> list[tuple[str, ...]]:
        """The ways to read `token` as declared names and constants (a function last, before a bracket); at most two.

        A constant alone is itself (pi is pi even where p and i are declared), as a function is.
        """
        known = self.words.get((token, call))
        if known is not None:
            return known
        if token in _CONSTANTS and token not in self.names:
            return [(token,)]
        ways: list[list[tuple[str, ...]]] = [[] for _ in range(len(token) + 1)]  # ways[i]: readings of token[i:]
        ways[len(token)] = [()]
        for start in range(len(token) - 1, -1, -1):
            for end in range(start + 1, min(len(token), start + self.longest) + 1):
                if not ways[end]:
                    continue
                piece = token[start:end]
                if piece in self.pieces or (end == len(token) and call and piece in self.functions):
                    ways[start].extend((piece, *rest) for rest in ways[end][:2])
                    del ways[start][2:]
        if len(self.words) >= _MEMO:
            self.words.clear()
        self.words[(token, call)] = ways[0]
        return ways[0]


_MEMO = 256  # texts and words kept per question: enough for a class's common answers, bounded whatever comes


@functools.lru_cache(maxsize=32)
def _vocabulary(names: frozenset[str], functions: frozenset[str]) -> _Vocabulary:
    return _Vocabulary(names, functions)


class _Reader:
    """One pass over the folded text's tokens, writing the parser's text."""

    def __init__(self, vocabulary: _Vocabulary):
        self.vocabulary = vocabulary
        self.out: list[str] = []
        self.ends_operand = False  # the last token written ends an operand (a product may follow it)
        self.open: list[str] = []  # brackets and bars open, innermost last
        # Per bracket level, innermost last: what would make an implied product there ambiguous.
        # "/" once a term divides (1/2x: (1/2)*x or 1/(2*x)?), "^" while the exponent is a bare
        # number, name or call (2^3x: (2^3)*x or 2^(3*x)?), "^ended" once it is written; "^(" an
        # exponent in brackets, which is whole, and "^call" a function's call as the exponent.
        self.ambiguity: list[str] = [""]
        self.operator = True  # the last token was an operator or an opening bracket: a sign is unary

    def read(self, text: str) -> str:
        tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)]
        for index, (kind, token) in enumerate(tokens):
            if kind == "space":
                self.out.append(token)
            elif kind == "number":  # after an operand no product: 2 3 is a typo, not 6; the parser says so
                self.write(token, ends_operand=True)
                self.operand()
            elif kind == "name":
                self.name(token, _after(tokens, index))
            elif token == "|":
                self.bar(text, tokens, index)
            elif token in _OPENERS:
                self.start(_WRITTEN.get(token, token), opener=token)
            elif token in _WRITTEN or token in ")]}":
                self.close(token)
            else:
                self.operation(token)
        if "|" in self.open:
            raise ReadingError("a bar | is never closed; write |x| with a bar on each side, or abs(x)")
        return "".join(self.out)

    def write(self, token: str, *, ends_operand: bool) -> None:
        self.out.append(token)
        self.ends_operand = ends_operand
        self.operator = False

    def operation(self, token: str) -> None:
        """An operator: a division or a power makes what follows it in its term ambiguous as a product."""
        if token in ("/", "//", "%"):
            self.ambiguity[-1] = "/"
        elif token in ("^", "**"):
            self.ambiguity[-1] = "^"
        elif not (token in "+-" and self.operator):  # a sign after an operator (2^-3x, 1/-2x) keeps the term
            self.ambiguity[-1] = ""
        self.write(token, ends_operand=False)
        self.operator = True

    def operand(self) -> None:
        """An operand is written: an exponent that is a bare number or name ends with it."""
        if self.ambiguity[-1] == "^":
            self.ambiguity[-1] = "^ended"

    def then(self, written: str, *, ends_operand: bool) -> None:
        """An operand, a product with the operand before it: `*` in place of any space between."""
        if self.ends_operand:
            if self.ambiguity[-1] in ("/", "^ended"):
                example = "1/2x: (1/2)*x or 1/(2*x)" if self.ambiguity[-1] == "/" else "2^3x: (2^3)*x or 2^(3*x)"
                raise ReadingError(f"the product without * before {written[:40]!r} can be read two ways "
                                   f"(as in {example}); write the * or brackets")
            while self.out and self.out[-1].isspace():
                self.out.pop()
            self.out.append("*")
        self.write(written, ends_operand=ends_operand)

    def start(self, written: str, opener: str) -> None:
        if opener in "[{":  # x[0] is indexing, which the parser refuses by name: no product
            self.write(written, ends_operand=False)
        else:
            self.then(written, ends_operand=False)
        if self.ambiguity[-1] == "^":
            self.ambiguity[-1] = "^("  # 2^(3)x is 2^3*x: the brackets hold the whole exponent
        self.open.append(opener)
        self.ambiguity.append("")
        self.operator = True

    def close(self, closer: str) -> None:
        if self.open:
            opener = self.open[-1]
            if opener == "|":
                raise ReadingError(f"a bar | is still open where {closer} closes a bracket; close |...| inside "
                                   "the bracket, or write abs(...)")
            if closer != _OPENERS[opener] and (opener in "⌊⌈" or closer in "⌋⌉"):
                raise ReadingError(f"{_BRACKET_NAMES[opener]} is closed by {closer}; close it with {_OPENERS[opener]}")
            self.shut()
        elif closer in "⌋⌉":
            raise ReadingError(f"{closer} closes no bracket; open it with {'⌊' if closer == '⌋' else '⌈'}")
        self.write(_WRITTEN.get(closer, closer), ends_operand=closer not in "]}")

    def shut(self) -> None:
        self.open.pop()
        self.ambiguity.pop()
        if self.ambiguity[-1] == "^(":
            self.ambiguity[-1] = ""
        elif self.ambiguity[-1] == "^call":  # e^sin(x)y: e^(sin(x)*y) or e^sin(x)*y?
            self.ambiguity[-1] = "^ended"
        self.operand()

    def bar(self, text: str, tokens: list[tuple[str, str]], index: int) -> None:
        """|x| is abs(x): a bar after an operand closes the innermost open bar, any other bar opens one.

        A bar that closes before an operand might instead open a product (|a|b|c|: |a|*b*|c| or
        |a*|b|*c|?); where the bars after it would balance that way too, it is refused.
        """
        if self.ends_operand and self.open and self.open[-1] == "|":
            if _starts_operand(_after(tokens, index)) and _bars_balance(tokens[index + 1:], self.open.count("|") + 1):
                raise ReadingError(f"the bars | in {text.strip()[:60]!r} can be read two ways (as in |a|*b*|c| "
                                   "or |a*|b|*c|); write * after a closing bar, or abs(...)")
            self.shut()
            self.write(")", ends_operand=True)
        else:
            self.start("abs(", opener="|")

    def name(self, token: str, after: str) -> None:
        if keyword.iskeyword(token):
            self.operation(token)  # and, or, lambda...: the parser says what it refuses
            return
        call = after == "("
        words = self.vocabulary
        if token in words.functions:  # never split: exp is not e*x*p
            if call and token in words.names:
                raise ReadingError(f"'{token}(...)' can be read as the function {token}(...) or as the product "
                                   f"{token}*(...); write the * for a product")
            if call:
                self.then(token, ends_operand=False)
                if self.ambiguity[-1] == "^":
                    self.ambiguity[-1] = "^call"  # its brackets are the function's, not the exponent's
            else:
                self.write(token, ends_operand=False)  # the parser says a function needs its brackets
            return
        readings = words.readings(token, call)
        if len(readings) > 1:
            first, second = sorted("*".join(r)[:80] for r in readings[:2])
            raise ReadingError(f"'{token[:40]}' can be read as {first} or as {second}; write * between the names of "
                               "a product")
        if not readings:  # an unknown word: left whole for the parser, which names it
            self.write(token, ends_operand=False)
            return
        pieces = readings[0]
        self.then("*".join(pieces), ends_operand=not (call and pieces[-1] in words.functions))
        if self.ends_operand:
            self.operand()


def _after(tokens: list[tuple[str, str]], index: int) -> str:
    """The token after `index`, spaces skipped ("" at the end)."""
    for kind, token in tokens[index + 1:]:
        if kind != "space":
            return token
    return ""


_BRACKET_NAMES = {"⌊": "the floor bracket ⌊", "⌈": "the ceiling bracket ⌈", "(": "the bracket (",
                  "[": "the bracket [", "{": "the brace {"}


def _bars_balance(tokens: list[tuple[str, str]], bars: int) -> bool:
    """Whether `bars` open bars are all closed by the bars in `tokens`, each read as `_Reader.bar` reads it."""
    ends_operand = False
    for kind, token in tokens:
        if token == "|":
            bars, ends_operand = (bars - 1, True) if ends_operand and bars else (bars + 1, False)
        elif kind != "space":
            ends_operand = kind in ("number", "name") or token in ")]}⌋⌉"
    return bars == 0


def _starts_operand(token: str) -> bool:
    return bool(token) and (token[0].isalnum() or token[0] in "_(.")


# Text in which there is nothing to read: ASCII without a name, a bar, or a number or bracket before a bracket.
_NOTHING_TO_READ = re.compile(r"[^\x00-\x7f]|[A-Za-z_|]|[\d.)]\s*\(")


def read_typed(text: str, names: Collection[str], functions: Collection[str]) -> str:
    """`text` as the parser reads it: folded, |x| as abs(x), implied products made explicit.

    `names` are the question's declared names, `functions` those the parser knows (with their
    aliases). Raises ReadingError for text that can be read two ways.
    """
    if not _NOTHING_TO_READ.search(text):
        return text
    vocabulary = _vocabulary(frozenset(names), frozenset(functions))
    read = vocabulary.read.get(text)
    if read is None:
        read = _Reader(vocabulary).read(_plain(text))
        if len(vocabulary.read) >= _MEMO:
            vocabulary.read.clear()
        vocabulary.read[text] = read
    return read


def forget() -> None:
    """Drop what was read (for a benchmark of the reading itself)."""
    _vocabulary.cache_clear()
