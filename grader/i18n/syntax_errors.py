"""Python's own words inside grader's messages: what its parser says of code that does not parse.

A report quotes Python's reason when a student's file, a notebook cell, an answer or a spec's
expression does not parse ("'(' was never closed"). The common messages of Python 3.11's parser,
tokenizer and symbol table are matched here, their parts kept (the character, the keyword, the
line), and said from grader's catalog; a message not known here stays as Python wrote it, inside
the translated frame that quotes it. Each msgid below is Python's English with its parts as fields,
so in English the message comes back as it was.

The message may come from a sandboxed child (a student's import): it is only matched and
rewritten, never evaluated, and what is kept of it is what a pattern captured, as text.
"""

from __future__ import annotations

import re
import string

from grader.i18n import N_, _

# Python's names for what cannot be assigned to or deleted ("cannot assign to function call"),
# said in the language spoken where they fill a sentence; a name not listed stays as written.
_CONSTRUCTS = {name: name for name in (
    N_("function call"), N_("literal"), N_("expression"), N_("comparison"), N_("conditional expression"),
    N_("lambda"), N_("named expression"), N_("await expression"), N_("yield expression"), N_("f-string expression"),
    N_("generator expression"), N_("list comprehension"), N_("set comprehension"), N_("dict comprehension"),
    N_("dict literal"), N_("set display"), N_("ellipsis"), N_("attribute"), N_("subscript"), N_("starred"),
    N_("tuple"), N_("list"))}
# What each field of a message may hold; the rest of a message is matched as written.
_FIELDS = {
    "q": r"'[^']{1,40}'", "q2": r"'[^']{1,40}'",  # a quoted part: a keyword, a bracket, a character, a name
    "line": r"\d{1,9}", "code": r"[0-9A-F]{4,6}", "name": r"\w{1,80}", "what": r"[\w -]{1,30}",
    "call": r"[\w.]{1,40}\(\.\.\.\)", "reason": r".{1,300}",
}
# Python 3.11's messages, each Python's English with its parts as fields: the msgid is the pattern.
_TEMPLATES = (
    N_("invalid syntax"),
    N_("invalid syntax. Perhaps you forgot a comma?"),
    N_("invalid syntax. Maybe you meant '==' or ':=' instead of '='?"),
    N_("unexpected EOF while parsing"),
    N_("unterminated string literal (detected at line {line})"),
    N_("unterminated triple-quoted string literal (detected at line {line})"),
    N_("EOL while scanning string literal"),
    N_("EOF while scanning triple-quoted string literal"),
    N_("EOF in multi-line string"),
    N_("EOF in multi-line statement"),
    N_("{q} was never closed"),
    N_("unmatched {q}"),
    N_("closing parenthesis {q} does not match opening parenthesis {q2}"),
    N_("closing parenthesis {q} does not match opening parenthesis {q2} on line {line}"),
    N_("invalid character {q} (U+{code})"),
    N_("invalid non-printable character U+{code}"),
    N_("unexpected character after line continuation character"),
    N_("(unicode error) {reason}"),
    N_("source code string cannot contain null bytes"),
    N_("expected {q}"),
    N_("expected {q} or {q2} block"),
    N_("expected 'else' after 'if' expression"),
    N_("':' expected after dictionary key"),
    N_("unexpected indent"),
    N_("unexpected unindent"),
    N_("unindent does not match any outer indentation level"),
    N_("inconsistent use of tabs and spaces in indentation"),
    N_("too many levels of indentation"),
    N_("expected an indented block"),
    N_("expected an indented block after {q} statement on line {line}"),
    N_("expected an indented block after function definition on line {line}"),
    N_("expected an indented block after class definition on line {line}"),
    N_("invalid decimal literal"),
    N_("invalid hexadecimal literal"),
    N_("invalid octal literal"),
    N_("invalid binary literal"),
    N_("invalid digit {q} in octal literal"),
    N_("invalid digit {q} in binary literal"),
    N_("invalid imaginary literal"),
    N_("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"),
    N_("cannot assign to {what}"),
    N_("cannot assign to {what} here. Maybe you meant '==' instead of '='?"),
    N_("cannot delete {what}"),
    N_("cannot use assignment expressions with {what}"),
    N_("'{what}' is an illegal expression for augmented assignment"),
    N_("expression cannot contain assignment, perhaps you meant \"==\"?"),
    N_("assignment to yield expression not possible"),
    N_("multiple starred expressions in assignment"),
    N_("Missing parentheses in call to {q}. Did you mean {call}?"),
    N_("Generator expression must be parenthesized"),
    N_("positional argument follows keyword argument"),
    N_("positional argument follows keyword argument unpacking"),
    N_("iterable argument unpacking follows keyword argument unpacking"),
    N_("keyword argument repeated: {name}"),
    N_("non-default argument follows default argument"),
    N_("duplicate argument {q} in function definition"),
    N_("named arguments must follow bare *"),
    N_("arguments cannot follow var-keyword argument"),
    N_("{q} outside function"),
    N_("{q} outside async function"),
    N_("'break' outside loop"),
    N_("'continue' not properly in loop"),
    N_("default 'except:' must be last"),
    N_("cannot mix bytes and nonbytes literals"),
    N_("f-string: expecting '}}'"),
    N_("f-string: empty expression not allowed"),
    N_("f-string: single '}}' is not allowed"),
    N_("name {q} is assigned to before global declaration"),
    N_("name {q} is used prior to global declaration"),
    N_("name {q} is parameter and global"),
    N_("name {q} is parameter and nonlocal"),
    N_("no binding for nonlocal {q} found"),
    N_("nonlocal declaration not allowed at module level"),
    N_("import * only allowed at module level"),
)


def _pattern(template: str) -> re.Pattern:
    """The regular expression a message template matches: its text as written, each field as _FIELDS says."""
    parts = []
    for text, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(text))
        if field:
            parts.append(f"(?P<{field}>{_FIELDS[field]})")
    return re.compile("".join(parts))


_MESSAGES = [(_pattern(template), template) for template in _TEMPLATES]


def say_syntax_error(message: str) -> str:
    """`message`, a SyntaxError's `msg` (IndentationError's, TabError's, the tokenizer's), in the
    language spoken; as Python wrote it where it is not one of the messages known here."""
    for pattern, template in _MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            parts = found.groupdict()
            if "what" in parts:
                parts["what"] = _(_CONSTRUCTS[parts["what"]]) if parts["what"] in _CONSTRUCTS else parts["what"]
            return _(template).format(**parts)
    return message
