"""The language grader speaks: which one (`--lang`, `GRADER_LANG`, the locale), and its words.

    set_language(choose(option))   # once, at the command's start; child processes inherit it
    _("no exercise {id!r}").format(id=...)      # a message of the grader's own, translated
    pick({"en": "Pooling", "zh": "池化"})          # a bank's bilingual text, in that language
    listed(["conv", "pool"])                        # a list inside a sentence: "conv, pool", "conv、pool"

The interface's words live in gettext catalogs (`locale/<lang>/LC_MESSAGES/grader.po`, compiled
to `.mo` and shipped in the package; `babel.cfg` says what is extracted). The language is
kept in `GRADER_LANG` too, so the quiz worker and the grading workers speak it; `speaking` lends a
language for a while (a cluster task in its client's language). The sandboxed child's environment
is scrubbed and it imports no catalog: its few sentences cross as templates the grader says.
"""

from __future__ import annotations

import gettext as _gettext
import os
import re
import string
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

ENGLISH, CHINESE = "en", "zh-CN"
LANGUAGES = (ENGLISH, CHINESE)
DOMAIN = "grader"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENV = "GRADER_LANG"
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def normalize(tag: str | None) -> str | None:
    """A language tag or locale (`zh_CN.UTF-8`, `zh-cn`, `zh`, `en_US`, `C`) -> "zh-CN", "en" or None."""
    if not tag:
        return None
    primary = tag.split(".")[0].split("@")[0].replace("_", "-").split("-")[0].lower()
    if primary == "zh":
        return CHINESE
    if primary in ("en", "c", "posix"):
        return ENGLISH
    return None


def choose(option: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: `option` (--lang), then GRADER_LANG, then the locale; English otherwise.

    An empty or unknown `option` or GRADER_LANG is passed over, as an unset one would be.
    The locale is read as the C library reads it: the first of LC_ALL, LC_MESSAGES, LANG
    that is set decides, even when it names a language grader does not speak (then English).
    """
    environ = os.environ if environ is None else environ
    for wanted in (option, environ.get(ENV)):
        if normalize(wanted):
            return normalize(wanted)
    for variable in _LOCALE_VARIABLES:
        if environ.get(variable):
            return normalize(environ[variable]) or ENGLISH
    return ENGLISH


_current = [choose()]


def set_language(language: str) -> None:
    """Speak `language` from now on, in this process and the processes it starts."""
    chosen = normalize(language) or ENGLISH
    _current[0] = chosen
    os.environ[ENV] = chosen
    os.environ["LANGUAGE"] = chosen.replace("-", "_")  # what the stdlib's gettext (speak_for_libraries) reads


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak `language` inside the block, then as before (a cluster worker grading a task in the
    language of the client that sent it). The language is the process's: one language at a time."""
    before, kept = _current[0], {name: os.environ.get(name) for name in (ENV, "LANGUAGE")}
    set_language(language)
    try:
        yield
    finally:
        _current[0] = before
        for name, value in kept.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def speak_for_libraries() -> None:
    """Point the stdlib's global gettext domain at grader's catalog: click and Typer say their own
    words (usage errors, help panels) through it. For the command line only: a library leaves the
    process's domain alone."""
    _gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    _gettext.textdomain(DOMAIN)


def language() -> str:
    """The language spoken now: "en" or "zh-CN"."""
    return _current[0]


@lru_cache(maxsize=None)
def _catalog(language: str) -> _gettext.NullTranslations:
    if language == ENGLISH:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language.replace("-", "_")], fallback=True)


def _(message: str) -> str:
    """`message` (an English sentence of the grader's) in the language spoken now."""
    return _catalog(_current[0]).gettext(message)


def listed(items: Iterable[object]) -> str:
    """`items` as a list inside a sentence of the language spoken: "a, b, c" in English, "a、b、c" in
    Chinese. For a person's reading only: code, data and command lines keep their own separators."""
    # TRANSLATORS: joins the items of a list in a sentence ("a, b, c"); Chinese: 、
    return _(", ").join(map(str, items))


def N_(message: str) -> str:
    """Mark `message` for the catalog where it is defined (a constant), to be said with _() where it is used."""
    return message


def is_said(message: str, template: str, *, start: bool = False) -> bool:
    """Whether `message` is one of grader's messages, `template` (a msgid with {fields}), as said in any
    language grader speaks: a message kept (in a gradebook) is read for what it says, whatever language
    it was said in, never by its English words alone. With `start`, `message` begins with it."""
    return any((pattern.match if start else pattern.search)(message) for pattern in _patterns(template))


@lru_cache(maxsize=None)
def _patterns(template: str) -> tuple[re.Pattern, ...]:
    said = {_catalog(language).gettext(template) for language in LANGUAGES}
    return tuple(re.compile("".join(re.escape(literal) + (".*?" if field is not None else "")
                                    for literal, field, _spec, _conversion in string.Formatter().parse(text)))
                 for text in said)


def translations() -> _gettext.NullTranslations:
    """The catalog of the language spoken now (for Jinja's i18n extension)."""
    return _catalog(_current[0])


def pick(text: str | Mapping[str, str] | None, language: str | None = None) -> str:
    """A bank's text in `language` (the one spoken now by default): one text is every language's;
    of a mapping {en: ..., zh: ...}, the language asked for, else one of its family (zh for
    zh-CN), else English, else the first given."""
    if text is None or isinstance(text, str):
        return text or ""
    wanted = language or _current[0]
    if wanted in text:
        return text[wanted]
    family = wanted.split("-")[0]
    for tag, value in text.items():
        if tag.split("-")[0] == family:
            return value
    return text.get(ENGLISH, next(iter(text.values()), ""))
