"""The command line in the language of ``PLANBOT_LOCALE`` (Vietnamese unless it says ``en``).

Everything the command line writes by itself goes through the Babel catalogs: the help of every
command, argument and option (English message ids in the code, ``N_``), and the texts of
Typer and of its copy of Click: "Usage:", "Options:", "Show this message and exit.", and the
usage errors ("No such command …", "Missing argument …", "Invalid value for …", "Try '… --help'
for help.").

How the library is hooked (typer 0.29, which carries its own Click as ``typer._click``):

- Typer's own texts ("Options", "Arguments", "Commands", "default: …", "required", "No such
  command …", "Missing command.", "Aborted!") are looked up with the stdlib ``gettext.gettext``,
  bound in ``typer.core`` as ``_``. :func:`install` points that name at :func:`_typer_gettext`,
  which answers from our catalog only while a planbot command line runs (a context variable
  holds its translator) and is the stdlib function otherwise: nothing changes for other code.
- The copy of Click has no gettext calls left: "Usage: ", "Show this message and exit.", "Error:
  …", "Try …" and the parser's errors are plain literals. The help formatter
  (:class:`LocalizedFormatter`) writes the usage prefix and the texts of definition lists from
  the catalog, and :class:`LocalizedGroup` turns a usage error into :class:`LocalizedError`, whose
  message is rebuilt from the exception's fields (the parameter, the value, pydantic's error
  type) in the catalog's words.
- Help texts are translated when a command line starts, on the Click objects Typer builds for
  that run (``typer.main.get_command`` builds them anew each time), so tests that run the app
  in-process in both languages see each in its own language.

Typer's rich help panels are not used (``rich_markup_mode=None`` in ``bot.cli.common``).
"""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any

import typer.core
from typer._click.core import Command, Context
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    ClickException,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import HelpFormatter
from typer._click.utils import echo

from bot.i18n import N_, Translator, translator

_ACTIVE: ContextVar[Translator | None] = ContextVar("planbot_cli_translator", default=None)

# Click's literals (typer._click), given to the catalog by their English text.
USAGE_PREFIX = N_("Usage: ")
HELP_OPTION_HELP = N_("Show this message and exit.")
ERROR_LINE = N_("Error: {message}")
TRY_HELP = N_("Try '{command} {option}' for help.")
# Typer's own gettext message ids (typer.core), so that the catalog tests see them.
TYPER_MESSAGES = (
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("[OPTIONS]"),
    N_("COMMAND [ARGS]..."),
)


def cli_translator() -> Translator:
    """The command line's language: the running command line's, else ``PLANBOT_LOCALE``."""
    return _ACTIVE.get() or translator(os.environ.get("PLANBOT_LOCALE"))


def _typer_gettext(message: str) -> str:
    active = _ACTIVE.get()
    return active.gettext(message) if active is not None else gettext.gettext(message)


def install() -> None:
    """Point Typer's gettext at the catalog (only while a planbot command line runs)."""
    if getattr(typer.core, "_", None) is not _typer_gettext:
        setattr(typer.core, "_", _typer_gettext)  # noqa: B010 (not re-exported: mypy)


class LocalizedFormatter(HelpFormatter):
    """Click's help formatter with its own words from the catalog."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        text = cli_translator().gettext
        super().write_usage(prog, args, text(USAGE_PREFIX) if prefix is None else prefix)

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        # A text that is a message id is translated: Click's "Show this message and exit."
        text = cli_translator().gettext
        translated = [(term, text(help) if help else help) for term, help in rows]
        super().write_dl(translated, col_max, col_spacing)


class LocalizedContext(Context):
    formatter_class = LocalizedFormatter


def _original(owner: object, field: str) -> Any:
    """The message id a help field had when Typer built it (kept across translations)."""
    kept: dict[str, Any] = owner.__dict__.setdefault("_planbot_msgids", {})
    if field not in kept:
        kept[field] = getattr(owner, field)
    return kept[field]


def _translate_field(owner: object, field: str, text: Callable[[str], str]) -> None:
    value = _original(owner, field)
    if isinstance(value, str) and value:
        setattr(owner, field, text(value))


def localize(command: Command, language: Translator) -> None:
    """Translate the help of ``command``, its parameters and subcommands into ``language``."""
    text = language.gettext
    command.context_class = LocalizedContext
    for field in ("help", "short_help", "options_metavar", "subcommand_metavar"):
        if hasattr(command, field):
            _translate_field(command, field, text)
    for param in command.params:
        for field in ("help", "metavar"):
            if hasattr(param, field):
                _translate_field(param, field, text)
    for sub in getattr(command, "commands", {}).values():
        localize(sub, language)


# ---------------------------------------------------------------------------- usage errors

_EXTRA_ARGUMENTS = re.compile(r"^Got unexpected extra argument\(s\) \((?P<args>.*)\)$", re.S)
_DID_YOU_MEAN = re.compile(r"^(?P<message>.*)\. Did you mean (?P<suggestions>.+)\?$", re.S)
_OPTION_NEEDS_VALUE = re.compile(r"^Option .* requires (an argument|\d+ arguments)\.$")
_OPTION_TAKES_NO_VALUE = re.compile(r"^Option .* does not take a value\.$")

EXTRA_ARGUMENTS = N_("Got unexpected extra argument(s) ({args})")
DID_YOU_MEAN = N_("{message}. Did you mean {suggestions}?")
MISSING = {
    "argument": N_("Missing argument {name}."),
    "option": N_("Missing option {name}."),
}
MISSING_PARAMETER = N_("Missing parameter {name}.")
CHOOSE_FROM = N_("Choose from: {choices}.")
INVALID_VALUE_FOR = N_("Invalid value for {name}: {detail}")
INVALID_VALUE = N_("Invalid value: {detail}")
NOT_A_WHOLE_NUMBER = N_("«{value}» is not a whole number.")
NOT_A_NUMBER = N_("«{value}» is not a number.")
NOT_YES_OR_NO = N_("«{value}» is not true or false.")
NOT_A_CHOICE = N_("«{value}» is not one of: {choices}.")
NO_SUCH_OPTION = N_("No such option: {name}")
POSSIBLE_OPTIONS = N_("(Possible options: {options})")
OPTION_NEEDS_VALUE = N_("Option {name} needs a value.")
OPTION_TAKES_NO_VALUE = N_("Option {name} does not take a value.")


def _hint(error: BadParameter) -> str | None:
    hint: Sequence[str] | str | None = error.param_hint
    if hint is None and error.param is not None:
        hint = error.param.get_error_hint()
    if hint is None or isinstance(hint, str):
        return hint
    return " / ".join(repr(part) for part in hint)


def _choices(error: BadParameter) -> str | None:
    descriptor = getattr(error.param, "type_descriptor", None)
    if descriptor is None or not descriptor.is_choice or not descriptor.choices:
        return None
    return ", ".join(str(getattr(choice, "value", choice)) for choice in descriptor.choices)


def _value_problem(error: BadParameter, text: Callable[[str], str]) -> str:
    """Why a value was refused, from pydantic's error type when Typer's coercion refused it."""
    from pydantic import ValidationError  # Typer's coercion raised it, so pydantic is loaded

    cause = error.__cause__
    if not isinstance(cause, ValidationError) or not cause.errors():
        return error.message
    first = cause.errors()[0]
    kind, value = first["type"], first.get("input")
    choices = _choices(error)
    if kind == "value_error" and choices is not None:
        return text(NOT_A_CHOICE).format(value=value, choices=choices)
    for kinds, message in (
        (("int_parsing", "int_from_float", "int_type"), NOT_A_WHOLE_NUMBER),
        (("float_parsing", "float_type"), NOT_A_NUMBER),
        (("bool_parsing", "bool_type"), NOT_YES_OR_NO),
    ):
        if kind in kinds:
            return text(message).format(value=value)
    return error.message


def _missing(error: MissingParameter, text: Callable[[str], str]) -> str:
    kind = error.param_type or (error.param.param_type_name if error.param else "parameter")
    message = text(MISSING.get(kind, MISSING_PARAMETER)).format(name=_hint(error) or "?")
    choices = _choices(error)
    if choices is not None:
        message += " " + text(CHOOSE_FROM).format(choices=choices)
    if error.message:
        message += " " + error.message
    return message


def _generic(message: str, text: Callable[[str], str]) -> str:
    extra = _EXTRA_ARGUMENTS.match(message)
    if extra:
        return text(EXTRA_ARGUMENTS).format(args=extra["args"])
    suggestion = _DID_YOU_MEAN.match(message)
    if suggestion:
        return text(DID_YOU_MEAN).format(
            message=suggestion["message"], suggestions=suggestion["suggestions"]
        )
    return message


def localized_message(error: ClickException, language: Translator) -> str:
    """The message of a Click/Typer usage error in ``language``."""
    text = language.gettext
    if isinstance(error, MissingParameter):
        return _missing(error, text)
    if isinstance(error, BadParameter):
        hint = _hint(error)
        detail = _value_problem(error, text)
        if hint is None:
            return text(INVALID_VALUE).format(detail=detail)
        return text(INVALID_VALUE_FOR).format(name=hint, detail=detail)
    if isinstance(error, NoSuchOption):
        if error.message != f"No such option: {error.option_name}":
            return error.format_message()
        message = text(NO_SUCH_OPTION).format(name=error.option_name)
        if error.possibilities:
            options = ", ".join(sorted(error.possibilities))
            message += " " + text(POSSIBLE_OPTIONS).format(options=options)
        return message
    if isinstance(error, BadOptionUsage):
        if _OPTION_NEEDS_VALUE.match(error.message):
            return text(OPTION_NEEDS_VALUE).format(name=error.option_name)
        if _OPTION_TAKES_NO_VALUE.match(error.message):
            return text(OPTION_TAKES_NO_VALUE).format(name=error.option_name)
    return _generic(error.format_message(), text)


class LocalizedError(ClickException):
    """A Click/Typer error shown in the command line's language (usage line, hint, message)."""

    def __init__(self, original: ClickException, language: Translator) -> None:
        super().__init__(localized_message(original, language))
        self.original = original
        self.language = language
        self.exit_code = original.exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        text = self.language.gettext
        ctx = self.original.ctx if isinstance(self.original, UsageError) else None
        color = None
        if ctx is not None:
            color = ctx.color
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                hint = (
                    text(TRY_HELP).format(command=ctx.command_path, option=ctx.help_option_names[0])
                    + "\n"
                )
            echo(f"{ctx.get_usage()}\n{hint}", file=file, err=file is None, color=color)
        echo(
            text(ERROR_LINE).format(message=self.message),
            file=file,
            err=file is None,
            color=color,
        )


@contextmanager
def _localized_errors() -> Iterator[None]:
    try:
        yield
    except NoArgsIsHelpError:
        raise  # shows the (already translated) help
    except LocalizedError:
        raise
    except ClickException as error:
        raise LocalizedError(error, cli_translator()) from error


def _add_unloaded_commands(group: typer.core.TyperGroup) -> None:
    """Every command whose module this run did not import, as a help-only entry (its name and
    help, ``bot.cli.COMMAND_HELP``), so the root help lists it and a mistyped name is
    suggested. Such an entry is never run: a command named on the command line has its module
    imported (``bot.cli.main``)."""
    from bot.cli import COMMAND_HELP

    if all(name in group.commands for name in COMMAND_HELP):
        return
    loaded = dict(group.commands)
    group.commands.clear()
    for name, help_text in COMMAND_HELP.items():
        if name in loaded:
            group.commands[name] = loaded.pop(name)
        else:
            group.commands[name] = typer.core.TyperCommand(name, help=help_text)
    group.commands.update(loaded)


class LocalizedGroup(typer.core.TyperGroup):
    """The root command group: translates the command tree and its errors for each run."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        install()
        _add_unloaded_commands(self)
        language = translator(os.environ.get("PLANBOT_LOCALE"))
        localize(self, language)
        token = _ACTIVE.set(language)
        try:
            return super().main(
                args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra
            )
        finally:
            _ACTIVE.reset(token)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Context | None = None,
        **extra: Any,
    ) -> Context:
        with _localized_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Context) -> Any:
        with _localized_errors():
            return super().invoke(ctx)
