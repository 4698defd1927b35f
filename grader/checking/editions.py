"""Editions of the course: which one a submission is written in, and the checks' calls in its words.

A code exercise may list editions of the course (spec `editions:`, the bank's `bank.yaml`
says which are accepted). The checks are written in the first edition's words; another
edition's contract renames symbols (`names: {AlexNet: net}`) and maps the checks' constructor
arguments onto its own (`calls:`). A submission is read as the edition its code fits, found
here in the grader: first by the names and signatures its source defines (parsed, never run),
then, where editions with different references remain, by which reference's parameters the
student's module can hold. Only the choice of reference rests on that; points rest, as
always, on outputs compared in the grader.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Callable

import torch

from grader.bank.settings import accepted_editions, bank_settings
from grader.bank.spec import CodeExercise, signature_parameters
from grader.checking import align
from grader.checking.session import StudentError, StudentFault
from grader.i18n import _, language, pick

SHOWN_CHARS = 60  # of one argument's repr in a message


@dataclass(frozen=True)
class Reading:
    """How a submission was read: `edition` is graded against (None: the exercise lists none),
    `written_in` is what its code fits (None where it fits none), `note` says so in the report."""

    edition: str | None
    written_in: str | None = None
    note: str = ""


class Dialect:
    """The checks' calls put in one edition's words, and a failing call explained with every
    accepted edition's signature."""

    def __init__(self, exercise: CodeExercise | None = None, edition: str | None = None):
        self.exercise, self.edition = exercise, edition
        editions = exercise.editions if exercise else {}
        self.contract = editions.get(edition) if edition else None
        self.checks_contract = next(iter(editions.values()), None)

    def name(self, name: str) -> str:
        return self.contract.names.get(name, name) if self.contract else name

    def arguments(self, name: str, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        """The checks' `name(*args, **kwargs)` as this edition's constructor takes it."""
        if not self.contract or name not in self.contract.calls:
            return tuple(args), dict(kwargs)
        parameters, _ = signature_parameters(self.checks_contract.signatures[name])
        defaults = _defaults(self.checks_contract.signatures[name])
        bound = {**defaults, **dict(zip(parameters, args)), **{k: v for k, v in kwargs.items() if k in parameters}}
        wanted = self.contract.calls[name]
        if len(args) > len(parameters) or any(p not in bound for p in wanted):
            return tuple(args), dict(kwargs)  # a call the contract does not cover: sent as written
        return tuple(bound[p] for p in wanted), {k: v for k, v in kwargs.items() if k not in parameters}

    def translate(self, symbol: str, args: tuple, kwargs: dict) -> tuple[str, tuple, dict]:
        module, _, name = symbol.rpartition(":")
        args, kwargs = self.arguments(name, args, kwargs)
        return f"{module}:{self.name(name)}" if module else self.name(name), args, kwargs

    def explained(self, fault: StudentError, symbol: str, args: tuple, kwargs: dict, *, method: str = "") -> StudentFault:
        """`fault` (a TypeError of a call that did not fit) with the call the check made and the
        signatures the accepted editions give it; other faults as they are."""
        if fault.type != "TypeError" or "argument" not in str(fault):
            return fault
        name = symbol.rpartition(":")[2]
        shown = ", ".join([_shown(a) for a in args] + [f"{k}={_shown(v)}" for k, v in kwargs.items()])
        call = f"{name}(...).{method}({shown})" if method else f"{name}({shown})"
        expected = self._signatures(name, method)
        if expected:
            return StudentFault(_("the check called {call}, and {fault}. This course accepts {signatures}").format(
                call=call, fault=fault, signatures=_(" or ").join(expected)))
        return StudentFault(_("the check called {call}, and {fault}").format(call=call, fault=fault))

    def _signatures(self, name: str, method: str) -> list[str]:
        if not self.exercise or not self.exercise.editions:
            return []
        key = f"{name}.{method}" if method else name
        found: dict[str, list[str]] = {}  # signature -> the editions that give it
        for edition in accepted_editions(self.exercise):
            contract = self.exercise.editions[edition]
            signature = signature_of(self.exercise, edition, key)
            if signature:
                found.setdefault(f"{contract.names.get(name, name)}{'.' + method if method else ''}{signature}",
                                 []).append(edition)
        return [f"{shown} ({', '.join(names)})" for shown, names in found.items()]


def signature_of(exercise: CodeExercise, edition: str, key: str) -> str | None:
    """The parameters `edition` gives `key` (a symbol, or `Symbol.forward`): its own, else the checks'
    edition's, unless it calls the symbol otherwise (`calls:`)."""
    contract, checks_contract = exercise.editions[edition], next(iter(exercise.editions.values()))
    symbol = key.split(".")[0]
    return contract.signatures.get(key) or (checks_contract.signatures.get(key) if symbol not in contract.calls else None)


def _defaults(signature: str) -> dict:
    """The literal defaults of a signature's parameters (`bias=False` -> {"bias": False})."""
    args = ast.parse(f"def f{signature.strip()}: pass").body[0].args
    positional = args.posonlyargs + args.args
    found = {}
    for parameter, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        try:
            found[parameter.arg] = ast.literal_eval(default)
        except ValueError:
            pass
    return found


def _shown(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"<tensor of shape {tuple(value.shape)}>"
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."


# -- reading a submission -----------------------------------------------------------------
def read_as(exercise: CodeExercise, source: str, *, reference_of: Callable[[str], object | None],
            student_shapes: Callable[[str], list | None]) -> Reading:
    """The edition `source` is written in, and the one it is graded against.

    `reference_of(edition)` is that edition's reference (an object with the checks' names);
    `student_shapes(symbol)` the parameter shapes of the student's `symbol` built without
    arguments (None where it cannot be): asked only where the source leaves a choice
    between editions whose references differ.
    """
    if not exercise.editions:
        return Reading(None)
    accepted = accepted_editions(exercise)
    defined = _top_level(source)
    fitting = [name for name in exercise.editions if _fits(exercise, name, defined)]
    fitting.sort(key=lambda name: -_agreement(exercise, name, defined))  # stable: the bank's order among equals
    references = {name: reference_of(name) for name in fitting}
    written_in = fitting[0] if fitting else None
    if len({(id(references[n]), tuple(sorted(exercise.editions[n].parameters.items()))) for n in fitting}) > 1:
        written_in = next((name for name in fitting if _holds(exercise, name, references[name], student_shapes)),
                          written_in)
    edition = written_in if written_in in accepted else accepted[0]
    if written_in is None and not _binds_any(exercise, defined):
        return Reading(edition)  # none of its names: the checks say what is missing
    return Reading(edition, written_in, _note(exercise, edition, written_in))


def _binds_any(exercise: CodeExercise, defined: dict) -> bool:
    return any(c.names.get(s, s) in defined for c in exercise.editions.values() for s in exercise.symbols)


def _note(exercise: CodeExercise, edition: str, written_in: str | None) -> str:
    """What the report says beyond the edition's name (ExerciseResult.edition): only where the code is
    not the edition it is graded as."""
    settings = bank_settings(exercise.folder.parent)
    if written_in == edition:
        return ""
    title = settings.title(edition)
    if written_in is None:
        return _("Your code fits the names and signatures of none of the editions this course accepts; "
                 "it was graded as the {edition} edition ({title}).").format(edition=edition, title=title)
    own = _("its own contract")
    theirs = pick(exercise.editions[written_in].summary, language()) or own
    ours = pick(exercise.editions[edition].summary, language()) or own
    return _("This is {exercise} as the {written_in} edition writes it ({written_title}: {theirs}); this course "
             "uses the {edition} edition's ({title}: {ours}), and graded your code against it.").format(
        exercise=pick(exercise.title, language()), written_in=written_in, written_title=settings.title(written_in),
        theirs=theirs, edition=edition, title=title, ours=ours)


def _top_level(source: str) -> dict[str, ast.AST | None]:
    """Names the module binds at top level: its def or class node, else None (assignments, imports)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    names: dict[str, ast.AST | None] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names[leaf.id] = None
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = None
    return names


def _fits(exercise: CodeExercise, edition: str, defined: dict[str, ast.AST | None]) -> bool:
    """Does the source bind the exercise's symbols under this edition's names (one at least: a
    missing one is the checks' to report), each with a signature that takes this edition's arguments?"""
    contract = exercise.editions[edition]
    present = [s for s in exercise.symbols if contract.names.get(s, s) in defined]
    for symbol in present:
        signature = signature_of(exercise, edition, symbol)
        node = defined[contract.names.get(symbol, symbol)]
        if signature and node is not None and not _takes(node, signature_parameters(signature)[1]):
            return False
    return bool(present)


def _agreement(exercise: CodeExercise, edition: str, defined: dict[str, ast.AST | None]) -> int:
    """How many of the source's parameter names are this edition's (`strides` vs `stride`): which of
    several editions that take the same arguments the code is copied from."""
    contract = exercise.editions[edition]
    shared = 0
    for symbol in exercise.symbols:
        signature = signature_of(exercise, edition, symbol)
        node = defined.get(contract.names.get(symbol, symbol))
        if signature and node is not None:
            shared += len(set(_parameters(node)) & set(signature_parameters(signature)[0]))
    return shared


def _parameters(node: ast.AST) -> list[str]:
    """The positional parameter names of a def, or of a class's __init__ (self left out)."""
    if isinstance(node, ast.ClassDef):
        init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        return [a.arg for a in (init.args.posonlyargs + init.args.args)[1:]] if init else []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [a.arg for a in node.args.posonlyargs + node.args.args]
    return []


def _takes(node: ast.AST, required: int) -> bool:
    """Can the def (or the class's __init__) be called with `required` positional arguments?"""
    if isinstance(node, ast.ClassDef):
        node = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        if node is None:
            return True  # inherited: the source does not say
        skip = 1
    else:
        skip = 0
    args = node.args
    positional = (args.posonlyargs + args.args)[skip:]
    needed = len(positional) - len(args.defaults)
    return needed <= required and (len(positional) >= required or args.vararg is not None)


def _holds(exercise: CodeExercise, edition: str, reference, student_shapes) -> bool:
    """Can the student's first symbol, built without arguments, hold this edition's reference's parameters
    (without a reference, as a handout's bank is: has it as many as the edition's `parameters:` says)?"""
    symbol, contract = exercise.symbols[0], exercise.editions[edition]
    wanted = reference_shapes(reference, symbol) if reference is not None else None
    count = contract.parameters.get(symbol)
    if wanted is None and count is None:
        return False
    shapes = student_shapes(contract.names.get(symbol, symbol))
    if shapes is None:
        return False
    if wanted is not None:
        return next(align.assignments(wanted, shapes), None) is not None
    return sum(align._numel(shape) for shape in shapes) == count


def reference_shapes(reference, symbol: str) -> list[torch.Tensor] | None:
    """The parameters of the reference's `symbol` (a module, or built without arguments on the meta device)."""
    value = getattr(reference, symbol, None)
    if isinstance(value, torch.nn.Module):
        return [p.detach() for p in value.parameters()]
    if not callable(value):
        return None
    try:
        with torch.device("meta"):
            built = value()
    except TypeError:
        return None
    return [p.detach() for p in built.parameters()] if isinstance(built, torch.nn.Module) else None


# -- a reference in the checks' words -----------------------------------------------------
class EditionReference:
    """An edition's reference module, answering to the checks' names: a renamed symbol is found
    under its edition name, a module instance where the checks build a class comes as a factory
    of copies, and a constructor takes the checks' arguments (`calls:`)."""

    def __init__(self, module, dialect: Dialect):
        self._module, self._dialect = module, dialect

    def __getattr__(self, name: str):
        value = getattr(self._module, self._dialect.name(name))
        if isinstance(value, torch.nn.Module) and self._dialect.name(name) != name:
            return lambda: copy.deepcopy(value)
        if self._dialect.contract and name in self._dialect.contract.calls:
            def construct(*args, **kwargs):
                args, kwargs = self._dialect.arguments(name, args, kwargs)
                return value(*args, **kwargs)
            return construct
        return value
