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
from grader.i18n import N_, _, listed


_KINDS = ("quiz", "code")
_OWN_CHECKS = ("value_error", "assertion_error")  # a model's validator ran: its form was the one meant
_WANTED = {"int": N_("a whole number"), "float": N_("a number"), "str": N_("text"), "bool": N_("true or false"),
           "list": N_("a list"), "dict": N_("a mapping"), "IntRange": N_("a range {min: .., max: ..}"),
           "Tolerance": "{abs: .., rel: ..}", "FeedbackRule": N_("a rule {when: .., say: ..}")}
_TYPE_ERRORS = {"int_type": N_("a whole number"), "int_parsing": N_("a whole number"), "int_from_float": N_("a whole number"),
                "float_type": N_("a number"), "float_parsing": N_("a number"), "string_type": N_("text"),
                "bool_type": N_("true or false"), "bool_parsing": N_("true or false"), "list_type": N_("a list"),
                "dict_type": N_("a mapping"), "model_type": N_("a mapping"), "model_attributes_type": N_("a mapping")}
# (message, fix) for a number out of bounds
_BOUNDS = {"greater_than": (N_("must be greater than {limit}, got {value}"), N_("use a value greater than {limit}")),
           "greater_than_equal": (N_("must be at least {limit}, got {value}"), N_("use a value at least {limit}")),
           "less_than": (N_("must be less than {limit}, got {value}"), N_("use a value less than {limit}")),
           "less_than_equal": (N_("must be at most {limit}, got {value}"), N_("use a value at most {limit}"))}


def _is_union_tag(part: object) -> bool:
    # pydantic puts the union member it tried in the location ("int", "list[...]", "quiz"); drop it
    return isinstance(part, str) and (part in _WANTED or part in _KINDS or "[" in part or "-" in part and "(" in part)


def _member_name(tag: str) -> str:
    """'function-after[_ordered(), IntRange]' -> 'a range {min: .., max: ..}'; 'list[int]' -> 'a list'."""
    names = re.findall(r"[A-Za-z_]\w*", tag)
    model = next((n for n in reversed(names) if n in _WANTED), None)
    if tag.startswith(("list", "tuple")):
        return N_("a list")
    if tag.startswith("dict"):
        return N_("a mapping")
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


_SHOWN = {int: N_("the whole number {value}"), float: N_("the number {value}"), str: N_("the text {value}"),
          list: N_("the list {value}"), dict: N_("the mapping {value}")}


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    text = repr(value) if isinstance(value, str) else str(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return _(_SHOWN[type(value)]).format(value=text) if type(value) in _SHOWN else f"{type(value).__name__} {text}"


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
            return _("remove it: {name} belongs to kind: {kind} exercises (docs/specs.md)").format(name=name, kind=kind)
    return _("remove it, or move it to where it belongs (docs/specs.md)")


def _pattern_words(field: str, pattern: str, value: object) -> tuple[str, str]:

    name = field.rsplit(".", 1)[-1]
    if pattern == spec.KEBAB:
        return (_("{value} is not kebab-case (lowercase letters and digits joined by single hyphens)").format(value=_shown(value)),
                _("write {field}").format(field=f"{name}: {_kebab(value)}"))
    if pattern == spec.IDENTIFIER:
        suggestion = re.sub(r"\W+", "_", str(value)).lstrip("0123456789") or "x"
        return (_("{value} is not a name usable in expressions (letters, digits and _, not starting with a digit)").format(
            value=_shown(value)), _("rename it, e.g. {name}").format(name=suggestion))
    if pattern == spec.PYTHON_FILE:
        return _("{value} is not a Python module file name").format(value=_shown(value)), _("name the file like conv.py")
    if pattern == spec.OPTION_LETTER:
        return _("option key {key!r} is not one lowercase letter").format(key=value), _("key the options a, b, c, ...")
    if pattern == spec.LANGUAGE_TAG:
        return (_("{value} is not a language tag").format(value=_shown(value)),
                _("key each text by its language: {example}").format(example="{en: ..., zh: ...}"))
    return _("{value} does not have the form this field needs").format(value=_shown(value)), _("see docs/specs.md for this field")


def _described(field: str, item: dict, members: list[str]) -> tuple[str, str]:
    """(message, fix) for one field's error, in the words of docs/specs.md."""
    kind, value, ctx = item["type"], item.get("input"), item.get("ctx") or {}
    if kind == "extra_forbidden":
        name = field.rsplit(".", 1)[-1]
        if name in _field_names():
            return _("{name} is not a field here").format(name=name), _belongs(name, top=field == name)
        near = difflib.get_close_matches(name, _field_names(), n=1)
        return _("unknown field"), (_("did you mean {name}? else remove it").format(name=near[0]) if near
                                    else _("remove it or check its spelling"))
    if kind == "missing":
        return _("required field is missing"), _("add it")
    if kind == "union_tag_invalid":
        near = difflib.get_close_matches(str(ctx.get("tag")), _KINDS, n=1)
        return (_("kind must be quiz or code, not {kind!r}").format(kind=ctx.get("tag")),
                _("set kind: {kind}").format(kind=near[0]) if near else _("set kind: quiz or kind: code"))
    if kind == "union_tag_not_found":
        return _("kind is missing: every spec says what it is"), _("add kind: quiz or kind: code")
    if kind in _OWN_CHECKS:
        error = ctx.get("error")
        return str(error) if error is not None else item["msg"].removeprefix("Value error, "), getattr(error, "fix", "")
    if kind == "string_pattern_mismatch":
        return _pattern_words(field, ctx.get("pattern", ""), value)
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        near = difflib.get_close_matches(str(value), choices, n=1)
        return (_("{value} is not one of {choices}").format(value=_shown(value), choices=listed(choices)),
                _("write {field}").format(field=near[0]) if near else _("use one of {choices}").format(choices=listed(choices)))
    if kind in _BOUNDS:
        said = {"limit": next(iter(ctx.values()), ""), "value": _shown(value)}
        message, fix = _BOUNDS[kind]
        return _(message).format(**said), _(fix).format(**said)
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        fix = _("list the values to pick from, e.g. [1, 2, 3]") if field.startswith("params.") else _("add at least one")
        said = {"least": least, "count": ctx.get("actual_length", 0)}
        return (_("needs at least {least} item, got {count}") if least == 1 else
                _("needs at least {least} items, got {count}")).format(**said), fix
    if kind == "too_long":
        return (_("has {count} items, at most {most} allowed").format(count=ctx.get("actual_length"), most=ctx.get("max_length")),
                _("remove the extra items"))
    if kind in _TYPE_ERRORS or kind.endswith("_type"):
        named = _TYPE_ERRORS.get(kind)
        wanted = (_(" or ").join(_(m) for m in dict.fromkeys(members)) or (_(named) if named else "")
                  or item["msg"].removeprefix("Input should be "))
        fix = ""
        if field.startswith("params.") and field.count(".") == 1 and not isinstance(value, (list, dict)):
            fix = _("a param is a list to pick from or a range: write {field} for one value").format(
                field=f"{field.split('.')[1]}: [{value}]")
        return _("expected {wanted}, got {value}").format(wanted=wanted, value=_shown(value)), fix
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
