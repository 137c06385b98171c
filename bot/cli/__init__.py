"""The ``planbot`` command line (Typer). Each feature registers its commands from its module.

Start-up time matters for a command line (BENCHMARKS.md): ``planbot agencies`` needs neither the
scheduler (APScheduler, the holiday tables) nor the chat stack. :func:`main` therefore imports
only the module that defines the command named on the command line (``COMMAND_MODULES``). When
no command is named (``planbot``, ``--help``, ``--version``) or the name is unknown, it imports
none: the root group lists every command from ``COMMAND_HELP`` (their help texts, checked equal
to the commands' own by tests/test_cli_startup.py), so Typer can list them and suggest a name
without the database layer. ``from bot.cli import app`` (the tests, embedders) gets the app with
every command registered. Heavy renderers (matplotlib, python-docx, openpyxl) and the platform
libraries are imported inside the commands that use them.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

from bot.i18n import N_

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

# Command name -> its help (message id), in the order ``planbot --help`` lists them: what the root
# group shows for a command whose module is not imported. Groups (``plan``, ``outbox``) last,
# as Typer lists them.
COMMAND_HELP: dict[str, str] = {
    "agencies": N_("The agencies in the plans (name, short name, kind, other names)."),
    "tasks": N_("The plan's tasks; with --agency: one agency's tasks and its role in each."),
    "digest": N_(
        "The reporting status of a round: on time, late, not yet reported, overdue; what is "
        "blocked."
    ),
    "report": N_(
        "The draft consolidated report of a round (layout of Decree 30/2020/NĐ-CP), "
        "Word/Excel/Markdown."
    ),
    "schedule": N_(
        "Every moment the bot will remind: before the reports' due day, before the "
        "consolidation day, and the overdue notices."
    ),
    "remind": N_(
        "Run one reminder tick: send the reminders that are due and not yet sent (each message "
        "exactly once)."
    ),
    "invite": N_(
        "Create single-use invitation codes (with a t.me/<bot>?start=<code> link) for an "
        'agency.\n\nAGENCY is "secretariat" for the Office of the provincial People\'s '
        "Committee, as the secretariat."
    ),
    "users": N_("The registered users (channel, agency, role, whether still valid)."),
    "revoke": N_("Revoke a user's access, or an invitation code (the history of updates is kept)."),
    "updates": N_("The status updates (corrections applied, cancelled updates left out)."),
    "run": N_(
        "Run the Telegram bot (long polling, or a webhook when PLANBOT_WEBHOOK_URL is set) and "
        "the reminders."
    ),
    "shell": N_(
        "Chat with the bot in the terminal, with the same handlers as Telegram and Zalo. "
        "Standard input is read one line per message; each --message is one message, newlines "
        "included."
    ),
    "backup": N_(
        "Back up the database while the bot runs (SQLite: online backup; PostgreSQL: the "
        "pg_dump command)."
    ),
    "restore": N_(
        "Restore the database from a backup (stop planbot run first; the current one is kept)."
    ),
    "doctor": N_(
        "Check the configuration, the database, the migrations, the channels (getMe) and the "
        "outbox; say what to do."
    ),
    "plan": N_(
        "The plans followed: load a plan file, list and show the plans, retire one; import a "
        "plan's text for review."
    ),
    "outbox": N_(
        "The reminders' outbox: list, resend or drop the messages whose outcome is unknown or "
        "that failed."
    ),
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
    load_commands([name] if name in COMMAND_MODULES else [])()


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMAND_HELP", "COMMAND_MODULES", "app", "load_commands", "main"]
