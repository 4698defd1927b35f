"""Moodle XML: a question bank file for Moodle's "Import" (format "Moodle XML").

A category per exercise (`$course$/top/grader/<exercise>`), under it a category per
question, holding one Moodle question per exported variant with the variant in its
`<idnumber>` (`exercise/question/variant`); a quiz takes a "random question" from each
question's category. numeric -> `numerical` (the tolerance as Moodle's absolute error),
choice and multi -> `multichoice`, shape -> `shortanswer` (each accepted spelling of the
shape). Feedback rules on one wrong value, shape or option become that answer's feedback;
the hint is the feedback of any other wrong answer.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.i18n import _
from grader.lms.quiz_items import Item, number_text, shape_forms, variant_id

CATEGORY_ROOT = "$course$/top/grader"
# Moodle's grade choices for an answer (question_bank::fraction_options_full), in percent;
# the importer takes no other fraction, positive or negative.
FRACTIONS = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30", "25", "20",
             "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0")
MAX_IDNUMBER = 100  # question.idnumber is varchar(100)


def percent(share: float) -> str:
    """A share of the points as Moodle writes it: 1/3 -> '33.33333', -0.5 -> '-50'."""
    text = f"{share * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def representable(item: Item) -> str:
    """Why Moodle cannot hold `item`, or '' when it can."""
    if len(item.idnumber) > MAX_IDNUMBER:
        return _("its idnumber {idnumber!r} is longer than Moodle's {cap} characters").format(idnumber=item.idnumber, cap=MAX_IDNUMBER)
    for option in item.options:
        if percent(abs(option.fraction)) not in FRACTIONS:
            return _("option {letter} would be worth {percent}%, not one of Moodle's grades (a multi question with {right} "
                     "right options)").format(letter=option.letter, percent=percent(option.fraction),
                                              right=round(1 / abs(option.fraction)))
    return ""


def _html(text: str) -> str:
    """Plain text as HTML paragraphs (blank lines split paragraphs)."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = "html") -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = _html(value) if fmt == "html" else value
    return element


def _category(root: ET.Element, path: str, info: str) -> None:
    question = ET.SubElement(root, "question", {"type": "category"})
    category = ET.SubElement(question, "category")
    ET.SubElement(category, "text").text = path
    _text(question, "info", info)


def _answer(question: ET.Element, fraction: str, text: str, feedback: str, fmt: str = "moodle_auto_format") -> ET.Element:
    answer = ET.SubElement(question, "answer", {"fraction": fraction, "format": fmt})
    ET.SubElement(answer, "text").text = text
    _text(answer, "feedback", feedback)
    return answer


def _common(question: ET.Element, item: Item) -> None:
    name = ET.SubElement(question, "name")
    ET.SubElement(name, "text").text = f"{item.exercise.id} {item.question.id} {item.variant}"
    _text(question, "questiontext", item.text)
    _text(question, "generalfeedback", "")
    ET.SubElement(question, "defaultgrade").text = f"{item.question.points:g}"
    ET.SubElement(question, "penalty").text = "0"
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "idnumber").text = item.idnumber


def _numerical(root: ET.Element, item: Item) -> None:
    question = ET.SubElement(root, "question", {"type": "numerical"})
    _common(question, item)
    ET.SubElement(_answer(question, "100", number_text(item.key), "Correct."), "tolerance").text = repr(item.tolerance)
    for wrong in item.wrong:
        ET.SubElement(_answer(question, "0", number_text(wrong.value), wrong.feedback), "tolerance").text = repr(wrong.tolerance)
    if item.hint:  # any other number
        ET.SubElement(_answer(question, "0", "*", item.hint), "tolerance").text = "0"
    for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0.1000000"), ("showunits", "3"), ("unitsleft", "0")):
        ET.SubElement(question, tag).text = value


def _shortanswer(root: ET.Element, item: Item) -> None:
    question = ET.SubElement(root, "question", {"type": "shortanswer"})
    _common(question, item)
    ET.SubElement(question, "usecase").text = "0"
    for form in shape_forms(item.key):
        _answer(question, "100", form, "Correct.")
    for wrong in item.wrong:
        for form in shape_forms(wrong.value):
            _answer(question, "0", form, wrong.feedback)
    if item.hint:  # any other text
        _answer(question, "0", "*", item.hint)


def _multichoice(root: ET.Element, item: Item) -> None:
    question = ET.SubElement(root, "question", {"type": "multichoice"})
    _common(question, item)
    single = item.question.type == "choice"
    ET.SubElement(question, "single").text = "true" if single else "false"
    ET.SubElement(question, "shuffleanswers").text = "false"  # prompts may say "option b"
    ET.SubElement(question, "answernumbering").text = "abc"
    _text(question, "correctfeedback", "Correct.")
    _text(question, "partiallycorrectfeedback", item.hint or _("Partly right."))
    _text(question, "incorrectfeedback", item.hint)
    if not single:
        ET.SubElement(question, "shownumcorrect")
    for option in item.options:
        _answer(question, percent(option.fraction), _html(option.text), option.feedback, fmt="html")


WRITERS = {"numeric": _numerical, "shape": _shortanswer, "choice": _multichoice, "multi": _multichoice}


def moodle_xml(items: list[Item], symbolic: list[tuple] = (), order: list[str] = ()) -> tuple[str, list[str]]:
    """The Moodle XML text for `items` and the symbolic variants (as STACK questions), and a line
    for each it had to leave out. Exercises come in `order` (their ids; else as first met), each
    exercise's questions in its spec's order."""
    from grader.lms.stack import NotMaxima, stack_question

    root = ET.Element("quiz")
    left_out, seen = [], set()

    def categories(exercise, question) -> None:
        if exercise.id not in seen:
            seen.add(exercise.id)
            _category(root, f"{CATEGORY_ROOT}/{exercise.id}", _("{title} (grader exercise {id})").format(title=exercise.title, id=exercise.id))
        if (exercise.id, question.id) not in seen:
            seen.add((exercise.id, question.id))
            _category(root, f"{CATEGORY_ROOT}/{exercise.id}/{question.id}",
                      _("Variants of {item}: add one random question from this category.").format(item=f"{exercise.id}/{question.id}"))

    entries = [(item.exercise, item.question, item) for item in items] + [(e, q, values) for e, q, values in symbolic]
    ranks = {exercise_id: rank for rank, exercise_id in enumerate(order)}
    for exercise, question, _entry in entries:
        ranks.setdefault(exercise.id, len(ranks))
    entries.sort(key=lambda t: (ranks[t[0].id], [q.id for q in t[0].questions].index(t[1].id)))
    for exercise, question, entry in entries:
        if isinstance(entry, Item):
            why = representable(entry)
            if why:
                left_out.append(_("{item}: skipped: {reason}").format(item=entry.idnumber, reason=why))
                continue
            categories(exercise, question)
            WRITERS[question.type](root, entry)
            continue
        stack_root = ET.Element("quiz")
        try:
            stack_question(stack_root, exercise, question, entry)
        except NotMaxima as error:
            left_out.append(_("{item}: skipped: as a STACK question: {reason}").format(
                item=f"{exercise.id}/{question.id}/{variant_id(entry)}", reason=error))
            continue
        categories(exercise, question)
        root.extend(stack_root)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n", left_out


def write_moodle(items: list[Item], path: Path, symbolic: list[tuple] = (), order: list[str] = ()) -> list[str]:
    text, left_out = moodle_xml(items, symbolic, order)
    Path(path).write_text(text, encoding="utf-8")
    return left_out
