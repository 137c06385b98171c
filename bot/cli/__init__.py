"""The ``planbot`` command line (Typer). Each feature registers its commands from its module."""

from __future__ import annotations

import importlib

from bot.cli.common import app

# Each module defines its commands on ``app`` (or adds a sub-app) when imported.
_COMMAND_MODULES = (
    "bot.cli.plan_commands",
    "bot.cli.reports",
    "bot.cli.schedule",
    "bot.cli.chat",
)

for _module in _COMMAND_MODULES:
    importlib.import_module(_module)


def main() -> None:
    app()


__all__ = ["app", "main"]
