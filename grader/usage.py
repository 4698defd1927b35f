"""The command line's usage line and its usage errors, said in the language spoken.

The click inside Typer builds its usage errors ("Missing argument 'x'.", "No such option: --x",
"Invalid value for '--jobs': Input should be ...") in English only, and Typer's types leave
pydantic's English in them. So the command line is read with standalone_mode off and each
error is said again here from its own fields: the option, the argument, the value, the bound.
A detail this module does not know stays as the library wrote it, inside a translated frame.
"""

from __future__ import annotations

import inspect
import re

from typer.core import TyperCommand, TyperGroup

from grader.i18n import N_, _, listed

try:  # Typer 0.22 and later carry their own click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - an older Typer over click
    from click import exceptions as click_errors

ClickException = click_errors.ClickException
NoArgsIsHelpError = click_errors.NoArgsIsHelpError

# pydantic's and Typer's words for a value that does not fit, with what each becomes
_DETAILS = (
    (re.compile(r"Input should be a valid integer.*"), lambda m: _("not a whole number")),
    (re.compile(r"Input should be a valid number.*"), lambda m: _("not a number")),
    (re.compile(r"Input should be a finite number.*"), lambda m: _("not a finite number")),
    (re.compile(r"Input should be a valid boolean.*"), lambda m: _("neither true nor false")),
    (re.compile(r"Input should be greater than or equal to (\S+)"),
     lambda m: _("must be at least {bound}").format(bound=m[1])),
    (re.compile(r"Input should be less than or equal to (\S+)"),
     lambda m: _("must be at most {bound}").format(bound=m[1])),
    (re.compile(r"Input should be greater than (\S+)"), lambda m: _("must be more than {bound}").format(bound=m[1])),
    (re.compile(r"Input should be less than (\S+)"), lambda m: _("must be less than {bound}").format(bound=m[1])),
    (re.compile(r"Value (.+) is not a valid (\w+)\."),
     lambda m: _("{value} is not a valid {kind}").format(value=m[1], kind=m[2])),
)
_OPTION_WORDS = (
    (re.compile(r"Option '(.+)' does not take a value\."), lambda m: _("option {option} takes no value").format(option=m[1])),
    (re.compile(r"Option '(.+)' requires an argument\."), lambda m: _("option {option} needs a value").format(option=m[1])),
    (re.compile(r"Option '(.+)' requires (\d+) arguments\."),
     lambda m: _("option {option} needs {count} values").format(option=m[1], count=m[2])),
    (re.compile(r"Argument '(.+)' takes (\d+) values\."),
     lambda m: _("argument {argument} takes {count} values").format(argument=m[1], count=m[2])),
    (re.compile(r"Got unexpected extra arguments? \((.*)\)"),
     lambda m: _("more arguments than the command takes: {extra}").format(extra=m[1])),
)


def _reword(text: str, table) -> str:
    for pattern, say in table:
        match = pattern.fullmatch(text.strip())
        if match:
            return say(match)
    return text


def _hint(error) -> str:
    """The parameter an error is about, as click names it: 'SUBMISSION', '--jobs' / '-j'."""
    hint = getattr(error, "param_hint", None)
    if hint is None and getattr(error, "param", None) is not None:
        named = error.param.get_error_hint  # Typer's takes no context, click's takes one
        return named() if not inspect.signature(named).parameters else named(error.ctx)
    if isinstance(hint, (list, tuple)):
        return " / ".join(f"'{word}'" for word in hint)
    return hint or ""


def say_usage_error(error: ClickException) -> str:
    """The message of click's `error` in the language spoken, rebuilt from its fields."""
    if isinstance(error, click_errors.MissingParameter):
        kind = error.param_type or (error.param.param_type_name if error.param is not None else "parameter")
        said = (_("missing option {option}") if kind == "option" else _("missing argument {argument}")).format(
            option=_hint(error), argument=_hint(error))
        extra = error.param.get_missing_message(ctx=error.ctx) if error.param is not None else None
        return f"{said}\n{extra}" if extra else said
    if isinstance(error, click_errors.BadParameter):
        detail = _reword(error.message, _DETAILS)
        hint = _hint(error)
        return _("invalid value for {option}: {detail}").format(option=hint, detail=detail) if hint else \
            _("invalid value: {detail}").format(detail=detail)
    if isinstance(error, click_errors.NoSuchOption):
        said = _("no such option: {option}").format(option=error.option_name)
        if error.possibilities:
            said += " " + _("(did you mean {options}?)").format(options=listed(sorted(error.possibilities)))
        return said
    return _reword(error.format_message(), _OPTION_WORDS)


_METAVARS = {"[OPTIONS]": N_("[OPTIONS]"), "COMMAND [ARGS]...": N_("COMMAND [ARGS]...")}


def _format_usage(command, ctx, formatter) -> None:
    pieces = [_(_METAVARS[piece]) if piece in _METAVARS else piece for piece in command.collect_usage_pieces(ctx)]
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))


def _get_help_option(base):
    def get_help_option(command, ctx):
        option = base(command, ctx)
        if option is not None:  # click's own words for --help
            option.help = _("Show this message and exit.")
        return option

    return get_help_option


class Command(TyperCommand):
    """A command whose usage line ("Usage: grader check ...") and --help are said in the language spoken."""

    format_usage = _format_usage
    get_help_option = _get_help_option(TyperCommand.get_help_option)


class Group(TyperGroup):
    """A group of commands whose usage line and --help are said in the language spoken."""

    format_usage = _format_usage
    get_help_option = _get_help_option(TyperGroup.get_help_option)
