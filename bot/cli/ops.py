"""Operator commands: ``planbot outbox`` (the ledger's undecided rows), ``backup``, ``restore``
and ``doctor`` (is everything in place, and what to do when not)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col, func, select

from bot.audit import record
from bot.bootstrap import Services
from bot.cli.common import (
    FORMAT_OPTION,
    OutputFormat,
    app,
    console,
    fail,
    print_json,
    services,
    tr,
)
from bot.cli.common import settings as current_settings
from bot.config import Settings
from bot.db import Database, head_revision
from bot.i18n import N_
from bot.logs import RedactingFilter
from bot.models import Lease, Reminder
from scheduler.outbox import SENDER_LEASE, Outbox, holder_is_gone

outbox_app = typer.Typer(
    help=N_(
        "The reminders' outbox: list, resend or drop the messages whose outcome is unknown or "
        "that failed."
    ),
    no_args_is_help=False,
    invoke_without_command=True,
)
app.add_typer(outbox_app, name="outbox")

OPEN_STATES = ("unknown", "failed")
IDS_HELP = N_("The messages' ids (see planbot outbox).")
RESEND_IDS = typer.Argument(None, metavar=N_("ID"), help=IDS_HELP)
DROP_IDS = typer.Argument(..., metavar=N_("ID"), help=IDS_HELP)
BACKUP_FILE = typer.Argument(
    ...,
    metavar=N_("FILE"),
    help=N_("The backup file to create (e.g. planbot-2021-03-20.db)."),
)
RESTORE_FILE = typer.Argument(
    ..., metavar=N_("FILE"), help=N_("The backup file (made by planbot backup).")
)
STATE_OPTION = typer.Option(
    None,
    "--state",
    "-s",
    help=N_("unknown (not known whether it arrived), failed (an error) or all."),
)


def _row_json(row: Reminder, settings: Settings) -> dict[str, Any]:
    redact = RedactingFilter(settings.secret_values()).redact
    return {
        "id": row.id,
        "channel": row.channel,
        "chat_id": row.chat_id,
        "period": row.period,
        "kind": row.kind,
        "instant": row.instant.isoformat(),
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "error": redact(row.last_error) if row.last_error else None,
        "text": row.text,
    }


@outbox_app.callback()
def outbox_list(
    ctx: typer.Context,
    state: str | None = STATE_OPTION,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Without a subcommand: the unknown and failed messages, oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    _ = tr().gettext
    states: tuple[str, ...] = OPEN_STATES
    if state is not None:
        if state not in ("unknown", "failed", "all"):
            fail(_("--state must be unknown, failed or all."))
        states = (
            ("claimed", "sending", "sent", "unknown", "failed", "dropped")
            if state == "all"
            else (state,)
        )
    with services() as built:
        rows = Outbox(built.db, holder="cli").listing(states)
        data = [_row_json(row, built.settings) for row in rows]
        tz = built.settings.tz
    if output is OutputFormat.json:
        print_json(data)
        return
    if not data:
        console.print(_("No message in these states."), markup=False)
        return
    table = Table(title=_("Reminder ledger"))
    for header in ("ID", _("Chat"), _("Period"), _("Kind"), _("When"), _("State"), _("Error")):
        table.add_column(header, overflow="fold")
    for row, item in zip(rows, data, strict=True):
        table.add_row(
            str(item["id"]),
            f"{item['channel']}:{item['chat_id']}",
            item["period"],
            item["kind"],
            row.instant.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
            item["state"],
            item["error"] or "",
        )
    console.print(table)
    console.print(
        _(
            "unknown: the request left but no answer came; it may have arrived. Check with the "
            "recipient, then: planbot outbox resend ID (send again) or planbot outbox drop ID."
        ),
        markup=False,
    )


def _ids(ids: list[str]) -> list[int]:
    _ = tr().gettext
    values: list[int] = []
    for value in ids:
        if not value.isdigit() or len(value) > 18:
            fail(_("«{value}» is not a ledger row id (see planbot outbox).").format(value=value))
        values.append(int(value))
    return values


@outbox_app.command(
    "resend",
    help=N_(
        "Resend (at the next reminder tick) the chosen unknown or failed messages; logged in "
        "the audit log."
    ),
)
def outbox_resend(
    ids: list[str] | None = RESEND_IDS,
    all_unknown: bool = typer.Option(
        False, "--all-unknown", help=N_("Resend every message whose outcome is unknown.")
    ),
) -> None:
    _ = tr().gettext
    wanted = _ids(ids or [])
    if not wanted and not all_unknown:
        fail(_("Give the ids to resend, or --all-unknown."))
    with services() as built:
        outbox = Outbox(built.db, holder="cli")
        if all_unknown:
            wanted += [row.id for row in outbox.listing(("unknown",)) if row.id is not None]
        now = built.clock.now()
        done, refused = _act(built, wanted, "outbox.resend", lambda i: outbox.release(i, now))
    _report(done, refused, _("will be sent at the next reminder tick"))


@outbox_app.command(
    "drop",
    help=N_(
        "Drop the chosen unknown or failed messages for good (never resent); logged in the "
        "audit log."
    ),
)
def outbox_drop(
    ids: list[str] = DROP_IDS,
) -> None:
    wanted = _ids(ids)
    with services() as built:
        outbox = Outbox(built.db, holder="cli")
        done, refused = _act(
            built, wanted, "outbox.drop", lambda i: outbox.drop(i, "dropped by an operator")
        )
    _report(done, refused, tr().gettext("dropped: never sent"))


def _act(
    built: Services, wanted: list[int], action: str, change: Any
) -> tuple[list[int], list[int]]:
    done: list[int] = []
    refused: list[int] = []
    for row_id in dict.fromkeys(wanted):
        if change(row_id):
            done.append(row_id)
            with built.db.write() as session:
                record(session, action, f"reminder:{row_id}", now=built.clock.now())
        else:
            refused.append(row_id)
    return done, refused


def _report(done: list[int], refused: list[int], what: str) -> None:
    _ = tr().gettext
    if done:
        console.print(
            _("{ids}: {what}.").format(ids=", ".join(map(str, done)), what=what), markup=False
        )
    if refused:
        fail(
            _("{ids}: no such row in state unknown or failed; nothing changed.").format(
                ids=", ".join(map(str, refused))
            ),
            code=1,
        )


# ---------------------------------------------------------------------------- backup, restore


def _sqlite_path(settings: Settings) -> Path | None:
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser()


def _pg_url(settings: Settings) -> str:
    url = make_url(settings.resolved_database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=True)


def _sqlite_file(postgres_intro: str, postgres_command: Callable[[str], str]) -> Path:
    """The configured SQLite file. On PostgreSQL the command ends here (exit code 0) after
    printing the PostgreSQL tool's command to run instead (``postgres_command`` of the URL,
    the password hidden)."""
    current = current_settings()
    path = _sqlite_path(current)
    if path is None:
        console.print(postgres_intro, markup=False)
        console.print(postgres_command(_pg_url(current)), markup=False, soft_wrap=True)
        raise typer.Exit()
    return path


@app.command(
    "backup",
    help=N_(
        "Back up the database while the bot runs (SQLite: online backup; PostgreSQL: the "
        "pg_dump command)."
    ),
)
def backup(
    file: Path = BACKUP_FILE,
    force: bool = typer.Option(False, "--force", help=N_("Overwrite an existing file.")),
) -> None:
    _ = tr().gettext
    source = _sqlite_file(
        _("PostgreSQL: back up with pg_dump (the password is asked, or read from PGPASSWORD):"),
        lambda url: f"pg_dump --format=custom --file '{file}' '{url}'",
    )
    if not source.exists():
        fail(_("There is no database at {path} yet.").format(path=source))
    if file.exists() and not force:
        fail(_("{path} exists; choose another name or add --force.").format(path=file))
    file.parent.mkdir(parents=True, exist_ok=True)
    target = file.with_name(file.name + ".part")
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)  # a consistent copy while other processes keep writing
    target.replace(file)
    console.print(_("Backed up to {path}.").format(path=file), markup=False)


@app.command(
    "restore",
    help=N_(
        "Restore the database from a backup (stop planbot run first; the current one is kept)."
    ),
)
def restore(
    file: Path = RESTORE_FILE,
) -> None:
    _ = tr().gettext
    target = _sqlite_file(
        _("PostgreSQL: stop planbot, then restore with pg_restore into an empty database:"),
        lambda url: f"pg_restore --clean --if-exists --no-owner --dbname '{url}' '{file}'",
    )
    if not file.is_file():
        fail(_("{path} is not a file.").format(path=file))
    problem = _backup_problem(file)
    if problem is not None:
        fail(_("{path} is not a planbot backup: {problem}").format(path=file, problem=problem))
    if target.exists():
        live = _live_sender(Database(f"sqlite:///{target}"))
        if live is not None:
            fail(
                _(
                    "planbot is running ({holder}): stop it first (the sender lease is held); "
                    "nothing was restored."
                ).format(holder=live)
            )
        stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        with sqlite3.connect(target) as src, sqlite3.connect(kept) as dst:
            src.backup(dst)
        console.print(_("The current database was kept as {path}.").format(path=kept), markup=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(file) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    for suffix in ("-wal", "-shm"):
        stale = target.with_name(target.name + suffix)
        if stale.exists() and stale.stat().st_size == 0:
            stale.unlink()
    db = Database(f"sqlite:///{target}")
    try:
        db.upgrade()  # an older backup gets the newer migrations
    finally:
        db.dispose()
    console.print(_("Restored from {path}.").format(path=file), markup=False)


def _backup_problem(file: Path) -> str | None:
    try:
        with sqlite3.connect(f"file:{file}?mode=ro", uri=True) as connection:
            check = connection.execute("PRAGMA quick_check").fetchone()
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
    except sqlite3.DatabaseError as error:
        return str(error)
    if not check or check[0] != "ok":
        return f"quick_check: {check[0] if check else '?'}"
    missing = {"alembic_version", "status_update", "app_user"} - tables
    if missing:
        return "missing tables: " + ", ".join(sorted(missing))
    return None


def _live_sender(db: Database) -> str | None:
    try:
        with db.session() as session:
            lease = session.get(Lease, SENDER_LEASE)
    except Exception:
        return None
    finally:
        db.dispose()
    if lease is None or holder_is_gone(lease.holder):
        return None
    if lease.expires_at <= datetime.now(lease.expires_at.tzinfo):
        return None
    return lease.holder


# ---------------------------------------------------------------------------- doctor


@app.command(
    "doctor",
    help=N_(
        "Check the configuration, the database, the migrations, the channels (getMe) and the "
        "outbox; say what to do."
    ),
)
def doctor() -> None:
    current = current_settings()
    _ = tr().gettext
    checks: list[tuple[str, str, str]] = []  # (status, what, advice)

    def note(status: str, what: str, advice: str = "") -> None:
        checks.append((status, what, advice))

    note("ok", _("Settings are valid (PLANBOT_* variables)."))
    if current.telegram_token is None and current.zalo_token is None:
        note("warn", _("No chat channel is configured."), _("Set PLANBOT_TELEGRAM_TOKEN."))
    db = Database(current.resolved_database_url)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        note("ok", _("Database reachable: {url}").format(url=_safe(current)))
        revision, head = db.current_revision(), head_revision()
        if revision == head:
            note("ok", _("Database schema is up to date ({revision}).").format(revision=revision))
        else:
            note(
                "fail",
                _("Database schema is at {revision}, the code needs {head}.").format(
                    revision=revision, head=head
                ),
                _("Run any planbot command once (it migrates), e.g. planbot users."),
            )
        if revision is not None:
            _ledger_checks(db, note)
    except Exception as error:
        note(
            "fail",
            _("Database not reachable ({url}): {error}").format(
                url=_safe(current), error=type(error).__name__
            ),
            _("Check PLANBOT_DATABASE_URL and that the database server runs."),
        )
    finally:
        db.dispose()
    if current.telegram_token is not None:
        asyncio.run(_telegram_check(current, note))
    failed = False
    for status, what, advice in checks:
        mark = {"ok": "✓", "warn": "!", "fail": "✗"}[status]
        failed = failed or status == "fail"
        console.print(f"{mark} {what}", markup=False, highlight=False, soft_wrap=True)
        if advice:
            console.print(f"    → {advice}", markup=False, highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def _safe(current: Settings) -> str:
    return make_url(current.resolved_database_url).render_as_string(hide_password=True)


def _ledger_checks(db: Database, note: Any) -> None:
    _ = tr().gettext
    with db.session() as session:
        counts = dict(
            session.exec(
                select(Reminder.state, func.count())
                .where(col(Reminder.state).in_(("unknown", "failed")))
                .group_by(Reminder.state)
            ).all()
        )
        lease = session.get(Lease, SENDER_LEASE)
    if counts.get("unknown"):
        note(
            "warn",
            _("{n} reminders with an unknown outcome (they may have arrived).").format(
                n=counts["unknown"]
            ),
            _("See planbot outbox --state unknown; then resend or drop them."),
        )
    if counts.get("failed"):
        note(
            "warn",
            _("{n} reminders failed (retried automatically unless refused for good).").format(
                n=counts["failed"]
            ),
            _("See planbot outbox --state failed."),
        )
    if not counts:
        note("ok", _("Reminder ledger: nothing undecided."))
    if lease is not None:
        now = datetime.now(lease.expires_at.tzinfo)
        if holder_is_gone(lease.holder):
            note(
                "warn",
                _("The sender lease is held by a process that is gone ({holder}).").format(
                    holder=lease.holder
                ),
                _("Nothing to do: the next planbot run or remind takes it over at once."),
            )
        elif lease.expires_at > now:
            note("ok", _("A sender is running: {holder}.").format(holder=lease.holder))


async def _telegram_check(current: Settings, note: Any) -> None:
    from bot.channels.telegram import build_channel
    from bot.cli.startup import start_problem
    from bot.messages import ChannelStartError

    _ = tr().gettext
    channel = build_channel(current)
    if channel is None:
        return
    try:
        async with channel:
            note("ok", _("Telegram accepts the token (getMe)."))
    except ChannelStartError as error:
        note("fail", start_problem(str(error), current, error.__cause__))


__all__ = ["backup", "doctor", "outbox_app", "restore"]
