"""The Chinese guides stay twins of the English ones (docs/X.md and docs/X.zh-CN.md).

What a reader types (a fenced block of type bash, sh, shell, console, yaml or python) is the same
in both guides, block for block and in the same order: a command changed, added or dropped in one
guide and not in the other fails here, naming the block. A fenced block without one of those types
shows what grader prints, in the guide's own language, so its text may differ; its count may not.
The Chinese twin's prose is Chinese, and each twin links to the other.

tests/test_bundle.py runs the instructors' dry-run block as the English guide writes it; the
Chinese guide's block is the same text (checked here), so it needs no run of its own.
"""

import re

import pytest

from conftest import REPO

DOCS = REPO / "docs"
TWINS = {  # English: Chinese
    "students.md": "students.zh-CN.md",
    "instructors.md": "instructors.zh-CN.md",
    "specs.md": "specs.zh-CN.md",
    "class-grading.md": "class-grading.zh-CN.md",
}
TYPED = {"bash", "sh", "shell", "console", "yaml", "python"}
FENCE = re.compile(r"^ {0,3}```[ \t]*([^\n`]*)\n(.*?)^ {0,3}```[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.S)
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[A-Za-z]{2,}")
ENGLISH_PASSAGE_WORDS = 8  # a passage with this many English words and no Chinese is left untranslated
CJK_PER_ENGLISH_WORD = 1.2  # a translation holds at least this many Chinese characters per English prose word


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def blocks(text: str) -> list[tuple[str, str]]:
    """(type, body) of every fenced block, in order; the type is "" for a block without one."""
    return [((m.group(1).split() or [""])[0].lower(), m.group(2)) for m in FENCE.finditer(text)]


def typed(text: str) -> list[str]:
    return [body for kind, body in blocks(text) if kind in TYPED]


def outputs(text: str) -> list[str]:
    return [body for kind, body in blocks(text) if kind not in TYPED]


def drift(english: str, chinese: str) -> str | None:
    """What differs between the two guides' typed blocks, or None where they are the same, in order."""
    ours, theirs = typed(english), typed(chinese)
    for number, (a, b) in enumerate(zip(ours, theirs), 1):
        if a != b:
            return f"typed block {number} differs:\n--- English\n{a}--- Chinese\n{b}"
    if len(ours) != len(theirs):
        extra = (ours if len(ours) > len(theirs) else theirs)[min(len(ours), len(theirs))]
        side = "English" if len(ours) > len(theirs) else "Chinese"
        return f"{len(ours)} typed block(s) in English, {len(theirs)} in Chinese; the first only in {side}:\n{extra}"
    return None


def prose(text: str) -> str:
    """The text a reader reads as sentences: no fenced blocks, no inline code, no link targets."""
    text = FENCE.sub("\n\n", text)
    text = INLINE_CODE.sub(" ", text)
    return LINK_TARGET.sub("]", text)


def passages(text: str) -> list[str]:
    """Paragraphs, list items and table rows of the prose."""
    found = []
    for paragraph in re.split(r"\n\s*\n", prose(text)):
        found += [p for p in re.split(r"\n(?=\s*(?:[-*] |\d+\. |\|))", paragraph) if p.strip()]
    return found


def english_passages(text: str) -> list[str]:
    """Passages with many English words and not one Chinese character: prose left untranslated."""
    return [p for p in passages(text) if len(WORD.findall(p)) >= ENGLISH_PASSAGE_WORDS and not CJK.search(p)]


def links(text: str) -> list[str]:
    return LINK_TARGET.findall(text)


pairs = pytest.mark.parametrize("english, chinese", TWINS.items(), ids=list(TWINS))


def test_every_chinese_guide_is_a_known_twin():
    found = {path.name for path in DOCS.glob("*.zh-CN.md")}
    assert found == set(TWINS.values()), f"docs/*.zh-CN.md {sorted(found)}; TWINS knows {sorted(TWINS.values())}"
    assert all((DOCS / name).is_file() for name in TWINS)


@pairs
def test_what_a_reader_types_is_the_same_in_both_guides(english, chinese):
    assert len(typed(read(english))) >= 3, f"{english}: the fenced blocks were not found (is FENCE still right?)"
    problem = drift(read(english), read(chinese))
    assert problem is None, f"docs/{chinese} is out of step with docs/{english}: {problem}"


@pairs
def test_both_guides_show_the_same_number_of_outputs(english, chinese):
    assert len(outputs(read(english))) == len(outputs(read(chinese))), (
        f"docs/{english} shows {len(outputs(read(english)))} output block(s) (untyped fences), "
        f"docs/{chinese} {len(outputs(read(chinese)))}: show each in Chinese, as grader prints it under zh_CN")


@pairs
def test_the_chinese_guide_is_written_in_chinese(english, chinese):
    text = read(chinese)
    left = english_passages(text)
    assert not left, f"docs/{chinese} has prose left in English: {left[:3]}"
    words, characters = len(WORD.findall(prose(read(english)))), len(CJK.findall(prose(text)))
    assert characters >= CJK_PER_ENGLISH_WORD * words, (
        f"docs/{chinese} has {characters} Chinese characters for the {words} English words of docs/{english}: "
        f"translate what is missing")


@pairs
def test_each_guide_links_to_its_twin(english, chinese):
    assert chinese in links(read(english)), f"docs/{english} does not link to {chinese}"
    assert english in links(read(chinese)), f"docs/{chinese} does not link to {english}"


@pairs
def test_the_chinese_guides_links_lead_somewhere(english, chinese):
    for target in links(read(chinese)):
        if "://" not in target and not target.startswith("#"):
            assert (DOCS / target.split("#")[0]).is_file(), f"docs/{chinese} links to {target}, which is not there"


def test_the_readme_chinese_section_links_to_both_chinese_guides():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## 中文\n", 1)[1].split("\n## ", 1)[0]
    for name in TWINS.values():
        assert f"docs/{name}" in links(section), f"README.md's 中文 section does not link to docs/{name}"
        assert (REPO / "docs" / name).is_file()


# The checks above can fail: each is shown failing on a guide drifted on purpose. The Chinese guide
# stands in for its twin here (its typed blocks are the English ones), so these say nothing wrong
# when the real twins drift: the tests above say that.

def test_a_command_changed_in_one_guide_is_drift():
    chinese = read("students.zh-CN.md")
    command = "grader check --bank bank submission --public-only -e lenet"
    assert any(command in block for block in typed(chinese))
    assert drift(chinese, chinese) is None
    assert "differs" in drift(chinese, chinese.replace(command, command.replace("-e lenet", "-e conv"), 1))
    assert "differs" in drift(chinese.replace(command, command + " --json r.json", 1), chinese)


def test_a_command_dropped_added_or_moved_is_drift():
    chinese = read("instructors.zh-CN.md")
    first, second = typed(chinese)[0], typed(chinese)[1]
    assert "differs" in drift(chinese, chinese.replace(f"```bash\n{first}```", "", 1))
    assert "only in Chinese" in drift(chinese, chinese + f"\n```bash\n{first}```\n")
    order = iter([second, first])
    swapped = FENCE.sub(lambda m: f"```{m.group(1)}\n{next(order)}```" if m.group(2) in (first, second) else m.group(0),
                        chinese)
    assert typed(swapped)[:2] == [second, first]
    assert "differs" in drift(chinese, swapped)
    yaml = "```yaml\nconv-params:\n  count: 280\n```\n"
    assert "only in English" in drift(chinese + yaml, chinese)


def test_an_output_block_may_say_it_in_chinese_but_not_go_missing():
    chinese = read("students.zh-CN.md")
    shown = outputs(chinese)[-1]
    assert drift(chinese, chinese.replace(shown, "total 14/19\n", 1)) is None  # output: its words may differ
    assert len(outputs(chinese.replace(f"```\n{shown}```", "", 1))) == len(outputs(chinese)) - 1


def test_prose_left_in_english_is_caught():
    english = read("students.md")
    paragraph = next(p for p in passages(english) if len(WORD.findall(p)) >= 20)
    left = english_passages(read("students.zh-CN.md") + "\n\n" + paragraph + "\n")
    assert [p.strip() for p in left] == [paragraph.strip()]
    assert len(english_passages(english)) > 10  # the English guide itself is, of course, all English
