"""Quiz questions as platform-neutral items: one per question and variant, key included.

The variants exported are those `grader validate` proves (`validate.variants_of`), so the
key of every exported item is one validate checked. Each variant has a stable id (a hash
of its parameter values) that the Moodle and Canvas files carry, so a platform's item can
be traced back to the variant, and to what a student of that variant is asked by
`grader quiz`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

import sympy

from grader.bank.prompts import render_text
from grader.bank.spec import Question, QuizExercise
from grader.i18n import N_, _
from grader.proofs.validate import param_pools, variants_of
from grader.quiz import keys

SHAPE_FORM = N_("Write the shape as a list of whole numbers, e.g. [2, 16, 5, 5].")
SYMBOLIC_SKIP = N_("a symbolic answer needs a formula judged by equivalence: Canvas's QTI types cannot judge one "
                   "(Moodle gets it as a STACK question)")
# A key with no exact decimal (sqrt(512), 1/3) under tolerance 0 cannot be typed into a number
# box, where grader takes the expression itself: the box accepts 7 significant digits instead.
INEXACT_REL = 1e-6
DIGITS_FORM = N_("Give the number to at least 7 significant digits.")


@dataclass(frozen=True)
class Option:
    letter: str
    text: str
    fraction: float  # share of the points for picking it: 1 for a right choice, -1/n..1/n for multi
    feedback: str = ""


@dataclass(frozen=True)
class WrongAnswer:
    """A feedback rule that the platform can match: an expected wrong answer and what to say."""

    value: object  # a float for numeric, a shape list for shape
    feedback: str
    tolerance: float = 0.0  # numeric: matched within the question's own tolerance, as grader does


@dataclass
class Item:
    """One question of one variant, ready for a platform."""

    exercise: QuizExercise
    question: Question
    variant: str  # the variant id
    values: dict
    text: str  # the prompt, rendered for the variant (plain text)
    key: object  # float (numeric), list[int] (shape), letter (choice), letters (multi)
    tolerance: float = 0.0  # numeric: absolute, |answer - key| <= tolerance
    options: list[Option] = field(default_factory=list)
    wrong: list[WrongAnswer] = field(default_factory=list)
    hint: str = ""
    notes: list[str] = field(default_factory=list)  # what the platform cannot carry, for the instructor
    text_prompt: str = ""  # the question's own prompt as rendered (text may add the scene and forms around it)

    @property
    def idnumber(self) -> str:
        """exercise/question/variant: unique over a whole export."""
        return f"{self.exercise.id}/{self.question.id}/{self.variant}"


@dataclass(frozen=True)
class Skipped:
    exercise_id: str
    question_id: str
    reason: str

    def __str__(self) -> str:
        return _("{item}: skipped: {reason}").format(item=f"{self.exercise_id}/{self.question_id}", reason=_(self.reason))


def variant_id(values: dict) -> str:
    """'v' + 8 hex digits of SHA-256 of the parameter values (sorted by name); 'v0' for none."""
    if not values:
        return "v0"
    canonical = json.dumps(sorted(values.items()), separators=(",", ":"))
    return "v" + hashlib.sha256(canonical.encode()).hexdigest()[:8]


def export_variants(exercise: QuizExercise, count: int) -> list[dict]:
    """`count` of the variants validate proves (all when it proves fewer), spread over every
    parameter's values: each next one brings the most parameters to a value not yet exported,
    then lies farthest from those already chosen (each pool scaled to [0, 1]), ties in
    `variant_id` order. Taking the first in a hash order drew L = 4, 4, 4, 3, 4 and never 2."""
    proven = sorted(variants_of(exercise), key=variant_id)
    if len(proven) <= count:
        return proven
    place = {name: {value: index / max(1, len(pool) - 1) for index, value in enumerate(pool)}
             for name, pool in param_pools(exercise).items()}

    def novelty(values: dict) -> tuple[int, float]:
        new = sum(all(other[name] != value for other in chosen) for name, value in values.items())
        gap = sum(min((abs(place[name][value] - place[name][other[name]]) for other in chosen), default=1.0)
                  for name, value in values.items())
        return new, gap

    chosen: list[dict] = []
    while len(chosen) < count:
        chosen.append(max((values for values in proven if values not in chosen), key=novelty))
    return chosen


def number_text(value: float | sympy.Expr) -> str:
    """A number as Moodle and Canvas read it: integers plainly, others with 17 significant digits."""
    if isinstance(value, sympy.Basic) and value.is_Integer:
        return str(int(value))
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def shape_text(shape: list[int]) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def shape_forms(shape: list[int]) -> list[str]:
    """The spellings of a shape a text box accepts: [2, 16, 5, 5], [2,16,5,5], (2, 16, 5, 5), 2x16x5x5."""
    inner = [", ".join(map(str, shape)), ",".join(map(str, shape))]
    forms = [f"[{s}]" for s in inner] + [f"({s})" for s in inner] + ["x".join(map(str, shape))]
    return list(dict.fromkeys(forms))


def _decimal_exact(key: sympy.Expr) -> bool:
    """Is the key a rational with a short finite decimal (0.125, not 1/3), that one can type?"""
    if not key.is_Rational:
        return False
    denominator = int(key.q)
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    return denominator == 1 and len(repr(float(key)).lstrip("-0.").replace(".", "").split("e")[0]) <= 15


def _allowed(question: Question, value: sympy.Expr) -> tuple[float, bool]:
    """(the absolute error a number box accepts around `value`, whether it had to be widened)."""
    tolerance = question.tolerances
    allowed = tolerance.abs + tolerance.rel * abs(float(value))
    if allowed == 0 and not _decimal_exact(value):
        return INEXACT_REL * abs(float(value)), True
    return allowed, False


def _numeric(item: Item, key: sympy.Expr, rules: list) -> None:
    allowed, widened = _allowed(item.question, key)
    if widened:
        item.notes.append(_("a key with no exact decimal (here {key}) is accepted within {rel:g} relative, and the "
                            "question asks for 7 significant digits").format(key=key, rel=INEXACT_REL))
        item.text = f"{item.text}\n\n{_(DIGITS_FORM)}"
    item.key, item.tolerance = float(key), allowed
    item.wrong = [WrongAnswer(float(value), say, _allowed(item.question, value)[0]) for value, say in rules]


def build_item(exercise: QuizExercise, question: Question, values: dict) -> Item:
    """The item of `question` for the variant `values` (not for symbolic questions)."""
    text = render_text(question.prompt, values)
    if exercise.description:
        text = f"{exercise.description.strip()}\n\n{text}"
    hint = render_text(question.hint, values) if question.hint else ""
    item = Item(exercise, question, variant_id(values), values, text, None, hint=hint,
                text_prompt=render_text(question.prompt, values))
    key = keys.key_value(exercise, question, values)
    rules = [(keys.rule_value(exercise, question, rule.when, values), render_text(rule.say, values))
             for rule in question.feedback if rule.applies(values)]  # when_params: this variant's rules
    if question.type == "numeric":
        _numeric(item, key, rules)
    elif question.type == "shape":
        item.key = key
        item.text = f"{item.text}\n\n{_(SHAPE_FORM)}"
        item.wrong = [WrongAnswer(value, say) for value, say in rules]
    elif question.type == "choice":
        item.key = key
        said = {value: say for value, say in rules}
        item.options = [Option(letter, render_text(text, values), 1.0 if letter == key else 0.0,
                               said.get(letter, "" if letter == key else item.hint))
                        for letter, text in question.option_map.items()]
    elif question.type == "multi":
        item.key = key
        share = 1 / len(key)  # right picks minus wrong picks, over the right ones: grader's own rule
        item.options = [Option(letter, render_text(text, values), share if letter in key else -share)
                        for letter, text in question.option_map.items()]
        if rules:
            item.notes.append(_("{count} feedback rule(s) on a combination of options left out: per-option feedback is "
                                "all these platforms give").format(count=len(rules)))
    else:
        raise ValueError(f"{question.type} questions are not exported")
    return item


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLACEHOLDER = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.S)


def _names(text: object) -> set[str]:
    items = text if isinstance(text, list) else [text]
    return {name for item in items if isinstance(item, str) for name in _NAME.findall(item)}


def _shown(prompt: str) -> set[str]:
    return {name for match in _PLACEHOLDER.finditer(prompt) for part in match.groups() if part
            for name in _NAME.findall(part)}


def _context(exercise: QuizExercise, index: int) -> list[Question]:
    """The earlier questions that set the scene for question `index`: in grader a student answers
    an exercise on one variant, so a prompt may say "that layer" and leave out values its key
    uses. A platform draws each question's variant on its own, so such a question carries the
    earlier prompts (nearest first) that show the params its own prompt does not."""
    question = exercise.questions[index]
    if question.type not in ("numeric", "shape"):
        return []  # an option letter is no expression over the params
    missing = (_names(question.answer) & set(exercise.params)) - _shown(question.prompt)
    scene = []
    for earlier in reversed(exercise.questions[:index]):
        if not missing:
            break
        if _shown(earlier.prompt) & missing:
            scene.insert(0, earlier)
            missing -= _shown(earlier.prompt)
    return scene


def symbolic_variants(exercises: list[QuizExercise], count: int) -> list[tuple[QuizExercise, Question, dict]]:
    """(exercise, question, variant) of each symbolic question: the variants `build_items` exports."""
    chosen = []
    for exercise in exercises:
        variants = export_variants(exercise, count)
        for question in exercise.questions:
            if question.type != "symbolic":
                continue
            uses = _shown(question.prompt) | _names(question.answer) | _shown(question.hint)
            uses |= {name for rule in question.feedback for name in _names(rule.when) | _shown(rule.say)}
            if not uses & set(exercise.params) and not any(rule.when_params for rule in question.feedback):
                variants = variants[:1]  # the same question in every variant: once
            chosen += [(exercise, question, values) for values in variants]
    return chosen


def build_items(exercises: list[QuizExercise], count: int) -> tuple[list[Item], list[Skipped]]:
    """Items for `count` variants of every question of `exercises`, and the questions skipped."""
    items, skipped = [], []
    for exercise in exercises:
        variants = export_variants(exercise, count)
        for index, question in enumerate(exercise.questions):
            if question.type == "symbolic":
                skipped.append(Skipped(exercise.id, question.id, SYMBOLIC_SKIP))
                continue
            built = [build_item(exercise, question, values) for values in variants]
            context = _context(exercise, index)
            for item in built if context else ():
                scene = " ".join(render_text(q.prompt, item.values) for q in context)
                item.text = item.text.replace(item.text_prompt, _("Earlier in this exercise: {scene}").format(scene=scene)
                                              + f"\n\n{item.text_prompt}", 1)
            seen = set()
            for item in built:  # a question that uses none of the params is the same in each variant
                same = (item.text, repr(item.key), repr(item.options), repr(item.wrong), item.hint)
                if same not in seen:
                    seen.add(same)
                    items.append(item)
    return items, skipped
