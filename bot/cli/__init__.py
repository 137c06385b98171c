"""The ``planbot`` command line (Typer). Each feature registers its commands from its module.

Start-up time matters for a command line (BENCHMARKS.md): ``planbot agencies`` needs neither the
scheduler (APScheduler, the holiday tables) nor the chat stack. :func:`main` therefore imports
only the module that defines the command named on the command line (``COMMAND_MODULES``), and
every module when there is none (``--help``) or the name is unknown (so Typer lists them all
and suggests). ``from bot.cli import app`` (the tests, embedders) gets the app with every
command registered. Heavy renderers (matplotlib, python-docx, openpyxl) and the platform
libraries are imported inside the commands that use them.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

# Command name -> the module that registers it on ``bot.cli.common.app`` when imported.
# tests/test_cli_startup.py checks that it names every command and its module.
COMMAND_MODULES: dict[str, str] = {
    "agencies": "bot.cli.plan_commands",
    "tasks": "bot.cli.plan_commands",
    "plan": "bot.cli.plan_commands",
    "digest": "bot.cli.reports",
    "report": "bot.cli.reports",
    "schedule": "bot.cli.schedule",
    "remind": "bot.cli.schedule",
    "invite": "bot.cli.chat",
    "users": "bot.cli.chat",
    "revoke": "bot.cli.chat",
    "updates": "bot.cli.chat",
    "run": "bot.cli.chat",
    "shell": "bot.cli.chat",
    "outbox": "bot.cli.ops",
    "backup": "bot.cli.ops",
    "restore": "bot.cli.ops",
    "doctor": "bot.cli.ops",
}


def load_commands(names: list[str] | None = None) -> typer.Typer:
    """The app with the commands of ``names`` registered (every command when ``None``)."""
    from bot.cli.common import app

    wanted = list(dict.fromkeys(COMMAND_MODULES.values()))
    if names is not None:
        wanted = [module for module in wanted if module in {COMMAND_MODULES[n] for n in names}]
    for module in wanted:
        importlib.import_module(module)
    return app


def _command_named(argv: list[str]) -> str | None:
    """The command named on a command line: its first argument that is not an option."""
    for argument in argv:
        if not argument.startswith("-"):
            return argument
    return None


def main() -> None:
    name = _command_named(sys.argv[1:])
    load_commands([name] if name in COMMAND_MODULES else None)()


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMAND_MODULES", "app", "load_commands", "main"]
