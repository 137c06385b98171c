"""Shared pieces of the command line: the app, output formats, service start-up, errors."""

from __future__ import annotations

import enum
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, NoReturn, cast

import typer

from bot import __version__
from bot.cli.localized import LocalizedGroup, cli_translator
from bot.i18n import DEFAULT_LOCALE, N_, Translator, translator

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.measure import Measurement

    from bot.bootstrap import Services
    from bot.config import Settings
    from bot.plan import Plan, PlanError
    from bot.plans import PlanSet

# This module is imported by every command, and by ``planbot --help`` and ``--version`` alone:
# the settings (pydantic-settings), the database layer and the plan are imported by the
# functions that use them, so that the help and the version start without them
# (tests/test_cli_startup.py).

# The help texts are English message ids (N_), translated when the command line starts
# (bot.cli.localized: PLANBOT_LOCALE, Vietnamese by default).
app = typer.Typer(
    name="planbot",
    cls=LocalizedGroup,
    help=N_(
        "planbot: follow up, remind and consolidate the reports on the province's plan "
        "(Telegram, Zalo)."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class _FirstUseConsole:
    """A rich ``Console`` made at its first use as it would have been made at import (its
    width and colours from the environment of then; later reads of the environment live): rich
    (1.7 MiB, 25 ms) is not loaded by what prints no table (``planbot run``, ``--help``)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._environ = dict(os.environ)
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            made = Console(_environ=self._environ, **self._options)
            made._environ = os.environ  # what a Console made without _environ reads
            self._console = made
        return getattr(self._console, name)


console = cast("Console", _FirstUseConsole())
err_console = cast("Console", _FirstUseConsole(stderr=True))


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"planbot {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help=N_("Show planbot's version and exit."),
        callback=_show_version,
        is_eager=True,
    ),
) -> None:
    """The root group's options (the help is the app's)."""


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(
    OutputFormat.table, "--format", "-f", help=N_("Format: table (for people) or json.")
)


def settings() -> Settings:
    """The configuration; invalid PLANBOT_* values end the command with what to fix (exit 2)."""
    from pydantic import ValidationError

    from bot.config import Settings

    try:
        return Settings()
    except ValidationError as error:
        _ = translator(DEFAULT_LOCALE).gettext
        lines = [_("The configuration is not valid (PLANBOT_* variables or .env):")]
        for problem in error.errors():
            name = "PLANBOT_" + "_".join(str(part) for part in problem["loc"]).upper()
            cause = problem.get("ctx", {}).get("error")
            # Our own validators raise with a catalog message id; pydantic's own are English.
            detail = _(str(cause)) if isinstance(cause, ValueError) else problem["msg"]
            lines.append(f"  {name}: {detail}")
        fail("\n".join(lines))


def tr() -> Translator:
    return translator(settings().locale)


def cli_text(message: str) -> str:
    """A text of the command line's own in its language (``PLANBOT_LOCALE``, read without the
    settings; anything it does not know gives Vietnamese). Help texts are not passed here but
    given as ``N_`` message ids: :mod:`bot.cli.localized` translates them for each run."""
    return cli_translator().gettext(message)


AT_HELP = N_(
    "Act as at this moment, ISO 8601 (e.g. 2021-03-22T09:00+07:00; without a time zone it is "
    "local time, PLANBOT_TIMEZONE). Updates written after it are not counted. Default: now."
)


def parse_instant(text: str, tz: tzinfo) -> datetime:
    """The moment ``--at`` names, timezone-aware; exits 2 with a clear message otherwise.

    ISO 8601: "2021-03-22T09:00+07:00", "2021-03-22 09:00", "2021-03-22" (midnight); without an
    offset it is local time in ``tz``.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(
            tr()
            .gettext("--at: «{value}» is not a date and time (e.g. 2021-03-22T09:00+07:00).")
            .format(value=text)
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=tz)
    return moment


class Clamped:
    """A table cell of at most ``lines`` lines at whatever width the table gives it: the text
    wraps on words and the last line ends with "…" when the rest does not fit (a long plan
    title in a narrow terminal)."""

    def __init__(self, text: str, lines: int = 2) -> None:
        self.text = text
        self.lines = max(1, lines)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.measure import Measurement
        from rich.text import Text

        return Measurement.get(console, options, Text(self.text))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        width = max(1, options.max_width)
        wrapped = Text(self.text).wrap(console, width, overflow="fold")
        if len(wrapped) <= self.lines:
            yield Text("\n").join(wrapped)
            return
        kept = list(wrapped[: self.lines - 1])
        rest = " ".join(line.plain.strip() for line in wrapped[self.lines - 1 :])
        last = Text(rest)
        last.truncate(width, overflow="ellipsis")
        yield Text("\n").join([*kept, last])


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(message, markup=False, highlight=False)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def services() -> Iterator[Services]:
    """Start-up for a command: logging, settings, migrated database, plan."""
    from bot.actors import begin_acting, command_line_actor
    from bot.cli.startup import startup_services
    from bot.logs import configure_logging

    begin_acting(command_line_actor().who, command_line_actor().source)
    current = settings()
    configure_logging(logging.WARNING, settings=current)
    built = startup_services(current)  # a missing database or plan: one line, exit 2
    try:
        yield built
    finally:
        built.db.dispose()


def report_plan_error(error: PlanError) -> NoReturn:
    t = tr()
    _ = t.gettext
    err_console.print(_("The plan file has errors; nothing was loaded:"), markup=False)
    for problem in error.problems:
        err_console.print(f"  {problem.path}: {problem.text(t)}", markup=False, highlight=False)
    raise typer.Exit(2)


def pick_plan(plans: PlanSet, code: str | None) -> Plan:
    """The plan ``--plan`` names; without it the only plan followed, else exit 2 naming them."""
    _ = tr().gettext
    codes = ", ".join(entry.code for entry in plans.entries)
    if code is None:
        only = plans.only
        if only is not None:
            return only
        fail(
            _("{count} plans are followed ({codes}): choose one with --plan.").format(
                count=len(plans), codes=codes
            )
        )
    found = plans.get(code)
    if found is None:
        fail(_("No plan has the code «{code}». Plans: {codes}.").format(code=code, codes=codes))
    return found
