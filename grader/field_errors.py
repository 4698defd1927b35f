"""Pydantic's validation errors, told as SpecErrors: one per field, with its line and a fix."""

from __future__ import annotations

from pydantic import ValidationError

from grader.errors import SpecError
from grader.yamlfile import YamlDocument

_TYPE_NAMES = {"int": "a whole number", "float": "a number", "str": "text", "bool": "true or false",
               "IntRange": "{min: .., max: ..}", "Tolerance": "{abs: .., rel: ..}", "list": "a list", "dict": "a mapping"}


def _is_union_tag(part: object) -> bool:
    # pydantic puts the union member it tried in the location ("int", "list[...]", "quiz"); drop it
    return isinstance(part, str) and (part in _TYPE_NAMES or part in ("quiz", "code") or "[" in part)


def _tag_name(part: str) -> str:
    return _TYPE_NAMES.get(part.split("[")[0], part)


def field_errors(document: YamlDocument, error: ValidationError) -> list[SpecError]:
    """Turn pydantic's errors into SpecErrors that name the line and the field, one per field."""
    grouped: dict[tuple, list[dict]] = {}
    for item in error.errors():
        location = tuple(part for part in item["loc"][1:] if not _is_union_tag(part))
        grouped.setdefault(location, []).append(item)
    found = []
    for location, items in grouped.items():
        field = ".".join(str(part) for part in location) or None
        first = items[0]
        fix = ""
        if first["type"] == "extra_forbidden":
            message, fix = "unknown field", "remove it or check its spelling"
        elif first["type"] == "missing":
            message, fix = "required field is missing", "add it"
        elif first["type"] == "union_tag_invalid":
            message, fix = "kind must be quiz or code", "set kind: quiz or kind: code"
        elif all(i["type"].endswith(("_type", "_parsing")) for i in items):
            tags = [_tag_name(p) for i in items for p in i["loc"][1:] if _is_union_tag(p) and p not in ("quiz", "code")]
            wanted = " or ".join(dict.fromkeys(tags)) or first["msg"].removeprefix("Input should be ")
            message = f"expected {wanted}, got {type(first['input']).__name__} {str(first['input'])[:40]!r}"
        else:
            message = first["msg"].removeprefix("Value error, ")
        found.append(SpecError(document.path, message, line=document.line_of(location), field=field, fix=fix))
    return found
