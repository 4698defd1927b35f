"""Strict YAML reading for every file a user writes: specs, answers, student.yaml.

PyYAML keeps the last of two duplicate keys silently; here a duplicate is an error.
Each loaded document comes with the line of every mapping key, so that later
validation errors can point at the line to fix, and its node tree, so that a value can
be read as written (a student id `0123` is text, not the YAML 1.1 integer 83).

Student files are parsed `plain`: no anchors or aliases (a 450-byte "billion laughs"
file expands to gigabytes), refused while composing, before anything walks the document.
Every file has a nesting limit, so deep brackets are a message, not a RecursionError.
Students' files are also read as they were typed: a full-width colon or comma from a Chinese
input method where YAML needs its ASCII twin (`which-gate：b`) is read as that twin and said
in the document's `notes`; `12:30:00` is the text 12:30:00, never YAML 1.1's base-60 45000.
A file that still does not parse names any full-width character on the line at fault.

Instructors' files (not `plain`) are scanned and parsed by libyaml where PyYAML has it (ten
times faster: a bank loads in a fraction of the time), with our own composer and
constructors on its events, so lines, duplicate keys and limits are the same. A file it
finds any problem with is read again by the pure-Python parser, whose messages are the
ones authors are told. Students' files always go through the pure-Python parser: no C code
ever reads untrusted text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from grader.errors import SpecError
from grader.i18n import N_, _, listed

Location = tuple[Any, ...]  # a path into the document: keys and list indexes


@dataclass(frozen=True)
class YamlDocument:
    path: Path
    data: Any
    lines: dict[Location, int]  # 1-based line of each key or list item
    node: yaml.Node | None = None  # the composed document, for values as written
    notes: tuple[str, ...] = ()  # what was read other than typed (students' files), one sentence each

    def line_of(self, location: Location) -> int | None:
        """The line of `location`, or of its nearest ancestor that has one."""
        location = tuple(location)
        while location:
            if location in self.lines:
                return self.lines[location]
            location = location[:-1]
        return None

    def text_at(self, key: str) -> tuple[str, str] | None:
        """(the source text, the resolved tag) of top-level scalar `key`, or None when it is not a scalar."""
        if not isinstance(self.node, yaml.MappingNode):
            return None
        for key_node, value_node in self.node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return (value_node.value, value_node.tag) if isinstance(value_node, yaml.ScalarNode) else None
        return None


MAX_DEPTH = 100  # nested collections in any file
MAX_PLAIN_DEPTH = 20  # in a student's file


class _Refused(yaml.constructor.ConstructorError):
    """Something a file may not hold (an anchor or alias in a plain file, deep nesting, a wrong date)."""

    def __init__(self, problem: str, mark, fix: str):
        super().__init__(None, None, problem, mark)
        self.fix = fix


class _Strict:
    """What our loaders add to composing: no deep nesting, no (plain) anchors or aliases."""

    plain = False
    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if self.plain and (isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None):
            raise _Refused(_("anchors and aliases (&name, *name) are not allowed in this file"), event.start_mark,
                           _("write each value out in full"))
        self._depth += 1
        try:
            limit = MAX_PLAIN_DEPTH if self.plain else MAX_DEPTH
            if self._depth > limit:
                raise _Refused(_("lists and mappings are nested more than {limit} levels deep").format(limit=limit),
                               event.start_mark, _("nest fewer brackets"))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _StrictLoader(_Strict, yaml.SafeLoader):
    """A safe loader that refuses duplicate keys, deep nesting and (plain) anchors and aliases."""


_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"


class _PlainLoader(_StrictLoader):
    plain = True

    def resolve(self, kind, value, implicit):
        tag = super().resolve(kind, value, implicit)
        if tag in (_INT, _FLOAT) and ":" in value:
            return _STR  # YAML 1.1 base 60 (12:30:00 is 45000): a student means what they typed
        return tag


try:
    from yaml.cyaml import CParser as _CParser  # PyYAML built with libyaml
except ImportError:
    _CParser = None

class _Diverges(Exception):
    """Text libyaml and PyYAML may read differently: PyYAML reads it again."""


if _CParser is not None:
    class _FastLoader(_Strict, yaml.composer.Composer, _CParser, SafeConstructor, yaml.resolver.Resolver):
        """_StrictLoader on libyaml's events: the same composer (Python's, before CParser's own)."""

        _flow = 0  # flow collections ([...], {...}) we are in

        def __init__(self, stream: str):
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._lines = stream.split("\n")

        def compose_node(self, parent, index):
            event = self.peek_event()
            if (self._flow and isinstance(event, yaml.ScalarEvent) and event.style is None
                    and any(c in event.value for c in "?:#")):
                raise _Diverges
            flow = int(isinstance(event, yaml.CollectionStartEvent) and bool(event.flow_style))
            self._flow += flow
            try:
                node = super().compose_node(parent, index)
            finally:
                self._flow -= flow
            if flow and not self._flow and any(
                    "?" in line for line in self._lines[node.start_mark.line:node.end_mark.line + 1]):
                raise _Diverges  # libyaml reads `{a: b? , c}`, which PyYAML refuses
            return node
else:
    _FastLoader = None


class _DuplicateKey(yaml.constructor.ConstructorError):
    """Two equal keys in one mapping."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(None, None, _("a key must be a plain scalar"), key_node.start_mark)
        if key in seen:
            raise _DuplicateKey(None, None, _("duplicate key {key!r} (first on line {line})").format(key=key, line=seen[key]),
                                key_node.start_mark)
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode):
    try:
        return SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as error:
        raise _Refused(_("{value!r} reads as a date but is not one ({reason})").format(value=node.value, reason=error),
                       node.start_mark, _("write a real date, or put the value in quotes to keep it as text")) from None


for _loader in (_StrictLoader, _FastLoader):
    if _loader is not None:
        _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
        _loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _record_lines(node: yaml.Node, here: Location, lines: dict[Location, int], loader: _StrictLoader) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            lines[here + (key,)] = key_node.start_mark.line + 1
            _record_lines(value_node, here + (key,), lines, loader)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[here + (index,)] = item.start_mark.line + 1
            _record_lines(item, here + (index,), lines, loader)


def parse_yaml(text: str, path: Path, *, plain: bool = False) -> YamlDocument:
    """Parse `text` strictly; raise SpecError naming `path` and the line on any problem.

    `plain` is for students' files: anchors and aliases are refused, nesting is shallow, and
    full-width YAML punctuation is read as ASCII (`fold_punctuation`), said in `notes`.
    """
    notes: tuple[str, ...] = ()
    if plain:
        text, notes = fold_punctuation(text)
    if not plain and _FastLoader is not None:
        document = _parse_fast(text, path)
        if document is not None:
            return document
    try:
        loader = (_PlainLoader if plain else _StrictLoader)(text)
    except yaml.reader.ReaderError as error:
        line = text[:error.position].count("\n") + 1
        raise SpecError(path, _("not valid YAML: a control character (#x{code:02x}) is not allowed").format(
            code=error.character), line=line, fix=_("delete it, or write it as an escape in double quotes")) from None
    try:
        return _document(loader, path, notes)
    except _DuplicateKey as error:
        raise SpecError(path, error.problem, line=error.problem_mark.line + 1, fix=_("keep only one of them")) from None
    except _Refused as error:
        raise SpecError(path, _("not valid YAML: {problem}").format(problem=error.problem), line=error.problem_mark.line + 1,
                        fix=error.fix) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem, fix = _syntax_problem(error.problem or str(error))
        full_width = _full_width_fix(text, line)
        raise SpecError(path, _("not valid YAML: {problem}").format(problem=problem), line=line,
                        fix=_("{full_width}; otherwise {fix}").format(full_width=full_width, fix=fix) if full_width
                        else fix) from None
    except yaml.YAMLError as error:
        raise SpecError(path, _("not valid YAML: {problem}").format(problem=error)) from None
    except RecursionError:
        raise SpecError(path, _("not valid YAML: a value refers to itself (a recursive anchor)"),
                        fix=_("write the values out instead of using &anchor and *alias")) from None
    except (ValueError, OverflowError, TypeError) as error:  # e.g. an integer of more than 4300 digits
        raise SpecError(path, _("not valid YAML: a value cannot be read ({reason})").format(reason=str(error)[:200])) from None
    finally:
        loader.dispose()


def _parse_fast(text: str, path: Path) -> YamlDocument | None:
    """`text` parsed by libyaml, or None on any problem (the pure-Python parser then says which).

    Also None for text that libyaml reads more leniently than PyYAML: tabs (PyYAML refuses
    some that libyaml takes), line breaks other than \\n, a byte-order mark, and `?` inside
    brackets (on their lines) or `:` or `#` in a plain scalar there.
    """
    if any(c in text for c in "\t\r\x85\u2028\u2029\ufeff"):
        return None
    loader = _FastLoader(text)
    try:
        return _document(loader, path)
    except Exception:  # every error, ours or PyYAML's, is told as the pure-Python parser tells it
        return None
    finally:
        loader.dispose()


def _document(loader, path: Path, notes: tuple[str, ...] = ()) -> YamlDocument:
    """The one document `loader` holds, with the line of every value."""
    node = loader.get_single_node()
    if node is None:
        return YamlDocument(path, None, {}, notes=notes)
    lines: dict[Location, int] = {}
    data = loader.construct_document(node)
    _record_lines(node, (), lines, loader)
    return YamlDocument(path, data, lines, node, notes)


# -- full-width punctuation, as a Chinese input method types it --------------------------------------
_FULL_WIDTH = {"：": (N_("colon"), ":"), "，": (N_("comma"), ","), "\u3000": (N_("space"), " "), "［": (N_("bracket"), "["),
               "］": (N_("bracket"), "]"), "｛": (N_("brace"), "{"), "｝": (N_("brace"), "}"), "＃": (N_("number sign"), "#"),
               "－": (N_("hyphen"), "-"), "＂": (N_("quote"), '"'), "＇": (N_("quote"), "'")}


_FULL_WIDTH_ITEM = re.compile("^( *)－[ \u3000]+")


def fold_punctuation(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with the full-width colons and commas YAML would trip on made ASCII, and a note for each kind.

    Only where YAML needs the ASCII mark: the colon after a key (`which-gate：b` is
    `which-gate: b`; a colon in the value is the value's), a comma between the items of
    brackets, the hyphen of a list item. Quoted text, comments and block scalars (`|`, `>`)
    are left alone.
    """
    if not any(char in text for char in "：，－"):
        return text, ()
    lines = text.split("\n")
    changed: dict[str, list[int]] = {"：": [], "，": [], "－": []}
    flow = 0  # brackets open, over lines
    block = None  # the indentation of the key whose block scalar the lines are in
    for number, line in enumerate(lines):
        indent = len(line) - len(line.lstrip(" "))
        if block is not None and (indent > block or not line.strip()):
            continue
        block = None
        lines[number], flow, found = _fold_line(line, flow)
        for char in found:
            changed[char].append(number + 1)
        if _BLOCK_SCALAR.search(lines[number]):
            block = indent
    notes = tuple(_("read the full-width {mark} '{char}' on {lines} as '{ascii}' (YAML needs the ASCII one: type it with "
                    "the input method in half-width mode)").format(mark=_(_FULL_WIDTH[char][0]), char=char,
                                                                  lines=_lines(found), ascii=_FULL_WIDTH[char][1])
                  for char, found in changed.items() if found)
    return "\n".join(lines), notes


_BLOCK_SCALAR = re.compile(r"(?:^|[:\s-])[|>][+-]?\d*\s*(?:#.*)?$")


def _fold_line(line: str, flow: int) -> tuple[str, int, list[str]]:
    """One line folded (`fold_punctuation`), the brackets open after it, and the marks it folded."""
    found = []
    item = _FULL_WIDTH_ITEM.match(line)
    if item and not flow:  # －　a: a list item
        line = f"{item.group(1)}- {line[item.end():]}"
        found.append("－")
    out, quote, key_done = [], "", _ascii_key(line)
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and (index == 0 or line[index - 1] in " [{,:-："):
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] == " "):
            out.append(line[index:])
            break
        elif char in "[{":
            flow += 1
        elif char in "]}":
            flow = max(0, flow - 1)
        elif char == "：" and not key_done and not flow and line[:index].strip(" -"):
            out.append(": ")
            key_done = True
            found.append("：")
            continue
        elif char == "，" and flow:
            out.append(", ")
            found.append("，")
            continue
        out.append(char)
    return "".join(out), flow, found


def _ascii_key(line: str) -> bool:
    """Whether `line` already has a key: an ASCII colon followed by a space or the line's end."""
    code = line.split("#")[0].rstrip()
    return code.endswith(":") or ": " in code


def _lines(numbers: list[int]) -> str:
    numbers = sorted(set(numbers))
    return (_("line {number}").format(number=numbers[0]) if len(numbers) == 1 else
            _("lines {numbers}").format(numbers=listed(numbers)))


def _full_width_fix(text: str, line: int | None) -> str:
    """What to retype where the failing line, or the one before it, holds full-width punctuation; else ""."""
    rows = text.split("\n")
    for number in (line, line - 1) if line else ():
        row = rows[number - 1] if 1 <= number <= len(rows) else ""
        found = [char for char in dict.fromkeys(row) if char in _FULL_WIDTH]
        if found:
            named = listed(_("the full-width {mark} '{char}' (U+{code:04X})").format(
                mark=_(_FULL_WIDTH[c][0]), char=c, code=ord(c)) for c in found)
            twins = listed(f"'{_FULL_WIDTH[c][1]}'" for c in found)
            return _("line {number} holds {named}: retype it as {twins} with the input method in half-width mode").format(
                number=number, named=named, twins=twins)
    return ""


_SYNTAX = (  # what PyYAML says (in English, always) -> (what is wrong, in the author's words; the fix)
    ("'\\t'", N_("a tab character: YAML indents with spaces only"), N_("replace the tab with spaces")),
    ("mapping values are not allowed here",
     N_("a second ': ' on one line (text holding a colon and a space must be quoted)"),
     N_('put the value in quotes, e.g. say: "Hint: one bias per channel"')),
    ("could not find expected ':'", N_("a line that is neither `key: value` nor a list item `- ...`"),
     N_("add the missing ':' or indent the line under its key")),
    ("found unexpected end of stream", N_("a quote or bracket is never closed"), N_("close it on that line")),
    ("expected <block end>", N_("this line's indentation matches no key above it"),
     N_("indent it exactly like the lines it belongs with")),
)


def _syntax_problem(problem: str) -> tuple[str, str]:
    for found, words, fix in _SYNTAX:
        if found in problem:
            return _(words), _(fix)
    return problem, _("correct the YAML syntax on that line")


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse a YAML file; unreadable files are SpecErrors too."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError(path, _("not UTF-8 text"), fix=_("save the file as UTF-8")) from None
    except OSError as error:
        raise SpecError(path, _("cannot be read: {reason}").format(reason=error.strerror or error)) from None
    return parse_yaml(text, Path(path))
