"""What check authors use, and how the grader runs their checks.

Checks are ordinary pytest-style functions in `exercises/<id>/checks/*.py` (hidden) and
`public/*.py` (given to students), named `test_<check_id>` and asking for the fixtures
`submission` (remote handles on the student's module, see grader.checking.remote), `reference`
(the reference solution of the edition the submission was read as, imported here in the grader),
`device` ("cpu" or "cuda") and `edition` (that edition's name, "" where the exercise lists none).
They assert with plain `assert ..., "message"`, `pytest.fail`, `pytest.skip`, or the
`expect_*` helpers below, whose messages say what was expected, what came and a hint.
A message, `what` or `hint` in a bilingual bank is one text per language, said in the
language grader speaks: `assert ok, say({"en": "...", "zh": "..."})`; `what={"en": .., "zh": ..}`.

The grader runs them through the small harness below rather than a pytest session per
submission: the check files are imported once per grader and each function is called
with its fixtures. A pytest session costs more than all LeNet checks together, and
nothing of pytest's collection or reporting is needed to call a function and read what
it raised (see bench/RESULTS.md).
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import torch

from grader.checking import tolerances
from grader.checking.tolerances import Tolerance, tolerance  # noqa: F401 - for check authors
from grader.checking.session import StudentFault
from grader.bank.spec import Text
from grader.errors import CheckError, SpecError
from grader.i18n import N_, _, listed, pick
from grader.i18n.syntax_errors import say_syntax_error
from grader.reports.results import Status
from grader.sandbox.launcher import SandboxError

FIXTURES = ("submission", "reference", "device", "edition")


# -- helpers for check authors ---------------------------------------------------------
@functools.cache
def shared_reference(reference, name: str, *args) -> torch.nn.Module:
    """`reference.<name>(*args)`, built once per grader for checks that load every weight into it
    before they use it (AlexNet takes 0.1 s to build); a check that relies on fresh weights builds its own."""
    return getattr(reference, name)(*args)


def say(text: Text) -> str:
    """A check's message in the language grader speaks: one text, or one per language {en: .., zh: ..}."""
    return pick(text)


def expect_shape(value, shape, what: Text, hint: Text = "") -> torch.Tensor:
    """Assert `value` is a tensor of `shape`; returns it."""
    if not isinstance(value, torch.Tensor):
        raise AssertionError(_join(_("{what} should be a tensor, got a {kind}").format(
            what=say(what), kind=type(value).__name__), hint))
    if tuple(value.shape) != tuple(shape):
        raise AssertionError(_join(_("{what} has shape {shape}, expected {expected}").format(
            what=say(what), shape=tuple(value.shape), expected=tuple(shape)), hint))
    return value


def expect_close(value, expected: torch.Tensor, what: Text, hint: Text = "", atol: float | None = None,
                 rtol: float | None = None, *, device=None, kind: str = "values") -> None:
    """Assert `value` equals `expected` (a tensor computed in the grader) within tolerance.

    Without `atol`/`rtol` the tolerance comes from `grader.checking.tolerances` for the device (the
    check item's own when `device` is not given), the coarser dtype of the two and `kind`
    (`network`: atol relative to the largest |expected|). Given ones hold as written on the
    CPU and are raised to the device's floor elsewhere (TF32 on a GPU).
    """
    value = expect_shape(value, expected.shape, what, hint)
    dtype = tolerances.coarser(value.dtype, expected.dtype)
    table = tolerances.tolerance(device, dtype, kind)
    if kind == "network" and atol is None:
        scale = expected.detach().abs().max().item() if expected.numel() else 0.0
        table = tolerances.Tolerance(table.atol * scale + 1e-7, table.rtol)
    tol = table
    if atol is not None or rtol is not None:  # the author's own: as written on the CPU, floored elsewhere
        tol = tolerances.at_least(table.atol if atol is None else atol, table.rtol if rtol is None else rtol,
                                  device, dtype)
    got, want = value.detach().to(torch.float64), expected.detach().to(torch.float64)
    if not torch.allclose(got, want, atol=tol.atol, rtol=tol.rtol, equal_nan=False):
        gap = (got - want).abs().nan_to_num(float("inf"))
        worst = tuple(int(i) for i in torch.unravel_index(gap.argmax(), gap.shape)) if gap.numel() else ()
        raise AssertionError(_join(_(
            "{what} differs from the expected values: at index {index} it is {got:.6g}, expected {expected:.6g}").format(
            what=say(what), index=worst, got=got[worst].item(), expected=want[worst].item()), hint))


def _join(message: str, hint: Text) -> str:
    return _("{message}. Hint: {hint}").format(message=message, hint=say(hint)) if hint else message


# -- collecting checks -----------------------------------------------------------------
@dataclass(frozen=True)
class CheckFunction:
    id: str
    function: Callable
    public: bool
    fixtures: tuple[str, ...]

    @property
    def uses_device(self) -> bool:
        return "device" in self.fixtures


def collect(exercise) -> dict[str, CheckFunction]:
    """The check functions of `exercise`, by check id; mismatches with the spec are SpecErrors."""
    found: dict[str, CheckFunction] = {}
    for public, folder in ((False, "checks"), (True, "public")):
        for path in sorted((exercise.folder / folder).glob("*.py")):
            module = _import(path, f"_grader_checks.{exercise.id}.{folder}.{path.stem}")
            for name, function in vars(module).items():
                if name.startswith("test_") and inspect.isfunction(function) and function.__module__ == module.__name__:
                    check_id = name.removeprefix("test_").replace("_", "-")
                    if check_id in found:
                        raise SpecError(path, _("check function {name} is defined twice").format(name=name),
                                        fix=_("rename one"))
                    found[check_id] = CheckFunction(check_id, function, public, _fixtures(path, function))
    spec_ids = [check.id for check in exercise.checks]
    for check_id in spec_ids:
        if check_id not in found:
            raise SpecError(exercise.folder / "spec.yaml", _("check {id!r} has no test function").format(id=check_id),
                            field="checks", fix=_("add {function} to checks/ or public/").format(
                                function="test_" + check_id.replace("-", "_")))
    for check_id in found:
        if check_id not in spec_ids:
            raise SpecError(exercise.folder / "spec.yaml",
                            _("test function for {id!r} has no entry in checks").format(id=check_id), field="checks",
                            fix=_("add `- id: {id}` with its points, or remove the function").format(id=check_id))
    return found


def _import(path: Path, name: str):
    """Import a check file once; anything it raises, BaseException included, is the author's."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except KeyboardInterrupt:
        raise  # the user's Ctrl-C, not the file's
    except BaseException as exc:  # noqa: B036 - SystemExit and pytest's outcomes too
        sys.modules.pop(name, None)
        raise CheckError(path, _("cannot import this check file: {reason}").format(reason=_described(exc)),
                         line=_line_in(exc, path), fix=_(_IMPORT_FIXES.get(type(exc), N_("fix the error at that line")))) from None
    return module


_IMPORT_FIXES = {
    SystemExit: N_("remove the sys.exit()/exit() call: a check file is imported by the grader, and must not end it"),
    pytest.skip.Exception: N_("call pytest.importorskip or pytest.skip inside the check functions that need it: "
                              "check files are imported once, and a check that skips is reported as skipped"),
    pytest.fail.Exception: N_("call pytest.fail inside a check function, not at import"),
}


def _described(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {_text(exc)}" if _text(exc) else type(exc).__name__


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The last line of `path` that the exception passed through (its own line for a SyntaxError)."""
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename) == Path(path):
        return exc.lineno
    line, tb = None, exc.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename) == Path(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _fixtures(path: Path, function: Callable) -> tuple[str, ...]:
    names = tuple(inspect.signature(function).parameters)
    unknown = [n for n in names if n not in FIXTURES]
    if unknown:
        raise SpecError(path, _("{function} asks for fixture {fixture!r}").format(function=function.__name__, fixture=unknown[0]),
                        fix=_("checks may use only {fixtures}").format(fixtures=listed(FIXTURES)))
    return names


# -- running one check -----------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """How a check ended: `message` is for the student; `crash`, for authors only, says where
    the check itself broke (file:line: error) when it failed by an error, not by assertion."""

    status: Status
    message: str = ""
    crash: str = ""


def run(check: CheckFunction, fixtures: dict) -> Outcome:
    """Call one check; whatever it raises becomes an outcome, in words fit for a student.

    An ordinary exception may come from what the student's code returned, so it fails the
    check on the student's side (with `crash` set for selftest). What no check should ever
    raise (SystemExit, GeneratorExit, pytest.exit, ...) is the author's: CheckError.
    """
    device = tolerances.CURRENT_DEVICE.set(str(fixtures.get("device") or "cpu"))  # expect_close's default
    try:
        check.function(**{name: fixtures[name] for name in check.fixtures})
    except (KeyboardInterrupt, CheckError):
        raise
    except AssertionError as exc:
        return Outcome(Status.FAILED, _text(exc) or _("this check did not pass"))
    except pytest.fail.Exception as exc:
        return Outcome(Status.FAILED, _text(exc) or _("this check did not pass"))
    except pytest.skip.Exception as exc:
        return Outcome(Status.SKIPPED, _text(exc))
    except StudentFault as exc:
        return Outcome(Status.FAILED, str(exc))
    except SandboxError as exc:
        return Outcome(Status.ERROR, _("the sandbox failed, not your code: {reason}").format(reason=exc))
    except pytest.exit.Exception as exc:
        raise _broken(check, exc) from None
    except Exception as exc:  # the check tripped over what the student's code returned, or has a bug
        message = (_("your result could not be checked ({kind}: {reason})").format(kind=type(exc).__name__, reason=_text(exc))
                   if check.public else _("your result could not be checked ({kind})").format(kind=type(exc).__name__))
        return Outcome(Status.FAILED, message, crash=_where(check, exc) + _described(exc))
    except BaseException as exc:  # noqa: B036 - SystemExit, GeneratorExit, pytest's other outcomes
        raise _broken(check, exc) from None
    finally:
        tolerances.CURRENT_DEVICE.reset(device)
    return Outcome(Status.PASSED)


def _where(check: CheckFunction, exc: BaseException) -> str:
    path = Path(check.function.__code__.co_filename)
    line = _line_in(exc, path)
    return f"{path}:{line}: " if line else f"{path}: "


def _broken(check: CheckFunction, exc: BaseException) -> CheckError:
    path = Path(check.function.__code__.co_filename)
    return CheckError(path, _("check {name} raised {reason}, which ends the grader, not the check; no student's grade "
                            "was given for it").format(name=check.function.__name__, reason=_described(exc)),
                      line=_line_in(exc, path), fix=_("fail a check with assert or pytest.fail, skip it with pytest.skip"))


def _text(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):  # Python's words alone, in the language spoken; the line is said apart
        return say_syntax_error(str(exc.msg))[:1000]
    return str(getattr(exc, "msg", None) or exc)[:1000]
