"""Pydantic's validation errors, told as SpecErrors in the author's words: one per field,
with its line and a fix, never pydantic's internals (`function-after[...]`, a regex).

Validators of the spec models raise `spec.AuthorError` to say what is wrong, where (a field
below the model that raised) and how to fix it; pydantic keeps the exception, so the
fix reaches the message.
"""

from __future__ import annotations

import difflib
import re

from pydantic import ValidationError

from grader.bank import spec
from grader.bank.yamlfile import YamlDocument
from grader.errors import SpecError


_KINDS = ("quiz", "code")
_OWN_CHECKS = ("value_error", "assertion_error")  # a model's validator ran: its form was the one meant
_WANTED = {"int": "a whole number", "float": "a number", "str": "text", "bool": "true or false",
           "list": "a list", "dict": "a mapping", "IntRange": "a range {min: .., max: ..}",
           "Tolerance": "{abs: .., rel: ..}", "FeedbackRule": "a rule {when: .., say: ..}"}
_TYPE_ERRORS = {"int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
                "float_type": "a number", "float_parsing": "a number", "string_type": "text",
                "bool_type": "true or false", "bool_parsing": "true or false", "list_type": "a list",
                "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping"}


def _is_union_tag(part: object) -> bool:
    # pydantic puts the union member it tried in the location ("int", "list[...]", "quiz"); drop it
    return isinstance(part, str) and (part in _WANTED or part in _KINDS or "[" in part or "-" in part and "(" in part)


def _member_name(tag: str) -> str:
    """'function-after[_ordered(), IntRange]' -> 'a range {min: .., max: ..}'; 'list[int]' -> 'a list'."""
    names = re.findall(r"[A-Za-z_]\w*", tag)
    model = next((n for n in reversed(names) if n in _WANTED), None)
    if tag.startswith(("list", "tuple")):
        return "a list"
    if tag.startswith("dict"):
        return "a mapping"
    return _WANTED.get(model or tag, tag)


def _split(loc: tuple) -> tuple[tuple, tuple, tuple[str, ...], bool]:
    """(fields, where the deepest union is, the member tried there, whether the error is inside it)."""
    fields, union_at, tags, inside = [], (), [], False
    for part in loc[1:]:
        if part == "[key]":  # pydantic's marker of a dict key's own error: the key is the field
            continue
        if _is_union_tag(part):
            union_at, tags, inside = tuple(fields), [part], False
        else:
            fields.append(part)
            inside = bool(tags)
    return tuple(fields), union_at, tuple(tags), inside


def _shown(value: object) -> str:
    kind = {int: "the whole number", float: "the number", str: "the text", bool: "", list: "the list",
            dict: "the mapping"}.get(type(value), type(value).__name__)
    text = repr(value) if isinstance(value, str) else str(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{kind} {text}".strip() if not isinstance(value, bool) else str(value).lower()


def _kebab(value: object) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") or "my-exercise"


def _field_names() -> list[str]:
    """Every field name a spec or mutants file may use: what a misspelt one is matched against."""

    models = [m for m in vars(spec).values() if isinstance(m, type) and issubclass(m, spec.Model)]
    return sorted({alias or name for m in models for name, f in m.model_fields.items()
                   for alias in [f.alias] if name != "folder"})


def _belongs(name: str, top: bool) -> str:
    """Where a field that exists, but not here, belongs: the fix for a quiz field in a code spec."""

    for kind, model in (("quiz", spec.QuizExercise), ("code", spec.CodeExercise)):
        if top and name in model.model_fields:
            return f"remove it: {name} belongs to kind: {kind} exercises (docs/specs.md)"
    return "remove it, or move it to where it belongs (docs/specs.md)"


def _pattern_words(field: str, pattern: str, value: object) -> tuple[str, str]:

    name = field.rsplit(".", 1)[-1]
    if pattern == spec.KEBAB:
        return (f"{_shown(value)} is not kebab-case (lowercase letters and digits joined by single hyphens)",
                f"write {name}: {_kebab(value)}")
    if pattern == spec.IDENTIFIER:
        suggestion = re.sub(r"\W+", "_", str(value)).lstrip("0123456789") or "x"
        return (f"{_shown(value)} is not a name usable in expressions (letters, digits and _, not starting "
                "with a digit)", f"rename it, e.g. {suggestion}")
    if pattern == spec.PYTHON_FILE:
        return f"{_shown(value)} is not a Python module file name", "name the file like conv.py"
    if pattern == spec.OPTION_LETTER:
        return f"option key {value!r} is not one lowercase letter", "key the options a, b, c, ..."
    return f"{_shown(value)} does not have the form this field needs", "see docs/specs.md for this field"


def _described(field: str, item: dict, members: list[str]) -> tuple[str, str]:
    """(message, fix) for one field's error, in the words of docs/specs.md."""
    kind, value, ctx = item["type"], item.get("input"), item.get("ctx") or {}
    if kind == "extra_forbidden":
        name = field.rsplit(".", 1)[-1]
        if name in _field_names():
            return f"{name} is not a field here", _belongs(name, top=field == name)
        near = difflib.get_close_matches(name, _field_names(), n=1)
        return "unknown field", (f"did you mean {near[0]}? else remove it" if near else "remove it or check its spelling")
    if kind == "missing":
        return "required field is missing", "add it"
    if kind == "union_tag_invalid":
        near = difflib.get_close_matches(str(ctx.get("tag")), _KINDS, n=1)
        return (f"kind must be quiz or code, not {ctx.get('tag')!r}",
                f"set kind: {near[0]}" if near else "set kind: quiz or kind: code")
    if kind == "union_tag_not_found":
        return "kind is missing: every spec says what it is", "add kind: quiz or kind: code"
    if kind in _OWN_CHECKS:
        error = ctx.get("error")
        return str(error) if error is not None else item["msg"].removeprefix("Value error, "), getattr(error, "fix", "")
    if kind == "string_pattern_mismatch":
        return _pattern_words(field, ctx.get("pattern", ""), value)
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        near = difflib.get_close_matches(str(value), choices, n=1)
        return (f"{_shown(value)} is not one of {', '.join(choices)}",
                f"write {near[0]}" if near else f"use one of {', '.join(choices)}")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {"greater_than": "greater than", "greater_than_equal": "at least", "less_than": "less than",
                 "less_than_equal": "at most"}[kind]
        limit = next(iter(ctx.values()), "")
        return f"must be {words} {limit}, got {_shown(value)}", f"use a value {words} {limit}"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        fix = "list the values to pick from, e.g. [1, 2, 3]" if field.startswith("params.") else "add at least one"
        return f"needs at least {least} item{'s' if least != 1 else ''}, got {ctx.get('actual_length', 0)}", fix
    if kind == "too_long":
        return f"has {ctx.get('actual_length')} items, at most {ctx.get('max_length')} allowed", "remove the extra items"
    if kind in _TYPE_ERRORS or kind.endswith("_type"):
        wanted = " or ".join(dict.fromkeys(members)) or _TYPE_ERRORS.get(kind, item["msg"].removeprefix("Input should be "))
        fix = ""
        if field.startswith("params.") and field.count(".") == 1 and not isinstance(value, (list, dict)):
            name = field.split(".")[1]
            fix = f"a param is a list to pick from or a range: write {name}: [{value}] for one value"
        return f"expected {wanted}, got {_shown(value)}", fix
    return item["msg"].removeprefix("Value error, "), ""


def field_errors(document: YamlDocument, error: ValidationError) -> list[SpecError]:
    """Turn pydantic's errors into SpecErrors that name the line and the field, one per field.

    Where a field may take several forms (a param: a list or a range), pydantic reports a
    failure for each form; the author meant the one whose own checks failed (a range with
    min above max, a range whose min is text), so only that form's errors are told.
    """
    items = [(*_split(item["loc"]), item) for item in error.errors()]
    chosen = {union_at for fields, union_at, tags, inside, item in items
              if tags and (inside or item["type"] in _OWN_CHECKS)}
    grouped: dict[tuple, list[tuple[tuple, dict]]] = {}
    for fields, union_at, tags, inside, item in items:
        if tags and not inside and union_at in chosen and item["type"] not in _OWN_CHECKS:
            continue  # another form of this field was meant
        at = getattr((item.get("ctx") or {}).get("error"), "at", ())
        grouped.setdefault(fields + tuple(at), []).append((tags if not inside else (), item))
    found = []
    for location, entries in grouped.items():
        field = ".".join(str(part) for part in location)
        members = [_member_name(t) for tags, item in entries for t in tags if t not in _KINDS]
        first = next((item for _, item in entries if item["type"] in _OWN_CHECKS), entries[0][1])
        message, fix = _described(field, first, members)
        if first["type"].startswith("union_tag"):
            location, field = ("kind",), "kind"
        line = document.line_of(location) or (1 if document.lines else None)
        found.append(SpecError(document.path, message, line=line, field=field or None, fix=fix))
    return found
