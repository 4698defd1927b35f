from pathlib import Path

import pytest

from grader.bank.yamlfile import parse_yaml, read_yaml
from grader.errors import SpecError


def test_duplicate_keys_are_refused_with_both_lines():
    with pytest.raises(SpecError) as caught:
        parse_yaml("id: a\ntitle: x\nid: b\n", Path("spec.yaml"))
    assert caught.value.line == 3
    assert "duplicate key 'id' (first on line 1)" in str(caught.value)


def test_duplicate_keys_in_nested_mappings_are_refused():
    with pytest.raises(SpecError) as caught:
        parse_yaml("questions:\n  - id: q\n    points: 1\n    points: 2\n", Path("spec.yaml"))
    assert caught.value.line == 4


def test_syntax_errors_name_the_line():
    with pytest.raises(SpecError) as caught:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", Path("answers.yaml"))
    assert "answers.yaml" in str(caught.value) and caught.value.line is not None
    assert "not valid YAML" in str(caught.value)


def test_lines_are_recorded_for_keys_and_items():
    document = parse_yaml("a: 1\nb:\n  - x: 2\n    y: 3\n", Path("t.yaml"))
    assert document.data == {"a": 1, "b": [{"x": 2, "y": 3}]}
    assert document.line_of(("b", 0, "y")) == 4
    assert document.line_of(("b", 0, "missing")) == 3  # falls back to the nearest ancestor


def test_unsafe_tags_are_refused():
    with pytest.raises(SpecError):
        parse_yaml("a: !!python/object/apply:os.system ['echo hi']\n", Path("t.yaml"))


def test_unreadable_files_are_spec_errors(tmp_path):
    with pytest.raises(SpecError, match="cannot be read"):
        read_yaml(tmp_path / "absent.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(SpecError, match="UTF-8"):
        read_yaml(binary)
