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

from grader.i18n import N_, _

# Python's names for what cannot be assigned to or deleted ("cannot assign to function call"),
# said in the language spoken where they fill a sentence; a name not listed stays as written.
_CONSTRUCTS = {name: name for name in (
    N_("function call"), N_("literal"), N_("expression"), N_("comparison"), N_("conditional expression"),
    N_("lambda"), N_("named expression"), N_("await expression"), N_("yield expression"), N_("f-string expression"),
    N_("generator expression"), N_("list comprehension"), N_("set comprehension"), N_("dict comprehension"),
    N_("dict literal"), N_("set display"), N_("ellipsis"), N_("attribute"), N_("subscript"), N_("starred"),
    N_("tuple"), N_("list"))}
_QUOTED = r"(?P<{}>'[^']{{1,40}}')"  # {q} in a pattern: a quoted part (a keyword, a bracket, a character, a name)

_MESSAGES = [(re.compile(pattern.replace("{q}", _QUOTED.format("q")).replace("{q2}", _QUOTED.format("q2"))), template)
             for pattern, template in (
    (r"invalid syntax", N_("invalid syntax")),
    (r"invalid syntax\. Perhaps you forgot a comma\?", N_("invalid syntax. Perhaps you forgot a comma?")),
    (r"invalid syntax\. Maybe you meant '==' or ':=' instead of '='\?",
     N_("invalid syntax. Maybe you meant '==' or ':=' instead of '='?")),
    (r"unexpected EOF while parsing", N_("unexpected EOF while parsing")),
    (r"unterminated string literal \(detected at line (?P<line>\d{1,9})\)",
     N_("unterminated string literal (detected at line {line})")),
    (r"unterminated triple-quoted string literal \(detected at line (?P<line>\d{1,9})\)",
     N_("unterminated triple-quoted string literal (detected at line {line})")),
    (r"EOL while scanning string literal", N_("EOL while scanning string literal")),
    (r"EOF while scanning triple-quoted string literal", N_("EOF while scanning triple-quoted string literal")),
    (r"EOF in multi-line string", N_("EOF in multi-line string")),
    (r"EOF in multi-line statement", N_("EOF in multi-line statement")),
    (r"{q} was never closed", N_("{q} was never closed")),
    (r"unmatched {q}", N_("unmatched {q}")),
    (r"closing parenthesis {q} does not match opening parenthesis {q2}",
     N_("closing parenthesis {q} does not match opening parenthesis {q2}")),
    (r"closing parenthesis {q} does not match opening parenthesis {q2} on line (?P<line>\d{1,9})",
     N_("closing parenthesis {q} does not match opening parenthesis {q2} on line {line}")),
    (r"invalid character {q} \(U\+(?P<code>[0-9A-F]{4,6})\)", N_("invalid character {q} (U+{code})")),
    (r"invalid non-printable character U\+(?P<code>[0-9A-F]{4,6})", N_("invalid non-printable character U+{code}")),
    (r"unexpected character after line continuation character",
     N_("unexpected character after line continuation character")),
    (r"\(unicode error\) (?P<reason>.{1,300})", N_("(unicode error) {reason}")),  # "C:\Users" in a string
    (r"source code string cannot contain null bytes", N_("source code string cannot contain null bytes")),
    (r"expected {q}", N_("expected {q}")),
    (r"expected {q} or {q2} block", N_("expected {q} or {q2} block")),
    (r"expected 'else' after 'if' expression", N_("expected 'else' after 'if' expression")),
    (r"':' expected after dictionary key", N_("':' expected after dictionary key")),
    (r"unexpected indent", N_("unexpected indent")),
    (r"unexpected unindent", N_("unexpected unindent")),
    (r"unindent does not match any outer indentation level", N_("unindent does not match any outer indentation level")),
    (r"inconsistent use of tabs and spaces in indentation", N_("inconsistent use of tabs and spaces in indentation")),
    (r"too many levels of indentation", N_("too many levels of indentation")),
    (r"expected an indented block", N_("expected an indented block")),
    (r"expected an indented block after {q} statement on line (?P<line>\d{1,9})",
     N_("expected an indented block after {q} statement on line {line}")),
    (r"expected an indented block after function definition on line (?P<line>\d{1,9})",
     N_("expected an indented block after function definition on line {line}")),
    (r"expected an indented block after class definition on line (?P<line>\d{1,9})",
     N_("expected an indented block after class definition on line {line}")),
    (r"invalid decimal literal", N_("invalid decimal literal")),
    (r"invalid hexadecimal literal", N_("invalid hexadecimal literal")),
    (r"invalid octal literal", N_("invalid octal literal")),
    (r"invalid binary literal", N_("invalid binary literal")),
    (r"invalid digit {q} in octal literal", N_("invalid digit {q} in octal literal")),
    (r"invalid digit {q} in binary literal", N_("invalid digit {q} in binary literal")),
    (r"invalid imaginary literal", N_("invalid imaginary literal")),
    (r"leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
     N_("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers")),
    (r"cannot assign to (?P<what>[\w -]{1,30})", N_("cannot assign to {what}")),
    (r"cannot assign to (?P<what>[\w -]{1,30}) here\. Maybe you meant '==' instead of '='\?",
     N_("cannot assign to {what} here. Maybe you meant '==' instead of '='?")),
    (r"cannot delete (?P<what>[\w -]{1,30})", N_("cannot delete {what}")),
    (r"cannot use assignment expressions with (?P<what>[\w -]{1,30})",
     N_("cannot use assignment expressions with {what}")),
    (r"'(?P<what>[\w -]{1,30})' is an illegal expression for augmented assignment",
     N_("'{what}' is an illegal expression for augmented assignment")),
    (r"expression cannot contain assignment, perhaps you meant \"==\"\?",
     N_("expression cannot contain assignment, perhaps you meant \"==\"?")),
    (r"assignment to yield expression not possible", N_("assignment to yield expression not possible")),
    (r"multiple starred expressions in assignment", N_("multiple starred expressions in assignment")),
    (r"Missing parentheses in call to {q}\. Did you mean (?P<call>[\w.]{1,40}\(\.\.\.\))\?",
     N_("Missing parentheses in call to {q}. Did you mean {call}?")),
    (r"Generator expression must be parenthesized", N_("Generator expression must be parenthesized")),
    (r"positional argument follows keyword argument", N_("positional argument follows keyword argument")),
    (r"positional argument follows keyword argument unpacking",
     N_("positional argument follows keyword argument unpacking")),
    (r"iterable argument unpacking follows keyword argument unpacking",
     N_("iterable argument unpacking follows keyword argument unpacking")),
    (r"keyword argument repeated: (?P<name>\w{1,80})", N_("keyword argument repeated: {name}")),
    (r"non-default argument follows default argument", N_("non-default argument follows default argument")),
    (r"duplicate argument {q} in function definition", N_("duplicate argument {q} in function definition")),
    (r"named arguments must follow bare \*", N_("named arguments must follow bare *")),
    (r"arguments cannot follow var-keyword argument", N_("arguments cannot follow var-keyword argument")),
    (r"{q} outside function", N_("{q} outside function")),
    (r"{q} outside async function", N_("{q} outside async function")),
    (r"'break' outside loop", N_("'break' outside loop")),
    (r"'continue' not properly in loop", N_("'continue' not properly in loop")),
    (r"default 'except:' must be last", N_("default 'except:' must be last")),
    (r"cannot mix bytes and nonbytes literals", N_("cannot mix bytes and nonbytes literals")),
    (r"f-string: expecting '}'", N_("f-string: expecting '}}'")),
    (r"f-string: empty expression not allowed", N_("f-string: empty expression not allowed")),
    (r"f-string: single '}' is not allowed", N_("f-string: single '}}' is not allowed")),
    (r"name {q} is assigned to before global declaration", N_("name {q} is assigned to before global declaration")),
    (r"name {q} is used prior to global declaration", N_("name {q} is used prior to global declaration")),
    (r"name {q} is parameter and global", N_("name {q} is parameter and global")),
    (r"name {q} is parameter and nonlocal", N_("name {q} is parameter and nonlocal")),
    (r"no binding for nonlocal {q} found", N_("no binding for nonlocal {q} found")),
    (r"nonlocal declaration not allowed at module level", N_("nonlocal declaration not allowed at module level")),
    (r"import \* only allowed at module level", N_("import * only allowed at module level")),
)]


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
