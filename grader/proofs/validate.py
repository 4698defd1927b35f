"""Proving a bank's answer keys: `grader validate`.

For each quiz exercise, many variants are drawn; on each, every key and feedback rule
must evaluate, no feedback rule may equal the key, and every `verify:` expression of
the author (trusted Python: build a torch layer, run a sympy proof) must agree with the
key. A wrong key fails with the variant that shows it. A symbolic key that has no value on part
of its declared domain is a warning (grader.judge.key_domain): the bank stays valid.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sympy
from sympy.logic.boolalg import BooleanAtom

from grader.bank.course_code import verify_names
from grader.bank.loading import load_exercise, spec_folders
from grader.bank.settings import bank_settings
from grader.bank.location import solutions_beside
from grader.bank.spec import CodeExercise, IntRange, Question, QuizExercise, Tolerance
from grader.bank.variants import draw, satisfies
from grader.bank.yamlfile import YamlDocument, read_yaml
from grader.errors import SpecError, SpecErrors
from grader.i18n import _, listed
from grader.i18n.syntax_errors import say_syntax_error
from grader.judge.decide import named_domains
from grader.judge.equivalence import Verdict
from grader.judge.expr import ExpressionError
from grader.judge.key_domain import key_gap
from grader.judge.sampling import sample_points
from grader.judge.scope import domains
from grader.proofs.verify import VerifyTimeout, evaluate
from grader.quiz import keys
from grader.quiz.marking import numbers_match

KEY_DOMAIN_VARIANTS = 8  # variants of a symbolic question whose key's domain is checked (grader.judge.key_domain)
MAX_COMBINATIONS = 200  # enumerate every variant when there are at most this many
DRAWN_VARIANTS = 60
POINTS_PER_VARIANT = 12  # sample points of a symbolic question's variables, per variant
RELATIVE = Tolerance(rel=1e-9)


@dataclass(frozen=True)
class Finding:
    path: Path
    message: str
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}" + (f":{self.line}" if self.line else "")
        return f"{where}: " + (f"{self.field}: " if self.field else "") + self.message


@dataclass
class Validation:
    exercises: int = 0
    questions: int = 0
    variants: int = 0
    verified: int = 0  # verify expressions that agreed with a key
    findings: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)  # worth a look, but the bank is valid
    # "exercise" (its params over the variants) or "exercise/question" (its variables over the
    # verify points) -> each name -> the distinct values it took: a key is proven only where they went
    sampled: dict[str, dict[str, set]] = field(default_factory=dict)

    def took(self, where: str, values: dict) -> None:
        """Note the values of one variant or sample point."""
        seen = self.sampled.setdefault(where, {})
        for name, value in values.items():
            seen.setdefault(str(name), set()).add(value)

    def spread(self) -> list[str]:
        """'conv-shape/out-height: n_h took 12 values, s_h 4' for each place values were drawn."""
        return [f"{where}: " + listed([(_("{name} took {count} value") if len(values) == 1 else
                                        _("{name} took {count} values")).format(name=name, count=len(values))
                                       for name, values in names.items()])
                for where, names in self.sampled.items() if names]

    @property
    def ok(self) -> bool:
        return not self.findings


def param_pools(exercise: QuizExercise) -> dict[str, list]:
    """Each parameter's values, in order."""
    return {name: list(range(v.min, v.max + 1)) if isinstance(v, IntRange) else list(v)
            for name, v in exercise.params.items()}


def variants_of(exercise: QuizExercise) -> list[dict]:
    """Every variant when there are few, else DRAWN_VARIANTS spread over every parameter's values
    (`_spread_variants`), filled up with students' kind of draws where the constraints rule many out."""
    if not exercise.params:
        return [{}]
    pools = param_pools(exercise)
    probe = draw(exercise, "validate")  # raises if no variant satisfies the constraints
    if math.prod(len(pool) for pool in pools.values()) > MAX_COMBINATIONS:
        kept = [values for values in _spread_variants(exercise.id, pools) if satisfies(exercise, values)]
        drawn = (draw(exercise, f"validate-{n}") for n in range(DRAWN_VARIANTS))  # drawn only while needed
        unique: dict[tuple, dict] = {}
        for values in itertools.chain(kept, drawn):
            if len(unique) >= DRAWN_VARIANTS:
                break
            unique.setdefault(tuple(sorted(values.items())), values)
        return list(unique.values())
    combos = [dict(zip(exercise.params, values)) for values in itertools.product(*pools.values())]
    return [values for values in combos if satisfies(exercise, values)] or [probe]


def _spread_variants(seed: str, pools: dict[str, list]) -> list[dict]:
    """DRAWN_VARIANTS variants in which each parameter takes values from the whole of its pool: the
    pool cut into DRAWN_VARIANTS strata, one value from each in a shuffled order (a Latin
    hypercube), the first and the last value always among them. Drawing each variant at random
    left a parameter at a few of its values (L = 4, 4, 4, 3, 4 in five variants)."""
    rng = random.Random(f"validate\x00{seed}")
    count = DRAWN_VARIANTS
    columns = {}
    for name, pool in pools.items():
        order = list(range(count))
        rng.shuffle(order)
        picks = []
        for stratum in order:
            first = stratum * len(pool) // count
            last = max(first, (stratum + 1) * len(pool) // count - 1)
            index = 0 if stratum == 0 else len(pool) - 1 if stratum == count - 1 else rng.randint(first, last)
            picks.append(pool[index])
        columns[name] = picks
    return [{name: columns[name][row] for name in pools} for row in range(count)]


def _number(value) -> sympy.Expr:
    """A verify result as a sympy number (tensors and numpy scalars by their .item())."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, float):
        return sympy.Float(value, 30)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def _same(question: Question, result, expected) -> bool:
    if isinstance(result, (bool, BooleanAtom)):
        return bool(result)
    if question.type in ("numeric", "symbolic"):
        tolerance = question.tolerances if question.type == "numeric" else RELATIVE
        rounding = 1e-9 if isinstance(result, float) or hasattr(result, "item") else 0.0
        loose = Tolerance(abs=tolerance.abs, rel=max(tolerance.rel, rounding))
        return numbers_match(_number(result), expected, loose)
    if question.type == "shape":
        return [int(v) for v in result] == list(expected)
    if question.type == "multi":
        return sorted(result) == list(expected)
    return result == expected


class _QuestionCheck:
    """Validation of one question over the variants of its exercise."""

    def __init__(self, exercise: QuizExercise, index: int, question: Question, report: Validation, path: Path,
                 document: YamlDocument | None = None):
        self.exercise, self.index, self.question, self.report, self.path = exercise, index, question, report, path
        self.document = document  # for the line of each finding

    def fail(self, message: str, location: tuple = (), values: dict | None = None, fix: str = "") -> None:
        location = ("questions", self.index) + location
        if values:
            message = _("{message} (variant {values})").format(message=message, values=_variant(values))
        if fix:
            message = _("{message} (fix: {fix})").format(message=message, fix=fix)
        line = self.document.line_of(location) if self.document else None
        self.report.findings.append(Finding(self.path, message, ".".join(str(p) for p in location), line))

    def run(self, variants: list[dict]) -> None:
        """Prove the key on every variant. The feedback rules and the `verify:` expressions are
        proven apart, so a question's wrong rule and wrong verify are both reported in one run;
        a rule that equals the key is reported once, with every variant where it does."""
        warned, rules_ok, verify_ok = False, True, True
        collisions: dict[int, list[dict]] = {}  # rule index -> the variants where it equals the key
        applied: dict[int, list[dict]] = {}  # rule index -> the variants it applies to
        for number, values in enumerate(variants):
            try:
                key = keys.key_value(self.exercise, self.question, values)
            except (ExpressionError, ValueError, TypeError, ZeroDivisionError) as error:
                self.fail(_("the answer does not evaluate: {reason}").format(reason=error), ("answer",), values)
                return
            if self.question.type == "numeric" and not (key.is_number and key.is_finite and key.is_real):
                self.fail(_("the answer is {key}, not a finite real number").format(key=key), ("answer",), values)
                return
            if self.question.type == "symbolic" and number < KEY_DOMAIN_VARIANTS and not warned:
                warned = self._key_has_gap(key, values)  # one warning a question is enough
            if rules_ok:
                rules_ok = self._rules(key, values, collisions, applied)
            if verify_ok:
                verify_ok = self._verify(key, values)
            if not (rules_ok or verify_ok):
                break
        for index, hits in collisions.items():
            message = (_("this wrong answer equals the key on {count} of the {total} variants it applies to, so the rule can "
                         "never fire there") if len(applied[index]) > 1 else
                       _("this wrong answer equals the key on its only variant, so the rule can never fire there"))
            self.fail(message.format(count=len(hits), total=len(applied[index])),
                      ("feedback", index, "when"), hits[0], fix=_limit_fix(self.exercise, hits, applied[index]))

    def _key_has_gap(self, key, values: dict) -> bool:
        relations = keys.constraints(self.exercise, self.question, values)
        gap = key_gap(key, named_domains(domains(self.question.variables)), relations)
        if gap is None:
            return False
        declared = listed(f"{name} in [{d.bounds[0]}, {d.bounds[1]}]" for name, d in self.question.variables.items())
        location = ("questions", self.index, "answer")
        said = {"gap": gap, "declared": declared, "values": _variant(values)}
        message = (_("the key has no value at {gap}, inside the declared domain ({declared}) (variant {values}); students' "
                     "answers are not compared there (fix: narrow the domain or add a constraint)") if values else
                   _("the key has no value at {gap}, inside the declared domain ({declared}); students' answers are not "
                     "compared there (fix: narrow the domain or add a constraint)"))
        self.report.warnings.append(Finding(
            self.path, message.format(**said),
            ".".join(str(p) for p in location), self.document.line_of(location) if self.document else None))
        return True

    def _rules(self, key, values: dict, collisions: dict[int, list[dict]], applied: dict[int, list[dict]]) -> bool:
        """Evaluate each rule on this variant; one equal to the key is noted in `collisions`.
        False once a rule does not evaluate (that finding is reported at once)."""
        for i, rule in enumerate(self.question.feedback):
            if not rule.applies(values):
                continue  # when_params leaves this variant out: it never fires here, the key may equal it
            applied.setdefault(i, []).append(values)
            try:
                expected = keys.rule_value(self.exercise, self.question, rule.when, values)
            except (ExpressionError, ValueError, TypeError) as error:
                self.fail(_("does not evaluate: {reason}").format(reason=error), ("feedback", i, "when"), values)
                return False
            if self._equals_key(expected, key, values):
                collisions.setdefault(i, []).append(values)
        return True

    def _equals_key(self, given, key, values: dict) -> bool:
        if self.question.type == "symbolic":
            from grader.judge.equivalence import judge

            relations = keys.constraints(self.exercise, self.question, values)
            return judge(given, key, domains(self.question.variables), relations).verdict is Verdict.EQUAL
        if self.question.type == "numeric":
            return numbers_match(given, key, self.question.tolerances)
        return given == key

    def _verify(self, key, values: dict) -> bool:
        for i, text in enumerate(self.question.verify):
            where = ("verify", i)
            points = [{}]
            if self.question.type == "symbolic":
                relations = keys.constraints(self.exercise, self.question, values)
                points = sample_points(domains(self.question.variables), relations, POINTS_PER_VARIANT)
            for point in points:
                names = {str(symbol): (int(v) if v.is_Integer else float(v)) for symbol, v in point.items()}
                expected = key.subs(point) if point else key
                try:
                    result = evaluate(text, {**verify_names(self.exercise.folder), **values, **names, "key": key})
                except VerifyTimeout as stopped:
                    self.fail(_("exercise {exercise}, question {question}: verify expression {text!r} {reason} (fix: make "
                                "it faster, or prove the key another way)").format(
                        exercise=self.exercise.id, question=self.question.id, text=text, reason=stopped),
                              where, {**values, **names})
                    return False
                except Exception as error:  # author code: any failure is a finding, not a crash
                    reason = say_syntax_error(str(error.msg)) if isinstance(error, SyntaxError) else error
                    self.fail(_("raised {kind}: {reason}").format(kind=type(error).__name__, reason=reason), where,
                              {**values, **names})
                    return False
                if not _same(self.question, result, expected):
                    self.fail(_("gives {result!r} but the key gives {expected}").format(result=result, expected=expected),
                              where, {**values, **names})
                    return False
                if isinstance(result, (bool, BooleanAtom)):
                    break  # a proof covers the whole variant
                self.report.took(f"{self.exercise.id}/{self.question.id}", point)
            self.report.verified += 1
        return True


def validate_exercise(exercise: QuizExercise, report: Validation) -> None:
    path = exercise.folder / "spec.yaml"
    variants = variants_of(exercise)
    report.exercises += 1
    report.variants += len(variants)
    varied = {name for name, pool in param_pools(exercise).items() if len(pool) > 1}
    for values in variants:
        report.took(exercise.id, {name: value for name, value in values.items() if name in varied})
    document = read_yaml(path) if path.is_file() else None  # it loaded, so it reads: for the findings' lines
    for index, question in enumerate(exercise.questions):
        report.questions += 1
        _QuestionCheck(exercise, index, question, report, path, document).run(variants)


def prove_on(exercise: QuizExercise, index: int, question: Question, variants: list[dict], report: Validation) -> None:
    """Prove one question on `variants` as `validate_exercise` does (e.g. one student's, for `grader key`)."""
    path = exercise.folder / "spec.yaml"
    document = read_yaml(path) if path.is_file() else None
    _QuestionCheck(exercise, index, question, report, path, document).run(variants)


def _pool(domain) -> list:
    return list(range(domain.min, domain.max + 1)) if isinstance(domain, IntRange) else list(domain)


def _limit_fix(exercise: QuizExercise, hits: list[dict], applied: list[dict]) -> str:
    """How to keep a rule that equals the key on the variants `hits` (of those it `applied` to):
    limit it, with when_params, to the values of the params that decide when it does.

    A param decides it when the values it takes where the rule equals the key are never
    taken where the rule is a true mistake; each such param is named."""
    if len(hits) == len(applied):
        return _("remove the rule: it is the right answer on every variant it applies to")
    keys_of = [tuple(sorted(v.items())) for v in hits]
    clean = [v for v in applied if tuple(sorted(v.items())) not in keys_of]
    deciding = []
    for name, domain in exercise.params.items():
        equal_at = {v[name] for v in hits}
        if equal_at.isdisjoint(v[name] for v in clean):
            others = [value for value in _pool(domain) if value not in equal_at]
            deciding.append((name, sorted(equal_at), others))
    if not deciding:
        example = ", ".join(f"{k}={v}" for k, v in hits[0].items())
        return _("no single param decides when it equals the key (e.g. {example}): remove the rule, or write it so that "
                 "it differs from the key on every variant").format(example=example)
    where = _(" or ").join(_("{name} is {values}").format(name=name, values=listed(equal))
                           for name, equal, _others in deciding)
    name, _equal, others = deciding[0]
    other_values = ", ".join(map(str, others))  # YAML, not a sentence
    return _("it equals the key where {where}: limit it to the other variants, e.g. {example} (see docs/specs.md, "
             "Feedback rules), or remove it").format(where=where, example=f"when_params: {{{name}: [{other_values}]}}")


def validate_code(exercise: CodeExercise, report: Validation, solutions: Path, languages: Sequence[str] | None = None) -> None:
    """A code exercise's checks match its spec, and its reference and mutants are in place, each
    mistake in every one of `languages` (by default those its bank declares)."""
    from grader.checking.checks import collect
    from grader.proofs.mutants import load_mutants, reference_file

    report.exercises += 1
    try:
        collect(exercise)
        reference_file(solutions, exercise)
        # every edit lands in exactly one place, every caught-by is a check, every mistake in each language
        load_mutants(solutions, exercise, languages=languages)
    except SpecErrors as errors:
        report.findings.extend(_finding(error) for error in errors.errors)
    except SpecError as error:
        report.findings.append(_finding(error))


def _finding(error: SpecError) -> Finding:
    message = _("{message} (fix: {fix})").format(message=error.detail, fix=error.fix) if error.fix else error.detail
    return Finding(error.path, message, error.field, error.line)


def _variant(values: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def validate_bank(bank: Path) -> Validation:
    """Load and prove every exercise of `bank`; problems are collected, not raised.

    Every problem is reported in one run: a spec whose fields are right but some of whose
    expressions name unknown things (loading's second pass, grader.bank.names) still has its
    other questions proven, so an author does not fix the names only to meet the proofs' findings."""
    report = Validation()
    folders, languages = spec_folders(bank), []
    try:
        languages = bank_settings(bank).languages
    except SpecErrors as errors:
        report.findings += [_finding(e) for e in errors.errors]
    except SpecError as error:
        report.findings.append(_finding(error))
    for folder in folders:
        try:
            exercise = load_exercise(folder, languages=languages)
        except SpecErrors as errors:
            report.findings += [_finding(e) for e in errors.errors]
            _prove_the_rest(folder, errors.errors, report)
            continue
        except SpecError as error:
            report.findings.append(_finding(error))
            continue
        if isinstance(exercise, QuizExercise):
            validate_exercise(exercise, report)
        else:
            validate_code(exercise, report, solutions_beside(bank), languages)
    return report


def _prove_the_rest(folder: Path, errors, report: Validation) -> None:
    """After a spec failed to load: if its fields are right (only names were wrong), prove the
    questions no error points at; one whose field is wrong leaves nothing to prove."""
    try:
        exercise = load_exercise(folder, names=False)
    except (SpecError, SpecErrors):
        return  # its fields are wrong: those findings are all there is to say
    if not isinstance(exercise, QuizExercise):
        return
    broken = {int(parts[1]) for e in errors if e.field and (parts := e.field.split("."))[0] == "questions"
              and len(parts) > 1 and parts[1].isdigit()}
    if any(not (e.field or "").startswith("questions.") for e in errors):
        return  # a param or constraint is wrong: every question's values are in doubt
    variants = variants_of(exercise)
    report.exercises += 1
    report.variants += len(variants)
    path = exercise.folder / "spec.yaml"
    document = read_yaml(path)
    for index, question in enumerate(exercise.questions):
        if index not in broken:
            report.questions += 1
            _QuestionCheck(exercise, index, question, report, path, document).run(variants)
