"""Safe parsing of math expressions typed by students and authors.

Nothing here evaluates text: the string is read with ``ast.parse(mode="eval")``, only
whitelisted nodes are accepted, and the sympy object is built from the tree by hand.
The text is first read as typed (`reading`, grader.judge.typed: full-width forms, −, ×,
⌊x⌋, x², |x|, Greek letters, implied products such as 2x). Then accepted: integer and
decimal numbers (decimals become exact rationals, ``0.5`` is 1/2),
the names of the symbol table, the CONSTANTS ``pi`` and ``e`` (unless the table has those
names), ``+ - * / // % **`` and ``^`` (a power, with the precedence of ``**``), parentheses,
and calls of FUNCTIONS with positional arguments. ``/`` is exact, ``//`` is ``floor(a/b)``.
``sigmoid(x)`` is built as ``1/(1 + exp(-x))`` and ``relu(x)`` as ``max(0, x)``, so that the
judge sees one form whatever the student calls it. Sizes are capped by `Limits` before and
after parsing; the rules for numbers and exponents are in `grader.judge.expr_rules`. Each
refusal by a cap is a `CapExceeded` naming the cap.
"""

from __future__ import annotations

import ast
import difflib
import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sympy

from grader.i18n import N_, _, listed
from grader.i18n.syntax_errors import say_syntax_error
from grader.judge.expr_rules import CapExceeded, ExpressionError, check_number, check_numeric_power, check_powers
from grader.judge.typed import ReadingError, read_typed

__all__ = [
    "AUTHOR_LIMITS", "CONSTANTS", "FUNCTIONS", "STUDENT_LIMITS", "CapExceeded", "ExpressionError", "Limits",
    "parse_expression", "parse_relation", "reading",
]


@dataclass(frozen=True)
class Limits:
    max_length: int  # characters
    max_depth: int  # bracket nesting, and depth of the syntax tree
    max_nodes: int  # syntax-tree nodes
    max_int_digits: int  # digits of a number literal
    max_exponent: int  # size of a numeric exponent (expr_rules)
    max_value_digits: int = 100  # digits of any number the expression computes
    max_in_exponent: int = 100_000  # size of a number inside an exponent that holds a variable (expr_rules)


# An exponent cap of 10000 lets (x - a)^100 and STACK's (x - a)^6000 through (judged in 0.6 s:
# the quick proof's expand is cut at 0.5 s, exact sampling does the rest); exact evaluation
# stops larger powers at a point (TooLarge).
STUDENT_LIMITS = Limits(max_length=500, max_depth=40, max_nodes=300, max_int_digits=30, max_exponent=10_000)
AUTHOR_LIMITS = Limits(max_length=2000, max_depth=60, max_nodes=1000, max_int_digits=60, max_exponent=100_000)

# name -> (builder, least and most positional arguments)
FUNCTIONS: dict[str, tuple[Callable[..., sympy.Basic], int, int]] = {
    "floor": (sympy.floor, 1, 1),
    "ceil": (sympy.ceiling, 1, 1),
    "ceiling": (sympy.ceiling, 1, 1),
    "sqrt": (sympy.sqrt, 1, 1),
    "exp": (sympy.exp, 1, 1),
    "log": (sympy.log, 1, 2),
    "abs": (sympy.Abs, 1, 1),
    "max": (sympy.Max, 1, 20),
    "min": (sympy.Min, 1, 20),
    "delta": (sympy.KroneckerDelta, 2, 2),
    "sin": (sympy.sin, 1, 1),
    "cos": (sympy.cos, 1, 1),
    "tan": (sympy.tan, 1, 1),
    "asin": (sympy.asin, 1, 1),
    "acos": (sympy.acos, 1, 1),
    "atan": (sympy.atan, 1, 1),
    "sinh": (sympy.sinh, 1, 1),
    "cosh": (sympy.cosh, 1, 1),
    "tanh": (sympy.tanh, 1, 1),
    "asinh": (sympy.asinh, 1, 1),
    "acosh": (sympy.acosh, 1, 1),
    "atanh": (sympy.atanh, 1, 1),
    "sigmoid": (lambda x: 1 / (1 + sympy.exp(-x)), 1, 1),
    "relu": (lambda x: sympy.Max(0, x), 1, 1),
}
# Other spellings that students use (numpy's and torch's arc names, ln); not listed in messages.
ALIASES = {"ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
           "arccosh": "acosh", "arctanh": "atanh"}
CONSTANTS: dict[str, sympy.Expr] = {"pi": sympy.pi, "e": sympy.E}

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: sympy.floor(a / b),
    ast.Mod: sympy.Mod,
}
_COMPARE = {ast.Lt: sympy.Lt, ast.LtE: sympy.Le, ast.Gt: sympy.Gt, ast.GtE: sympy.Ge, ast.Eq: sympy.Eq, ast.NotEq: sympy.Ne}

# what each construct is called in "... is not allowed in an answer" (said with _() where refused)
_CONSTRUCTS = {
    ast.Attribute: N_("attribute access with '.'"),
    ast.Subscript: N_("indexing with [...]"),
    ast.Lambda: "lambda",
    ast.ListComp: N_("a comprehension"), ast.SetComp: N_("a comprehension"),
    ast.DictComp: N_("a comprehension"), ast.GeneratorExp: N_("a comprehension"),
    ast.JoinedStr: N_("an f-string"), ast.FormattedValue: N_("an f-string"),
    ast.NamedExpr: N_("assignment with ':='"),
    ast.List: N_("a list [...]"), ast.Tuple: N_("a tuple or comma-separated values"),
    ast.Dict: N_("a dict {...}"), ast.Set: N_("a set {...}"),
    ast.IfExp: "if/else", ast.Starred: N_("a starred argument (*x)"),
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
    ast.Compare: N_("a comparison (<, >, ==)"), ast.BoolOp: "'and'/'or'", ast.Slice: N_("a slice"),
    ast.BitAnd: N_("the operator '&'"), ast.BitOr: N_("the operator '|'"), ast.BitXor: N_("the operator '^'"),
    ast.LShift: N_("the operator '<<'"), ast.RShift: N_("the operator '>>'"), ast.MatMult: N_("the operator '@'"),
    ast.Not: "'not'", ast.Invert: N_("the operator '~'"),
}
_NOT_A_FUNCTION_NAME = N_("calling something that is not a function name")


def parse_expression(text: str, symbols: Mapping[str, sympy.Basic], limits: Limits = STUDENT_LIMITS) -> sympy.Expr:
    """Parse `text` into a sympy expression over `symbols`; raise ExpressionError otherwise.

    `symbols` maps names to sympy Symbols (or to sympy numbers or ints, to plug values in).
    """
    return _parsed("expression", text, symbols, limits)


def parse_relation(text: str, symbols: Mapping[str, sympy.Basic], limits: Limits = AUTHOR_LIMITS) -> sympy.Basic:
    """Parse a constraint such as "n_h + p_h >= k_h", "1 <= k <= n" or "a < b and b < c"."""
    return _parsed("relation", text, symbols, limits)


def _parsed(kind: str, text: str, symbols: Mapping[str, sympy.Basic], limits: Limits) -> sympy.Basic:
    """An author's text is parsed once per set of symbols (a bank's keys are parsed to check their
    names, then again for each student's key); a student's text every time it comes."""
    if limits is AUTHOR_LIMITS and isinstance(text, str):
        return _parsed_author(kind, text, tuple(symbols.items()))
    return _parse(kind, text, symbols, limits)


@functools.lru_cache(maxsize=4096)
def _parsed_author(kind: str, text: str, symbols: tuple) -> sympy.Basic:
    return _parse(kind, text, dict(symbols), AUTHOR_LIMITS)  # sympy values are immutable: sharing is safe


def reading(text: str, names: Collection[str]) -> str:
    """`text` as the parser reads it, for a question that declares `names` (grader.judge.typed):
    full-width forms, typography, Greek letters, |x| and implied products made plain."""
    try:
        return read_typed(text, names, _KNOWN_FUNCTIONS)
    except ReadingError as error:
        raise ExpressionError(str(error)) from None


_KNOWN_FUNCTIONS = frozenset(FUNCTIONS) | frozenset(ALIASES)


def _parse(kind: str, text: str, symbols: Mapping[str, sympy.Basic], limits: Limits) -> sympy.Basic:
    source, tree = _read(text, symbols, limits)
    builder = _Builder(source, symbols, limits)
    result = builder.expression(tree.body) if kind == "expression" else builder.relation(tree.body)
    check_powers(result, limits.max_exponent, limits.max_in_exponent)
    return result


def _read(text: str, names: Collection[str], limits: Limits) -> tuple[str, ast.Expression]:
    """Check sizes that protect Python's own (recursive) parser, read the text as typed, then
    parse and check the tree."""
    if not isinstance(text, str):
        raise ExpressionError(_("expected the answer as text, got {kind}").format(kind=type(text).__name__))
    if len(text) > limits.max_length:
        raise CapExceeded("max_length", _("the answer is too long: {length} characters, over the length cap of {cap} (at "
                                          "most {cap})").format(length=len(text), cap=limits.max_length))
    source = reading(text, names).strip()
    if not source:
        raise ExpressionError(_("the answer is empty; write an expression such as 2*n + 1"))
    depth = deepest = 0
    for char in source:
        depth += (char in "([{") - (char in ")]}")
        deepest = max(deepest, depth)
    if deepest > limits.max_depth:
        raise CapExceeded("max_depth", _("the brackets are nested too deeply: over the nesting cap of {cap} levels (at "
                                         "most {cap})").format(cap=limits.max_depth))
    # `^` is a power. Rewriting it to `**` before parsing also gives it the precedence of a
    # power (Python's `^` binds more loosely than `+`, so x^2+1 would read as x^(2+1)).
    source = source.replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        said = {"reason": say_syntax_error(error.msg), "position": error.offset}
        raise ExpressionError((_("could not read the expression ({reason} at position {position}); write products with "
                                 "* (2*n), powers with ** or ^, and close every bracket") if error.offset else
                               _("could not read the expression ({reason}); write products with * (2*n), powers with ** "
                                 "or ^, and close every bracket")).format(**said)) from None
    except RecursionError:
        raise CapExceeded("max_depth", _("the expression is nested too deeply for the parser (the nesting cap); "
                                         "simplify it")) from None
    except (MemoryError, ValueError) as error:  # ValueError: e.g. a NUL character
        raise ExpressionError(_("could not read the expression ({kind}); simplify it").format(kind=type(error).__name__)) from None
    nodes = 0
    stack = [(tree.body, 1)]
    while stack:
        node, level = stack.pop()
        nodes += 1
        if level > limits.max_depth:
            raise CapExceeded("max_depth", _("the expression is nested too deeply: over the nesting cap of {cap} levels "
                                             "(at most {cap}); simplify it").format(cap=limits.max_depth))
        if nodes > limits.max_nodes:
            raise CapExceeded("max_nodes", _("the expression is too large: more than {cap} parts, the size cap; simplify "
                                             "it").format(cap=limits.max_nodes))
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
    return source, tree


class _Builder:
    """Builds sympy objects from a whitelisted syntax tree, checking numbers as they appear."""

    def __init__(self, source: str, symbols: Mapping[str, sympy.Basic], limits: Limits):
        self.source = source
        self.symbols = symbols
        self.limits = limits

    def relation(self, node: ast.expr) -> sympy.Basic:
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            return sympy.And(*(self.relation(value) for value in node.values))
        if not isinstance(node, ast.Compare):
            raise ExpressionError(_("a constraint must be a comparison such as 'n_h + p_h >= k_h' or '1 <= k <= n'"))
        terms = [self.expression(node.left), *(self.expression(right) for right in node.comparators)]
        parts = []
        for op, left, right in zip(node.ops, terms, terms[1:]):
            if type(op) not in _COMPARE:
                raise self.refuse(node, _("the comparison '{name}'").format(name=type(op).__name__))
            try:
                parts.append(_COMPARE[type(op)](left, right))
            except TypeError as error:
                raise ExpressionError(_("cannot compare these values: {reason}").format(reason=error)) from None
        return sympy.And(*parts)

    def expression(self, node: ast.expr) -> sympy.Expr:
        try:
            value = self._build(node)
            check_number(value, self.limits.max_value_digits)
        except ExpressionError:
            raise
        except ZeroDivisionError:
            raise ExpressionError(_("the expression divides by zero (e.g. n % 0)")) from None
        except (ArithmeticError, ValueError, TypeError, RecursionError) as error:
            # sympy gave up on a (legal but extreme) value, e.g. floor of a huge irrational
            part = (ast.get_source_segment(self.source, node) or "")[:40]
            raise ExpressionError(_("could not compute {part!r} ({kind}); simplify it").format(
                part=part, kind=type(error).__name__)) from None
        return value

    def _build(self, node: ast.expr) -> sympy.Expr:
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            operand = self.expression(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base, exponent = self.expression(node.left), self.expression(node.right)
            check_numeric_power(base, exponent, self.limits.max_exponent, self.limits.max_value_digits)
            return sympy.Pow(base, exponent)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](self.expression(node.left), self.expression(node.right))
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            raise self.refuse(node, _(_CONSTRUCTS[type(node.op)]) if type(node.op) in _CONSTRUCTS else
                              _("the operator {name}").format(name=type(node.op).__name__))
        raise self.refuse(node, _(_CONSTRUCTS[type(node)]) if type(node) in _CONSTRUCTS else type(node).__name__)

    def _number(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if isinstance(value, bool) or value is None or isinstance(value, (str, bytes, complex)) or value is ...:
            kind = {str: N_("text in quotes"), bytes: "bytes", complex: N_("a complex number (like 2j)")}.get(type(value))
            raise self.refuse(node, _(kind) if kind else f"'{value}'")
        if isinstance(value, int):  # at most max_length characters: printing it is cheap
            digits = tuple(int(digit) for digit in str(abs(value)))
            self._check_size(str(value), digits, 0)
            return sympy.Integer(value)
        # A float literal: rebuild it exactly from its decimal text, never from the binary float.
        text = (ast.get_source_segment(self.source, node) or "").replace("_", "")
        try:
            sign, digits, exponent = Decimal(text).as_tuple()
        except InvalidOperation:
            raise ExpressionError(_("could not read the number {text!r}").format(text=text)) from None
        digits, exponent = self._check_size(text, digits, exponent)
        mantissa = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        return sympy.Integer(mantissa) * sympy.Rational(10) ** exponent

    def _check_size(self, text: str, digits: tuple[int, ...], exponent: int) -> tuple[tuple[int, ...], int]:
        """A number's caps bound its work, not how it is written: at most `max_int_digits` significant
        digits (trailing zeros do not count: 1.050e33 and 1050000 pass), and a size within
        `max_value_digits` decimal places either way (6.626e-34 and 1e31 pass, 1e400 does not).
        Returns the significant digits and the exponent that goes with them."""
        while len(digits) > 1 and digits[-1] == 0:
            digits, exponent = digits[:-1], exponent + 1
        if len(digits) > self.limits.max_int_digits:
            cap = self.limits.max_int_digits
            raise CapExceeded("max_int_digits", _("the number {start!r} is too long: over the cap of {cap} significant "
                                                  "digits (at most {cap})").format(start=text[:12], cap=cap))
        size = exponent + len(digits) if any(digits) else 0  # 10**(size - 1) <= |number| < 10**size
        if abs(size) > self.limits.max_value_digits:
            cap = self.limits.max_value_digits
            raise CapExceeded("max_value_digits", _("the number {start!r} is too large or too small: over the cap of "
                                                    "{cap} digits on the size of numbers (at most 10^{cap})").format(
                start=text[:12], cap=cap))
        return digits, exponent

    def _name(self, node: ast.Name) -> sympy.Basic:
        if node.id in self.symbols:
            value = self.symbols[node.id]
            if isinstance(value, int) and not isinstance(value, bool):
                return sympy.Integer(value)
            if not isinstance(value, sympy.Basic):
                raise TypeError(f"symbol table entry {node.id!r} is a {type(value).__name__}, not a sympy object")
            return value
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS or node.id in ALIASES:
            raise ExpressionError(_("'{name}' is a function; write it with brackets, e.g. {name}(x)").format(name=node.id))
        names = list(self.symbols)  # the order the question declares them
        close = difflib.get_close_matches(node.id, names + list(CONSTANTS), n=1)
        said = {"name": node.id[:40], "near": close[0] if close else "", "names": listed(names)}
        if names:
            message = (_("unknown name '{name}' (did you mean '{near}'?); use one of: {names} (and the constants pi, e)")
                       if close else _("unknown name '{name}'; use one of: {names} (and the constants pi, e)"))
        else:
            message = (_("unknown name '{name}' (did you mean '{near}'?); this answer has no variables; write a number (pi "
                         "and e may be used)") if close else
                       _("unknown name '{name}'; this answer has no variables; write a number (pi and e may be used)"))
        raise ExpressionError(message.format(**said))

    def _call(self, node: ast.Call) -> sympy.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.refuse(node.func, _(_CONSTRUCTS.get(type(node.func), _NOT_A_FUNCTION_NAME)))
        if node.keywords:
            raise self.refuse(node, _("a keyword argument (name=value)"))
        name = ALIASES.get(node.func.id, node.func.id)
        if name not in FUNCTIONS:
            raise ExpressionError((_("'{name}' is a variable, not a function; write * for products, e.g. n*(k+1)")
                                   if name in self.symbols else
                                   _("'{name}' is not a function you can use; use one of: {functions}")).format(
                name=name, functions=listed(FUNCTIONS)))
        build, least, most = FUNCTIONS[name]
        if not least <= len(node.args) <= most:
            said = {"name": name, "least": least, "most": most, "got": len(node.args)}
            raise ExpressionError((_("{name}() takes {least} argument(s), got {got}") if least == most else
                                   _("{name}() takes {least} to {most} argument(s), got {got}")).format(**said))
        args = [self.expression(arg) for arg in node.args]
        return build(*args)

    def refuse(self, node: ast.AST, construct: str) -> ExpressionError:
        snippet = ast.get_source_segment(self.source, node) or ""
        said = {"construct": construct, "found": snippet[:40]}
        return ExpressionError((_("{construct} is not allowed in an answer (found {found!r}); write a formula with numbers, "
                                  "variables, + - * / // % ** and functions such as floor(...)") if snippet else
                                _("{construct} is not allowed in an answer; write a formula with numbers, variables, + - * / "
                                  "// % ** and functions such as floor(...)")).format(**said))
