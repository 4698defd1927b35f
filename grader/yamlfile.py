"""Strict YAML reading for every file a user writes: specs, answers, student.yaml.

PyYAML keeps the last of two duplicate keys silently; here a duplicate is an error.
Each loaded document comes with the line of every mapping key, so that later
validation errors can point at the line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.errors import SpecError

Location = tuple[Any, ...]  # a path into the document: keys and list indexes


@dataclass(frozen=True)
class YamlDocument:
    path: Path
    data: Any
    lines: dict[Location, int]  # 1-based line of each key or list item

    def line_of(self, location: Location) -> int | None:
        """The line of `location`, or of its nearest ancestor that has one."""
        location = tuple(location)
        while location:
            if location in self.lines:
                return self.lines[location]
            location = location[:-1]
        return None


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys and records where keys are."""


class _DuplicateKey(yaml.constructor.ConstructorError):
    """Two equal keys in one mapping."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(None, None, "a key must be a plain scalar", key_node.start_mark)
        if key in seen:
            raise _DuplicateKey(None, None, f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark)
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


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


def parse_yaml(text: str, path: Path) -> YamlDocument:
    """Parse `text` strictly; raise SpecError naming `path` and the line on any problem."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(path, None, {})
        data = loader.construct_document(node)
        lines: dict[Location, int] = {}
        _record_lines(node, (), lines, loader)
    except _DuplicateKey as error:
        raise SpecError(path, error.problem, line=error.problem_mark.line + 1, fix="keep only one of them") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = error.problem or str(error)
        raise SpecError(path, f"not valid YAML: {problem}", line=line, fix="correct the YAML syntax on that line") from None
    except yaml.YAMLError as error:
        raise SpecError(path, f"not valid YAML: {error}") from None
    finally:
        loader.dispose()
    return YamlDocument(path, data, lines)


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse a YAML file; unreadable files are SpecErrors too."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError(path, "not UTF-8 text", fix="save the file as UTF-8") from None
    except OSError as error:
        raise SpecError(path, f"cannot be read: {error.strerror or error}") from None
    return parse_yaml(text, Path(path))
