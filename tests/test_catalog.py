"""Every word grader says has its Chinese: the catalog holds each message the code and the
templates mark (extracted with Babel as a maintainer does, babel.cfg), each translated with
the same placeholders, the compiled .mo is the .po's, and no message is built unmarked."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

babel = pytest.importorskip("babel")
from babel.messages.frontend import CommandLineInterface  # noqa: E402
from babel.messages.mofile import read_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CATALOG = REPO / "grader" / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES" / "grader.po"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("catalog") / "grader.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(REPO / "babel.cfg"), "-k", "_", "-k", "N_",
                                "--no-location", "-o", str(pot), str(REPO)])
    with pot.open("rb") as file:
        return {message.id for message in read_po(file) if message.id}


@pytest.fixture(scope="module")
def catalog():
    with CATALOG.open("rb") as file:
        return read_po(file, locale="zh_CN")


def test_every_marked_message_is_in_the_catalog_and_translated(extracted, catalog):
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted - {m.id for m in catalog if m.id})
    untranslated = sorted((extracted & {m.id for m in catalog if m.id}) - translated)
    assert len(extracted) > 300  # the extraction found the code's messages, not nothing
    assert not missing, f"{len(missing)} message(s) not in {CATALOG.name} (run the update in docs/translating.md): {missing[:10]}"
    assert not untranslated, f"{len(untranslated)} message(s) without Chinese: {untranslated[:10]}"


def test_the_catalog_holds_no_message_the_code_no_longer_says(extracted, catalog):
    stale = sorted({m.id for m in catalog if m.id} - extracted)
    assert not stale, f"messages in the catalog that nothing says any more: {stale[:10]}"


def test_the_compiled_catalog_is_its_source(catalog):
    with CATALOG.with_suffix(".mo").open("rb") as file:
        compiled = {m.id: m.string for m in read_mo(file) if m.id}
    source = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    assert compiled == source, "grader.mo is out of date: compile the catalog (docs/translating.md)"


def _fields(text: str) -> list[str]:
    """The placeholders a message fills: {name}, %(name)s, and its rich markup tags."""
    try:
        braces = [field for _, field, spec, _ in string.Formatter().parse(text) if field is not None]
    except ValueError:  # not a format string ("the brace {"): its braces are text, kept as they are
        braces = sorted(char for char in text if char in "{}")
    return sorted(braces + re.findall(r"%\((\w+)\)", text) + re.findall(r"\[/?(?:bold|red|green|yellow|cyan|dim|blue)?\]", text))


def test_each_translation_fills_the_placeholders_of_its_message(catalog):
    wrong = [(m.id, m.string) for m in catalog if m.id and m.string and _fields(m.id) != _fields(m.string)]
    assert not wrong, wrong[:5]


# Where a message reaches a person: raised as one of these, printed, or handed to a result.
SAID_BY = {"status", "GraderError", "SpecError", "CheckError", "HandoutError", "UnreadableFile", "ContentRefused",
           "AnswerFormatError", "StudentFault", "ChildCrashed", "ChildLost", "SandboxError", "QuizWorkerError",
           "RootChildRefused", "BadParameter", "AuthorError", "ExpressionError", "CapExceeded", "Undefined",
           "Finding", "print", "append", "say", "note", "echo", "warn"}
# modules whose messages are for the grader's own developers, or not yet translated (see the report)
# the notebook statements' notes, rewritten on main at the last merge: English still (see the report)
NOT_YET: set[str] = set()


WORDS = re.compile(r"[a-z]{2,} [a-z]{2,}")  # two English words: a sentence, not code or a name


def _unmarked(path: Path) -> list[str]:
    """f-strings and plain English sentences handed straight to a SAID_BY call in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in SAID_BY:
            continue
        for argument in node.args[:1] + [k.value for k in node.keywords if k.arg in ("message", "fix", "problem")]:
            parts = argument.values if isinstance(argument, ast.JoinedStr) else [argument]
            if any(isinstance(part, ast.Constant) and isinstance(part.value, str) and WORDS.search(part.value)
                   for part in parts):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_no_message_is_said_without_its_translation():
    """A sentence handed to print, to an error or to a problem list must go through _()."""
    unmarked = [where for path in sorted((REPO / "grader").rglob("*.py"))
                if str(path.relative_to(REPO)) not in NOT_YET for where in _unmarked(path)]
    assert not unmarked, f"{len(unmarked)} message(s) said without _(): {unmarked[:15]}"


def test_the_rule_bites():
    sample = REPO / "grader" / "i18n" / "__init__.py"
    assert _unmarked(sample) == []
    tree_text = 'raise GraderError(f"no such file {name}")\nproblems.append("a plain sentence here")\n'
    probe = Path(__file__).with_name("_catalog_probe.py")
    try:
        probe.write_text(tree_text)
        assert len(_unmarked(probe)) == 2
    finally:
        probe.unlink()


def test_no_function_hides_the_translation_function_behind_a_throwaway_name():
    """`_, x = f()` in a function that also says `_("...")` makes `_` a local: the message call then fails."""
    hidden = []
    for path in sorted((REPO / "grader").rglob("*.py")):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            nodes = list(ast.walk(function))
            stores = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in nodes)
            says = any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "_" for n in nodes)
            if stores and says:
                hidden.append(f"{path.relative_to(REPO)}:{function.lineno} {function.name}")
    assert not hidden, hidden
