"""Symbolic questions as STACK questions (Moodle's `qtype_stack`, judged by Maxima).

grader judges a formula by a sympy proof, else by exact evaluation at domain-aware sample
points. STACK's algebraic answer tests would refuse right answers that only agree on the
integers (`floor((n+p-k)/s) + 1` against `floor((n+p-k+s)/s)`), so the exported question
judges as grader's sampling does: the question variables hold the key (`ta`), each feedback
rule's answer (`r1`, `r2`, ...) and sample points of the question's domains that meet its
constraints (`pts`, drawn by grader's own sampler); the potential response tree compares the
student's formula with each at every point (relative 1e-9). Node 0 is the key (full marks);
node i is feedback rule i (its message, no marks); the last false branch gives the hint.
grader's function names that Maxima spells otherwise (`ceil`, `delta`, `ln`, `sigmoid`,
`relu`) are mapped before comparing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import sympy

from grader.bank.prompts import render_text
from grader.bank.spec import Question, QuizExercise
from grader.i18n import _, listed
from grader.judge.sampling import sample_points
from grader.judge.scope import domains, variable_symbols
from grader.lms.quiz_items import variant_id
from grader.quiz import keys

POINTS = 24  # sample points per variant, as grader's validate uses a dozen and its judge more
STACK_VERSION = "2023010400"
_FUNCTIONS = {sympy.floor: "floor", sympy.ceiling: "ceiling", sympy.exp: "exp", sympy.log: "log",
              sympy.Abs: "abs", sympy.Max: "max", sympy.Min: "min", sympy.KroneckerDelta: "kron_delta",
              sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan", sympy.asin: "asin", sympy.acos: "acos",
              sympy.atan: "atan", sympy.sinh: "sinh", sympy.cosh: "cosh", sympy.tanh: "tanh",
              sympy.asinh: "asinh", sympy.acosh: "acosh", sympy.atanh: "atanh"}
# what a student may type (grader's spellings) -> Maxima, applied to the answer before comparing
STUDENT_SPELLINGS = ("sa: subst([ceil = ceiling, delta = kron_delta, ln = log, e = %e, pi = %pi,"
                     " sigmoid = lambda([x], 1/(1 + exp(-x))), relu = lambda([x], max(0, x))], ans1)")


class NotMaxima(ValueError):
    """An expression this printer cannot write in Maxima."""


def maxima(expression: sympy.Basic) -> str:
    """A sympy expression as Maxima text (exact numbers as fractions)."""
    e = expression
    if e is sympy.E:
        return "%e"
    if e is sympy.pi:
        return "%pi"
    if e.is_Integer:
        return f"({int(e)})"
    if e.is_Rational:
        return f"({int(e.p)}/{int(e.q)})"
    if e.is_Float:
        return f"({repr(float(e))})"
    if e.is_Symbol:
        return e.name
    if e.is_Add:
        return "(" + " + ".join(maxima(a) for a in e.args) + ")"
    if e.is_Mul:
        return "(" + "*".join(maxima(a) for a in e.args) + ")"
    if e.is_Pow:
        base, exponent = e.args
        if exponent == sympy.Rational(1, 2):
            return f"sqrt({maxima(base)})"
        return f"({maxima(base)})^({maxima(exponent)})"
    for function, name in _FUNCTIONS.items():
        if e.func == function:
            return f"{name}(" + ", ".join(maxima(a) for a in e.args) + ")"
    raise NotMaxima(_("{kind} has no Maxima spelling here").format(kind=type(e).__name__))


def _point(point: dict) -> str:
    return "[" + ", ".join(f"{symbol.name} = {maxima(value)}" for symbol, value in point.items()) + "]"


def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = "html") -> None:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = value


def _html(text: str) -> str:
    import html

    return "".join(f"<p>{html.escape(p.strip(), quote=False)}</p>" for p in text.split("\n\n") if p.strip())


def stack_parts(exercise: QuizExercise, question: Question, values: dict) -> dict:
    """The Maxima of one variant: question variables, feedback variables, and the rules kept."""
    key = keys.key_value(exercise, question, values)
    rules = [(maxima(keys.rule_value(exercise, question, rule.when, values)), render_text(rule.say, values))
             for rule in question.feedback if rule.applies(values)]
    points = sample_points(domains(question.variables), keys.constraints(exercise, question, values), POINTS)
    if not points:
        raise NotMaxima(_("no sample point meets the constraints"))
    variables = [f"ta: {maxima(key)}"] + [f"r{i}: {text}" for i, (text, _say) in enumerate(rules, 1)]
    variables.append("pts: [" + ", ".join(_point(p) for p in points) + "]")
    near = ("near: lambda([a, b], every(lambda([pt], is(abs(float(ev(a, pt) - ev(b, pt)))"
             " <= 1e-9*(1 + abs(float(ev(b, pt)))))), pts))")
    feedback = [STUDENT_SPELLINGS, near, "k0: near(sa, ta)"] + [f"k{i}: near(sa, r{i})" for i in range(1, len(rules) + 1)]
    return {"questionvariables": ";\n".join(variables) + ";", "feedbackvariables": ";\n".join(feedback) + ";",
            "rules": rules}


def _node(prt: ET.Element, number: int, test: str, last: bool, *, true_score: str, true_feedback: str,
          false_feedback: str) -> None:
    node = ET.SubElement(prt, "node")
    fields = {"name": str(number), "description": "", "answertest": "AlgEquiv", "sans": test, "tans": "true",
              "testoptions": "", "quiet": "0", "truescoremode": "=", "truescore": true_score, "truepenalty": "",
              "truenextnode": "-1", "trueanswernote": f"prt1-{number + 1}-T"}
    for tag, value in fields.items():
        ET.SubElement(node, tag).text = value
    _text(node, "truefeedback", _html(true_feedback))
    for tag, value in {"falsescoremode": "=", "falsescore": "0", "falsepenalty": "",
                       "falsenextnode": "-1" if last else str(number + 1),
                       "falseanswernote": f"prt1-{number + 1}-F"}.items():
        ET.SubElement(node, tag).text = value
    _text(node, "falsefeedback", _html(false_feedback if last else ""))


def stack_question(root: ET.Element, exercise: QuizExercise, question: Question, values: dict) -> str:
    """Append one variant of a symbolic question as a STACK question; return its idnumber."""
    parts = stack_parts(exercise, question, values)
    idnumber = f"{exercise.id}/{question.id}/{variant_id(values)}"
    names = listed(variable_symbols(question.variables))
    prompt = render_text(question.prompt, values)
    if exercise.description:
        prompt = f"{exercise.description.strip()}\n\n{prompt}"
    body = (_html(prompt) + _html(_("Answer with a formula in {names}; floor(), ceiling(), sqrt(), exp(), log(), "
                                    "abs(), max(), min() and kron_delta(i, j) may be used.").format(names=names))
            + "<p>[[input:ans1]] [[validation:ans1]]</p>")
    question_element = ET.SubElement(root, "question", {"type": "stack"})
    ET.SubElement(ET.SubElement(question_element, "name"), "text").text = f"{exercise.id} {question.id} {variant_id(values)}"
    _text(question_element, "questiontext", body)
    _text(question_element, "generalfeedback", "")
    for tag, value in (("defaultgrade", f"{question.points:g}"), ("penalty", "0"), ("hidden", "0"),
                       ("idnumber", idnumber)):
        ET.SubElement(question_element, tag).text = value
    _text(question_element, "stackversion", STACK_VERSION, fmt=None)
    _text(question_element, "questionvariables", parts["questionvariables"], fmt=None)
    _text(question_element, "specificfeedback", "[[feedback:prt1]]")
    _text(question_element, "questionnote", "{@ta@}", fmt=None)
    for tag, value in (("questionsimplify", "1"), ("assumepositive", "0"), ("assumereal", "0")):
        ET.SubElement(question_element, tag).text = value
    _text(question_element, "prtcorrect", "<p>Correct answer, well done.</p>")
    _text(question_element, "prtpartiallycorrect", "<p>Your answer is partially correct.</p>")
    _text(question_element, "prtincorrect", "<p>Incorrect answer.</p>")
    for tag, value in (("multiplicationsign", "dot"), ("sqrtsign", "1"), ("complexno", "i"),
                       ("inversetrig", "cos-1"), ("logicsymbol", "lang"), ("matrixparens", "["),
                       ("variantsselectionseed", "")):
        ET.SubElement(question_element, tag).text = value
    answer_input = ET.SubElement(question_element, "input")
    for tag, value in (("name", "ans1"), ("type", "algebraic"), ("tans", "ta"), ("boxsize", "40"),
                       ("strictsyntax", "1"), ("insertstars", "0"), ("syntaxhint", ""), ("syntaxattribute", "0"),
                       ("forbidwords", ""), ("allowwords", "ceil,delta,kron_delta,sigmoid,relu,ln"),
                       ("forbidfloat", "0"), ("requirelowestterms", "0"), ("checkanswertype", "0"),
                       ("mustverify", "1"), ("showvalidation", "1"), ("options", "")):
        ET.SubElement(answer_input, tag).text = value
    prt = ET.SubElement(question_element, "prt")
    for tag, value in (("name", "prt1"), ("value", "1"), ("autosimplify", "1"), ("feedbackstyle", "1")):
        ET.SubElement(prt, tag).text = value
    _text(prt, "feedbackvariables", parts["feedbackvariables"], fmt=None)
    rules = parts["rules"]
    hint = render_text(question.hint, values) if question.hint else ""
    _node(prt, 0, "k0", not rules, true_score="1", true_feedback="", false_feedback=hint)
    for i, (_rule, say) in enumerate(rules, 1):
        _node(prt, i, f"k{i}", i == len(rules), true_score="0", true_feedback=say, false_feedback=hint)
    return idnumber
