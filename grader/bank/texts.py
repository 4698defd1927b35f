"""A spec's texts, one or one per language: where they are, which languages they lack, and
the exercise in one language.

A bank that declares its languages (`languages: [en, zh]` in `exercises/bank.yaml`, see
`settings.py`) must give each of them in every text a person reads; one that declares none
may mix plain texts and bilingual ones. Loading hands the rest of grader the exercise in the
language it speaks (`in_language`), so nothing past the bank ever sees a mapping of texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from grader.bank.spec import CodeExercise, FeedbackRule, Question, QuizExercise, Text
from grader.i18n import _, listed, pick

Location = tuple


def variants(text: Text) -> list[str]:
    """Every language's version of `text` (one for a plain text)."""
    return [text] if isinstance(text, str) else list(text.values())


def question_texts(question: Question) -> Iterator[tuple[Location, Text]]:
    """A question's texts with their place in it: prompt, hint, each option, each feedback's say."""
    yield ("prompt",), question.prompt
    yield ("hint",), question.hint
    if isinstance(question.options, dict):
        yield from ((("options", letter), text) for letter, text in question.options.items())
    else:
        yield from ((("options", index), text) for index, text in enumerate(question.options or []))
    yield from ((("feedback", index, "say"), rule.say) for index, rule in enumerate(question.feedback))


def exercise_texts(exercise: QuizExercise | CodeExercise) -> Iterator[tuple[Location, Text]]:
    """Every text of an exercise a person reads, with its place in the spec."""
    yield ("title",), exercise.title
    yield ("description",), exercise.description
    if isinstance(exercise, QuizExercise):
        for index, question in enumerate(exercise.questions):
            yield from ((("questions", index) + at, text) for at, text in question_texts(question))
    else:
        yield from ((("checks", index, "title"), check.title) for index, check in enumerate(exercise.checks))
        yield from ((("editions", name, "summary"), edition.summary) for name, edition in exercise.editions.items())


def needs_language(text: Text) -> bool:
    """Whether a plain text must still be written per language: it holds words (a number or a
    formula of symbols, `16` or `(k - 1) / 2`, reads the same in every language)."""
    return any(character.isalpha() for character in text)


def language_problems(texts: Iterable[tuple[Location, Text]], languages: Sequence[str]) -> list[tuple[Location, str]]:
    """(place, problem) for each of `texts` (place, text) that lacks one of the bank's `languages` or
    holds another: a spec's (`exercise_texts`), or the mistakes of its mutants."""
    declared = listed(languages)
    problems = []
    for at, text in texts:
        if isinstance(text, str):
            if needs_language(text):
                problems.append((at, _("one text for every language, but the bank is written in {languages}: "
                                       "give each language its own").format(languages=declared)))
            continue
        problems += [(at, _("no {language} text (the bank is written in {languages})").format(
            language=language, languages=declared)) for language in languages if language not in text]
        problems += [(at, _("a {language} text, but the bank is written in {languages} only").format(
            language=tag, languages=declared)) for tag in text if tag not in languages]
    return problems


def _rule_in(rule: FeedbackRule, language: str) -> FeedbackRule:
    return rule.model_copy(update={"say": pick(rule.say, language)})


def _question_in(question: Question, language: str) -> Question:
    options = question.options
    if isinstance(options, dict):
        options = {letter: pick(text, language) for letter, text in options.items()}
    elif options is not None:
        options = [pick(text, language) for text in options]
    aliases = {letter: [t for t in variants(text) if t != pick(text, language)]
               for letter, text in question.option_map.items() if not isinstance(text, str)}
    return question.model_copy(update={
        "prompt": pick(question.prompt, language), "hint": pick(question.hint, language), "options": options,
        "option_aliases": {letter: texts for letter, texts in aliases.items() if texts},
        "feedback": [_rule_in(rule, language) for rule in question.feedback]})


def in_language(exercise: QuizExercise | CodeExercise, language: str) -> QuizExercise | CodeExercise:
    """The exercise with each text in `language` (see grader.i18n.pick for the fallbacks)."""
    update = {"title": pick(exercise.title, language), "description": pick(exercise.description, language)}
    if isinstance(exercise, QuizExercise):
        update["questions"] = [_question_in(question, language) for question in exercise.questions]
    else:
        update["checks"] = [check.model_copy(update={"title": pick(check.title, language)})
                            for check in exercise.checks]
        update["editions"] = {name: edition.model_copy(update={"summary": pick(edition.summary, language)})
                              for name, edition in exercise.editions.items()}
    return exercise.model_copy(update=update)
