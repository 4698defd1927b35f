"""Exercise specs as frozen, typed models: what `exercises/<id>/spec.yaml` may say.

Strict on purpose: unknown fields and wrong types are errors, and validators raise
`AuthorError` with the fix. Reading a file into these models, with its lines and its names
checked, is `loading.py`'s job; proving that answer keys are right is grader.proofs'.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.i18n import N_, _, listed

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
PYTHON_FILE = r"^[A-Za-z_][A-Za-z0-9_]*\.py$"
OPTION_LETTER = r"^[a-z]$"
LANGUAGE_TAG = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
Number = Union[int, float]
# A text a person reads (title, description, prompt, options, hint, feedback, check title): one
# text, or one per language ({en: ..., zh: ...}); see bank/texts.py and docs/specs.md.
Text = Union[str, Annotated[dict[Annotated[str, Field(pattern=LANGUAGE_TAG)], str], Field(min_length=1)]]


class AuthorError(ValueError):
    """A spec validator's complaint: `at` is a field below the model (("answer",)), `fix` the remedy."""

    def __init__(self, message: str, *, fix: str = "", at: tuple = ()):
        super().__init__(message)
        self.fix, self.at = fix, tuple(at)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class IntRange(Model):
    """An integer parameter drawn from min..max inclusive."""

    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if self.min > self.max:
            raise AuthorError(_("min ({min}) is larger than max ({max}): the range holds no value").format(min=self.min, max=self.max),
                              fix=_("swap them: {range}").format(range=f"{{min: {self.max}, max: {self.min}}}"))
        return self


ParamValues = Union[Annotated[list[Union[int, float, str]], Field(min_length=1)], IntRange]


class Tolerance(Model):
    abs: float = 0.0
    rel: float = 0.0


ParamValue = Union[int, float, str]


class FeedbackRule(Model):
    """An expected wrong answer and what to tell the student who gives it.

    `when_params` limits the rule to the variants whose params take one of the values
    listed (`{k: [3, 5]}`, or `{k: 3}`): a mistake that equals the key on some variant
    (forgetting the padding when p = 0) can still be named on the others.
    """

    when: Union[str, int, float, list[Union[int, str]]]
    say: Text
    when_params: dict[str, Union[ParamValue, list[ParamValue]]] = {}

    def applies(self, values: dict) -> bool:
        """Whether this rule is meant for the variant `values` (every rule is, without when_params)."""
        return all(values.get(name) in (wanted if isinstance(wanted, list) else [wanted])
                   for name, wanted in self.when_params.items())


class VariableDomain(Model):
    """A symbolic question's variable: integer or real, within inclusive bounds.

    `item: y[i]` makes it the i-th item of a sequence y, so that two items of y take the
    same value wherever their indexes are equal (y_i = y_j when i = j): then
    y_j*(delta(i,j) - y_i) and y_i*(delta(i,j) - y_j) are the same answer, as they are.
    """

    integer: list[int] | None = Field(default=None, min_length=2, max_length=2)
    real: list[Number] | None = Field(default=None, min_length=2, max_length=2)
    item: str | None = None

    @field_validator("item")
    @classmethod
    def _item_form(cls, item: str | None) -> str | None:
        if item is not None and not re.fullmatch(r"[A-Za-z_]\w*\[[A-Za-z_]\w*\]", item):
            raise AuthorError(_("item {item!r} should look like y[i]: a sequence name, then an index variable in brackets").format(
                item=item), fix=_("write item: y[i]"), at=("item",))
        return item

    @property
    def item_of(self) -> tuple[str, str] | None:
        """(sequence, index) for `item: sequence[index]`."""
        if self.item is None:
            return None
        sequence, index = self.item.rstrip("]").split("[")
        return sequence, index

    @model_validator(mode="after")
    def _one_kind(self) -> VariableDomain:
        bounds = self.integer if self.integer is not None else self.real
        if (self.integer is None) == (self.real is None):
            raise AuthorError(_("give exactly one of integer: [low, high] or real: [low, high]"),
                              fix=_("e.g. {{integer: [1, 64]}} or {{real: [0, 1]}}").format())
        if bounds[0] > bounds[1]:
            raise AuthorError(_("the lower bound {low} is above the upper bound {high}").format(low=bounds[0], high=bounds[1]),
                              fix=_("swap them: {range}").format(range=f"{self.kind}: [{bounds[1]}, {bounds[0]}]"), at=(self.kind,))
        return self

    @property
    def kind(self) -> str:
        return "integer" if self.integer is not None else "real"

    @property
    def bounds(self) -> tuple[Number, Number]:
        low, high = self.integer if self.integer is not None else self.real
        return low, high


QuestionType = Literal["numeric", "symbolic", "shape", "choice", "multi"]
_ANSWER_FORMS = {"numeric": (N_("a number or an expression over the params"), '"c_out*c_in*k*k + c_out"'),
                 "symbolic": (N_("an expression in quotes"), '"floor((n + 2*p - k) / s) + 1"'),
                 "shape": (N_("a list of whole numbers or expressions"), '[2, 16, 5, 5]'),
                 "choice": (N_("one option letter"), "b"), "multi": (N_("a list of option letters"), "[a, c]")}
_FORM_OF = {list: N_("a list"), dict: N_("a mapping"), int: N_("a whole number"), float: N_("a number"), str: N_("text"),
            bool: N_("true/false")}
OPTION_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class Question(Model):
    id: str = Field(pattern=KEBAB)
    type: QuestionType
    points: Number = Field(default=1, gt=0)
    prompt: Text
    # None only in a handout's spec (grader.handouts.handout), where graded questions carry no key
    answer: Union[str, int, float, list[Union[int, str]], None] = None
    # asked with the practice variant (id "practice") for everyone; its key ships in handouts
    practice: bool = False
    tolerance: Union[Number, Tolerance, None] = None
    feedback: list[FeedbackRule] = []
    hint: Text = ""  # shown on a wrong answer that no feedback rule matched
    variables: dict[Annotated[str, Field(pattern=IDENTIFIER)], VariableDomain] = {}
    constraints: list[str] = []
    options: Union[list[Text], dict[Annotated[str, Field(pattern=OPTION_LETTER)], Text], None] = None
    # option letter -> its text in the bank's other languages: an answer that gives an option's text
    # is read in any of them, whatever language grader speaks (set by loading, grader.bank.texts)
    option_aliases: dict[Annotated[str, Field(pattern=OPTION_LETTER)], list[str]] = {}
    verify: list[str] = []  # trusted author expressions that must agree with the key

    @model_validator(mode="after")
    def _fits_type(self) -> Question:
        expected = {
            "numeric": (str, int, float),
            "symbolic": (str,),
            "shape": (list,),
            "choice": (str,),
            "multi": (list,),
        }[self.type]
        if self.answer is None:  # a handout's graded question (QuizExercise says where that is allowed)
            if self.feedback or self.verify:
                raise ValueError(_("feedback: and verify: need an answer: to compare with"))
            return self
        if isinstance(self.answer, bool) or not isinstance(self.answer, expected):
            given = type(self.answer)
            raise AuthorError(_("a {type} question's answer must be {form}, not {given}").format(
                type=self.type, form=_(_ANSWER_FORMS[self.type][0]), given=_(_FORM_OF[given]) if given in _FORM_OF else given.__name__),
                fix=_("e.g. answer: {example}").format(example=_ANSWER_FORMS[self.type][1]), at=("answer",))
        if self.type in ("choice", "multi"):
            if not self.options:
                raise AuthorError(_("a {type} question needs options:").format(type=self.type),
                                  fix=_("add options: [first text, second text, ...] (lettered a, b, ...)"))
            letters = self.option_map.keys()
            chosen = [self.answer] if self.type == "choice" else self.answer
            for letter in chosen:
                if letter not in letters:
                    raise AuthorError(_("answer {letter!r} is not one of the option letters {letters}").format(
                        letter=letter, letters=listed(letters)), fix=_("answer with the letter of the right option"),
                        at=("answer",))
        elif self.options is not None:
            raise AuthorError(_("options: only belong to choice and multi questions, not {type}").format(type=self.type),
                              fix=_("remove options:, or set type: choice"), at=("options",))
        if self.type != "symbolic" and (self.variables or self.constraints):
            raise AuthorError(_("variables: and constraints: only belong to symbolic questions"),
                              fix=_("set type: symbolic, or move param constraints to the exercise's constraints:"),
                              at=("variables",) if self.variables else ("constraints",))
        if self.tolerance is not None and self.type != "numeric":
            raise AuthorError(_("tolerance: only belongs to numeric questions"), fix=_("remove it"), at=("tolerance",))
        self._items_fit()
        return self

    def _items_fit(self) -> None:
        """`item: y[i]` needs an integer variable i, and the items of one y need one domain."""
        first_of: dict[str, str] = {}
        for name, domain in self.variables.items():
            if domain.item_of is None:
                continue
            sequence, index = domain.item_of
            if index not in self.variables or self.variables[index].kind != "integer":
                raise AuthorError(_("variable {name} is item {item}, so {index} must be an integer variable of this "
                                    "question").format(name=name, item=domain.item, index=index),
                                  fix=_("add {entry} to variables:").format(entry=f"{index}: {{integer: [1, 6]}}"),
                                  at=("variables", name))
            other = first_of.setdefault(sequence, name)
            if (self.variables[other].kind, self.variables[other].bounds) != (domain.kind, domain.bounds):
                raise AuthorError(_("{other} and {name} are items of {sequence}, so they need the same kind and bounds").format(
                    other=other, name=name, sequence=sequence),
                                  fix=_("give {name} the bounds of {other}").format(name=name, other=other), at=("variables", name))

    @property
    def option_map(self) -> dict[str, Text]:
        """Option letter -> text; a list of options is lettered a, b, c, ..."""
        if isinstance(self.options, dict):
            return dict(self.options)
        return dict(zip(OPTION_LETTERS, self.options or []))

    @property
    def tolerances(self) -> Tolerance:
        if isinstance(self.tolerance, Tolerance):
            return self.tolerance
        return Tolerance(abs=float(self.tolerance or 0))


class ExerciseBase(Model):
    id: str = Field(pattern=KEBAB)
    title: Text
    topic: str = Field(pattern=KEBAB)
    description: Text = ""
    folder: Path = Field(default=Path("."), exclude=True)

    @field_validator("folder", mode="plain")
    @classmethod
    def _path(cls, value: object) -> Path:
        return Path(value)


class QuizExercise(ExerciseBase):
    kind: Literal["quiz"]
    params: dict[Annotated[str, Field(pattern=IDENTIFIER)], ParamValues] = {}
    constraints: list[str] = []  # on params; a draw that breaks one is drawn again
    questions: Annotated[list[Question], Field(min_length=1)]
    # written by `grader handout`: only practice questions have keys; graded ones are asked, never judged
    handout: bool = False

    @model_validator(mode="after")
    def _unique_questions(self) -> QuizExercise:
        seen: set[str] = set()
        for index, question in enumerate(self.questions):
            if question.id in seen:
                raise AuthorError(_("question id {id!r} appears twice").format(id=question.id), fix=_("give each question its own id"),
                                  at=("questions", index, "id"))
            seen.add(question.id)
            if question.answer is None and not self.handout:
                raise ValueError(_("question {id!r} has no answer:; give its key").format(id=question.id))
            if question.answer is not None and self.handout and not question.practice:
                raise ValueError(_("question {id!r} of a handout has a key but is not practice: true").format(id=question.id))
        return self

    @model_validator(mode="after")
    def _rules_name_params(self) -> QuizExercise:
        """`when_params` names params of this exercise, with values they can take."""
        for q_index, question in enumerate(self.questions):
            for r_index, rule in enumerate(question.feedback):
                for name, wanted in rule.when_params.items():
                    at = ("questions", q_index, "feedback", r_index, "when_params", name)
                    if name not in self.params:
                        raise AuthorError(_("when_params names {name!r}, which is not a param of this exercise").format(name=name),
                                          fix=_("use one of: {params}").format(params=listed(self.params))
                                          if self.params else _("no params are defined"), at=at)
                    domain = self.params[name]
                    possible = (lambda v: isinstance(v, int) and domain.min <= v <= domain.max) \
                        if isinstance(domain, IntRange) else (lambda v: v in domain)
                    for value in wanted if isinstance(wanted, list) else [wanted]:
                        if not possible(value):
                            raise AuthorError(_("param {name} never takes the value {value!r}, so this limit never holds").format(
                                name=name, value=value),
                                fix=_("use values {name} can take: {values}").format(name=name, values=_domain_text(domain)), at=at)
        return self

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def _domain_text(domain) -> str:
    if isinstance(domain, IntRange):
        return _("{low} to {high}").format(low=domain.min, high=domain.max)
    return listed(domain)


class Limits(Model):
    call_seconds: Number = Field(default=10, gt=0)
    exercise_seconds: Number = Field(default=120, gt=0)
    cpu_seconds: Number = Field(default=60, gt=0)
    memory_mb: int = Field(default=2048, ge=256)
    # this exercise's share of a whole submission's wall-clock budget (grading.submission_budget)
    budget_seconds: Number = Field(default=20, gt=0)


class Check(Model):
    id: str = Field(pattern=KEBAB)
    points: Number = Field(default=1, gt=0)
    title: Text = ""
    # A check whose pass shows the submission is the exercise's own: outputs the grader
    # compared with its reference, on inputs and weights it chose (see grader.checking.evidence).
    evidence: bool = False
    # The evidence checks this one's points wait for (any one of them passing); empty: all of
    # the exercise's evidence checks. A property any network has earns nothing on its own.
    needs: list[Annotated[str, Field(pattern=KEBAB)]] = []

    @property
    def function_name(self) -> str:
        return "test_" + self.id.replace("-", "_")


EDITION = r"^[a-z0-9]+([-.][a-z0-9]+)*$"  # boyu, d2l-v1, d2l-zh-2


def signature_parameters(signature: str) -> tuple[list[str], int]:
    """The parameter names of a signature written `(a, b, c=1)`, and how many are required;
    a ValueError where it is not a Python parameter list."""
    import ast

    try:
        args = ast.parse(f"def f{signature.strip()}: pass").body[0].args
    except (SyntaxError, IndexError, AttributeError):
        raise ValueError(_("{signature!r} is not a parameter list such as (input_size, hidden_size, dropout=0.0)").format(
            signature=signature)) from None
    names = [a.arg for a in args.posonlyargs + args.args]
    return names, len(names) - len(args.defaults)


class Edition(Model):
    """One edition of the course, for one code exercise: how its code names and calls the exercise's
    symbols, where that differs from the edition the checks are written in (the first listed)."""

    summary: Text = ""  # what this edition's version is, e.g. "max pooling, no padding, 16*4*4 features"
    names: dict[str, Annotated[str, Field(pattern=IDENTIFIER)]] = {}  # the checks' name -> this edition's
    signatures: dict[str, str] = {}  # the checks' name -> this edition's parameters: "(key_size, ..., bias=False)"
    calls: dict[str, list[Annotated[str, Field(pattern=IDENTIFIER)]]] = {}  # the checks' name -> this
    # edition's arguments, each one a parameter of the checks' signature (the first edition's)
    parameters: dict[str, Annotated[int, Field(ge=0)]] = {}  # the checks' name -> how many parameters this
    # edition's has, built without arguments: tells editions apart where no reference is at hand (a handout)

    @field_validator("signatures")
    @classmethod
    def _parameter_lists(cls, signatures: dict[str, str]) -> dict[str, str]:
        for signature in signatures.values():
            try:
                signature_parameters(signature)
            except ValueError as error:
                raise AuthorError(str(error), fix=_("write the parameters as in a def, with their parentheses")) from None
        return signatures


class CodeExercise(ExerciseBase):
    kind: Literal["code"]
    file: str = Field(pattern=PYTHON_FILE)
    symbols: Annotated[list[Annotated[str, Field(pattern=IDENTIFIER)]], Field(min_length=1)]
    devices: list[Literal["cpu", "cuda"]] = ["cpu"]
    limits: Limits = Limits()
    checks: Annotated[list[Check], Field(min_length=1)]
    hidden_checks: int = Field(default=0, ge=0)  # a handout's (grader.handouts.handout): the checks it does not ship
    # the editions of the course this exercise has contracts for, the checks' own first (docs/specs.md)
    editions: dict[Annotated[str, Field(pattern=EDITION)], Edition] = {}
    accept: list[str] | None = None  # the editions accepted here, where fewer than the bank's (bank.yaml)

    @property
    def defined_names(self) -> list[str]:
        """Every name a submission may define for this exercise: the symbols, and each edition's own names
        for them (a d2l-zh 2.x alexnet.py defines `net`, not `AlexNet`)."""
        names = list(self.symbols)
        for edition in self.editions.values():
            names += [name for name in edition.names.values() if name not in names]
        return names

    @model_validator(mode="after")
    def _editions_known(self) -> CodeExercise:
        for position, name in enumerate(self.accept or ()):
            if name not in self.editions:
                raise AuthorError(_("accept names {name!r}, which is not one of this exercise's editions").format(name=name),
                                  fix=_("one of: {ids}").format(ids=listed(self.editions)) if self.editions
                                  else _("add editions: first"), at=("accept", position))
        checks_edition = next(iter(self.editions.values()), None)
        for name, edition in self.editions.items():
            for symbol, arguments in edition.calls.items():
                if checks_edition is None or symbol not in checks_edition.signatures:
                    raise AuthorError(_("edition {name} maps the checks' call of {symbol}, but the first edition gives no "
                                        "signature for {symbol}").format(name=name, symbol=symbol),
                                      fix=_("add it to the first edition's signatures:"), at=("editions", name, "calls"))
                known = signature_parameters(checks_edition.signatures[symbol])[0]
                unknown = [a for a in arguments if a not in known]
                if unknown:
                    raise AuthorError(_("edition {name} calls {symbol} with {argument!r}, which is not a parameter of the "
                                        "checks' {signature}").format(name=name, symbol=symbol, argument=unknown[0],
                                                                      signature=symbol + checks_edition.signatures[symbol]),
                                      fix=_("use those names: {names}").format(names=listed(known)),
                                      at=("editions", name, "calls", symbol))
        return self

    @model_validator(mode="after")
    def _unique_checks(self) -> CodeExercise:
        ids = [check.id for check in self.checks]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise AuthorError(_("check id {id!r} appears twice").format(id=duplicates[0]), fix=_("give each check its own id"),
                              at=("checks", len(ids) - 1 - ids[::-1].index(duplicates[0])))
        evidence = {check.id for check in self.checks if check.evidence}
        for position, check in enumerate(self.checks):
            for wanted in check.needs:
                if wanted not in evidence:
                    raise AuthorError(_("check {id!r} needs {wanted!r}, which is not an evidence check (evidence checks: "
                                        "{evidence})").format(id=check.id, wanted=wanted,
                                                               evidence=listed(sorted(evidence)) or _("none")),
                                      fix=_("mark it `evidence: true` or name one of those"),
                                      at=("checks", position, "needs"))
            if check.needs and check.evidence:
                raise AuthorError(_("check {id!r} is evidence itself, so it needs nothing").format(id=check.id),
                                  fix=_("remove its needs:"), at=("checks", position, "needs"))
        return self

    def gate_of(self, check: Check) -> tuple[str, ...]:
        """The evidence checks `check`'s points wait for; empty when it waits for none."""
        if check.evidence:
            return ()
        return tuple(check.needs) or tuple(c.id for c in self.checks if c.evidence)


Exercise = Annotated[Union[QuizExercise, CodeExercise], Field(discriminator="kind")]


class _ExerciseFile(Model):
    exercise: Exercise
