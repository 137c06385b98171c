"""Chat commands: invitations, users, status updates, ``planbot run`` and ``planbot shell``."""

from __future__ import annotations

import asyncio
import csv
import enum
import io
import logging
import os
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from secrets import token_urlsafe
from typing import TYPE_CHECKING, Any

import typer
from sqlmodel import col, select

from bot.bootstrap import Services, bootstrap
from bot.cli.common import (
    AT_HELP,
    FORMAT_OPTION,
    OutputFormat,
    app,
    cli_text,
    console,
    fail,
    parse_instant,
    print_json,
    report_plan_error,
    services,
    tr,
)
from bot.cli.common import settings as current_settings
from bot.cli.startup import database_problem, start_problem, startup_services
from bot.clock import Clock, FrozenClock
from bot.config import Settings
from bot.digest import consolidator_ids
from bot.i18n import N_, translator
from bot.logs import configure_logging
from bot.messages import Attachment, Incoming, Reply, SettingToFix
from bot.models import User
from bot.plan import Plan, PlanError
from bot.registration import (
    SHELL_CHANNEL,
    InvitationError,
    create_invitations,
    invite_link,
    list_users,
    revoke_invitation,
    revoke_user,
)
from bot.text import fold
from bot.updates import list_updates

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

MAX_EXPIRES_DAYS = 3650
SHELL_FILES = "shell"  # folder under PLANBOT_DATA_DIR for the files the shell receives

SHELL_HELP = N_(
    "Chat with the bot in the terminal, with the same handlers as Telegram and Zalo. Standard "
    "input is read one line per message; each --message is one message, newlines included."
)
SHELL_AS_HELP = N_(
    'Act as the focal point of this agency (e.g. "so y te"), or as the secretariat ("van '
    'phong ubnd tinh" or "secretariat"). Shell users are never listed, reminded or sent a '
    "digest; their updates count like any other."
)
SHELL_MESSAGE_HELP = N_(
    "Send this text as one message (newlines included, e.g. a report pasted from Word); "
    "repeat the option for several messages. Standard input is then not read."
)


class UpdatesFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


UPDATES_FORMAT_OPTION = typer.Option(
    UpdatesFormat.table, "--format", "-f", help=N_("Format: table, json or csv.")
)


def _agency_id(built: Services, query: str) -> str:
    agency = built.agencies.get(query) or built.agencies.find(query)
    if agency is None:
        hints = ", ".join(a.short_name for a in built.agencies.suggest(query))
        _ = tr().gettext
        fail(
            _("No agency «{query}».").format(query=query)
            + " "
            + (
                _("Did you mean: {hints}?").format(hints=hints)
                if hints
                else _("See the list: planbot agencies.")
            )
        )
    return agency.id


INVITE_HELP = N_(
    "Create single-use invitation codes (with a t.me/<bot>?start=<code> link) for an agency.\n\n"
    'AGENCY is "secretariat" for the Office of the provincial People\'s Committee, as the '
    "secretariat."
)


@app.command("invite", help=INVITE_HELP)
def invite(
    agency: str = typer.Argument(
        ...,
        metavar=N_("AGENCY"),
        help=N_('The agency (its code, name or another name), e.g. "so y te".'),
    ),
    role: str = typer.Option(
        "focal", "--role", help=N_("Role: focal (focal point) or secretariat.")
    ),
    count: int = typer.Option(1, "--count", "-n", help=N_("How many codes to create.")),
    expires_days: int = typer.Option(
        14, "--expires-days", help=N_("How many days the codes stay valid.")
    ),
    output: OutputFormat = FORMAT_OPTION,
    channel: str = typer.Option(
        "telegram",
        "--channel",
        help=N_(
            "Channel: telegram (a t.me link), zalo (the message to send) or web (a sign-in link)."
        ),
    ),
) -> None:
    _ = tr().gettext
    bad_count = _(
        "The number of codes must be 1 to 500 and the days of validity 1 to {days} (10 years); "
        "no code was created."
    ).format(days=MAX_EXPIRES_DAYS)
    if role not in ("focal", "secretariat"):
        fail(_("The role must be focal or secretariat."))
    if channel not in ("telegram", "zalo", "web"):
        fail(_("The channel must be telegram, zalo or web."))
    if not 1 <= count <= 500 or not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        fail(bad_count)
    with services() as built:
        if _names_the_secretariat(agency):
            agency_id, role = _secretariat_agency(built), "secretariat"
        else:
            agency_id = _agency_id(built, agency)
        try:
            created = create_invitations(
                built.db,
                agency_id,
                role=role,
                count=count,
                expires_days=expires_days,
                now=built.clock.now(),
            )
        except (InvitationError, OverflowError):
            fail(bad_count)
        username = built.settings.telegram_bot_username
        web_base = _web_base(built.settings) if channel == "web" else None

        def link_of(code: str) -> str | None:
            if web_base is not None:
                from bot.web.app import invite_url  # lazy: aiohttp and jinja2 (start time)

                return invite_url(web_base, code)
            return invite_link(username, code) if channel == "telegram" else None

        rows = [
            {
                "code": invitation.code,
                "agency": agency_id,
                "role": invitation.role,
                "link": link_of(invitation.code),
                **(
                    {"instruction": _zalo_instruction(invitation.code)} if channel == "zalo" else {}
                ),
                "expires_at": invitation.expires_at.isoformat() if invitation.expires_at else None,
            }
            for invitation in created
        ]
        name = built.plan.agency(agency_id).name
    if output is OutputFormat.json:
        print_json(rows)
        return
    from rich.table import Table  # lazy: rich is not loaded by planbot run

    table = Table(title=_("Invitation codes: {name} ({role})").format(name=name, role=role))
    for header in (_("Code"), _("Link"), _("Expires")):
        table.add_column(header, overflow="fold")
    for row in rows:
        link = row.get("instruction") or row["link"] or f"/start {row['code']}"
        table.add_row(row["code"], link, row["expires_at"] or "")
    console.print(table)
    if username is None and channel == "telegram":
        console.print(
            _(
                "PLANBOT_TELEGRAM_BOT_USERNAME is not set, so there is no link: the user sends "
                "/start <code> to the bot."
            ),
            markup=False,
        )


def _web_base(current: Settings) -> str:
    from bot.web.app import web_url  # lazy: aiohttp and jinja2 (start time)

    return web_url(current)


def _user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "channel": user.channel,
        "external_id": user.external_id,
        "chat_id": user.chat_id,
        "name": user.display_name,
        "agency": user.agency_id,
        "role": user.role,
        "language": user.language,
        "active": user.active,
        "created_at": user.created_at.isoformat(),
        "revoked_at": user.revoked_at.isoformat() if user.revoked_at else None,
    }


@app.command("users", help=N_("The registered users (channel, agency, role, whether still valid)."))
def users(output: OutputFormat = FORMAT_OPTION) -> None:
    with services() as built:
        rows = [_user_json(user) for user in list_users(built.db)]
    if output is OutputFormat.json:
        print_json(rows)
        return
    _ = tr().gettext
    from rich.table import Table  # lazy: rich is not loaded by planbot run

    table = Table(title=_("Users"))
    for header in (
        _("ID"),
        _("Channel"),
        _("Account"),
        _("Name"),
        _("Agency"),
        _("Role"),
        _("Valid"),
    ):
        table.add_column(header)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["channel"],
            row["external_id"],
            row["name"],
            row["agency"] or "",
            row["role"],
            _("yes") if row["active"] else _("revoked"),
        )
    console.print(table)


@app.command(
    "revoke",
    help=N_("Revoke a user's access, or an invitation code (the history of updates is kept)."),
)
def revoke(
    user: str = typer.Argument(
        ...,
        metavar=N_("USER"),
        help=N_("A user's ID, channel:account (telegram:12345), or an unused invitation code."),
    ),
) -> None:
    with services() as built:
        now = built.clock.now()
        revoked = revoke_user(built.db, user, now)
        invitation = revoke_invitation(built.db, user, now) if revoked is None else None
    _ = tr().gettext
    if revoked is not None:
        console.print(
            _("Revoked the access of {name} ({channel}, {agency}).").format(
                name=revoked.display_name or revoked.external_id,
                channel=revoked.channel,
                agency=revoked.agency_id,
            ),
            markup=False,
        )
        return
    if invitation is None:
        fail(
            _("No user or invitation code «{user}». See the list: planbot users.").format(user=user)
        )
    if invitation.used_at is not None:
        fail(
            _(
                "Code {code} has been used; revoke the user who registered with it "
                "(ID {user}, see planbot users)."
            ).format(code=invitation.code, user=invitation.used_by)
        )
    console.print(
        _("Revoked invitation code {code} ({agency}): it can no longer be used.").format(
            code=invitation.code, agency=invitation.agency_id
        ),
        markup=False,
    )


@app.command(
    "updates",
    help=N_("The status updates (corrections applied, cancelled updates left out)."),
)
def updates(
    agency: str | None = typer.Option(None, "--agency", "-a", help=N_("Filter by agency.")),
    task: str | None = typer.Option(None, "--task", "-t", help=N_("Filter by task, e.g. 2.2.")),
    period: str | None = typer.Option(
        None, "--period", "-p", help=N_("Reporting round, e.g. 2021-Q1.")
    ),
    output: UpdatesFormat = UPDATES_FORMAT_OPTION,
) -> None:
    _ = tr().gettext
    with services() as built:
        agency_id = _agency_id(built, agency) if agency else None
        period_id = None
        if period:
            try:
                period_id = built.calendar.parse(period).id
            except ValueError:
                fail(
                    _(
                        "No reporting round «{period}». Write it as 2021-Q1, 2021-H1, 2021-Q3, "
                        "2021-Y."
                    ).format(period=period)
                )
        if task is not None:
            try:
                built.plan.task(task)
            except KeyError:
                fail(_("No task {task} in the plan.").format(task=task))
        rows = list_updates(built.db, agency_id=agency_id, task_id=task, period=period_id)
        tz = built.settings.tz
    data = [row.to_json() for row in rows]
    if output is UpdatesFormat.json:
        print_json(data)
        return
    if output is UpdatesFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(data[0]) if data else ["id"])
        writer.writeheader()
        writer.writerows(data)
        sys.stdout.write(buffer.getvalue())
        return
    from rich.table import Table  # lazy: rich is not loaded by planbot run

    table = Table(title=_("Status updates"))
    for header in (
        _("ID"),
        _("Agency"),
        _("Task"),
        _("Round"),
        _("Status"),
        _("Text"),
        _("Person"),
        _("At"),
        _("Late"),
    ):
        table.add_column(header, overflow="fold")
    for row, item in zip(rows, data, strict=True):
        item["created_at"] = row.created_at.astimezone(tz).strftime("%d/%m/%Y %H:%M")  # local
        table.add_row(
            *(str(item[key] if item[key] is not None else "") for key in item if key != "late"),
            _("yes") if item["late"] else "",
        )
    console.print(table)


# ---------------------------------------------------------------------------- run


NO_TOKEN_NOTE = N_(
    "No Telegram token (PLANBOT_TELEGRAM_TOKEN) or Zalo token: planbot runs the web pages and the "
    "reminders (reminders show in the web chat).\n"
    "To add Telegram: open Telegram, message @BotFather, type /newbot, name the bot; BotFather "
    "answers with a token like 123456:ABC...; then export PLANBOT_TELEGRAM_TOKEN=<token> "
    "PLANBOT_TELEGRAM_BOT_USERNAME=<bot_name> and run planbot run again.\n"
    'Try it in the terminal: planbot shell --as "so y te"'
)


NOTHING_TO_RUN = N_(
    "PLANBOT_WEB_ENABLED is false and there is no Telegram token (PLANBOT_TELEGRAM_TOKEN) or Zalo "
    "token (PLANBOT_ZALO_TOKEN): nothing would receive a message or show a reminder. Set a token, "
    "or turn the web application on again (PLANBOT_WEB_ENABLED=true)."
)


# Telegram's rule for setWebhook's secret_token (sent back in X-Telegram-Bot-Api-Secret-Token).
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
BAD_WEBHOOK_SECRET = N_(
    "PLANBOT_WEBHOOK_SECRET is not valid: Telegram accepts 1–256 characters: letters without "
    "diacritics (A-Z, a-z), digits (0-9), underscore (_) and hyphen (-).\n"
    'To make a secret, for example: python -c "import secrets; print(secrets.token_urlsafe(32))"'
)


def _webhook_secret(current: Settings) -> str | None:
    """The configured webhook secret (an empty value counts as unset); refuses a malformed one."""
    if current.webhook_secret is None:
        return None
    secret = current.webhook_secret.get_secret_value()
    if not secret:
        return None
    if not WEBHOOK_SECRET.fullmatch(secret):
        fail(tr().gettext(BAD_WEBHOOK_SECRET), code=2)
    return secret


def _zalo_instruction(code: str) -> str:
    from bot.channels.zalo import invite_instruction  # lazy: httpx and the handlers (start time)

    return invite_instruction(code, translator(current_settings().locale))


@app.command(
    "run",
    help=N_(
        "Run the Telegram bot (long polling, or a webhook when PLANBOT_WEBHOOK_URL is set) and "
        "the reminders."
    ),
)
def run() -> None:
    current = current_settings()
    secrets = current.secret_values()
    webhook_secret = None
    if current.telegram_token is not None and current.webhook_url is not None:
        webhook_secret = _webhook_secret(current) or token_urlsafe(32)
        secrets.append(webhook_secret)  # may be generated for this run
    configure_logging(logging.INFO, secrets, settings=current)
    if current.telegram_token is None and current.zalo_token is None:
        if not current.web_enabled:
            fail(tr().gettext(NOTHING_TO_RUN), code=2)
        console.print(tr().gettext(NO_TOKEN_NOTE), markup=False)
    # Lazy: the platform libraries and the scheduler load only for this command (start time of
    # invite, users and shell, which share this module).
    from bot import runtime
    from bot.channels.telegram import PollingStopped, TelegramStartError

    built = startup_services(current)
    webhook = runtime.telegram_webhook(current, webhook_secret) if webhook_secret else None
    try:
        asyncio.run(runtime.run(built, webhook=webhook))
    except SettingToFix as error:  # Zalo's token or webhook secret, the web's port
        fail(str(error), code=2)
    except PollingStopped:
        fail(start_problem("polling", current), code=1)
    except TelegramStartError as error:
        fail(start_problem(str(error), current, error.__cause__), code=2)
    except Exception as error:
        problem = database_problem(error, current)
        if problem is None:
            raise
        fail(problem, code=2)
    finally:
        built.db.dispose()
    log.info("planbot stopped")


# ---------------------------------------------------------------------------- shell

# ``--as`` words that mean the secretariat without naming its agency.
_SECRETARIAT_WORDS = frozenset({"secretariat", "thu ky", "thư ký", "tong hop", "tổng hợp"})


def _secretariat_ids(plan: Plan) -> tuple[str, ...]:
    """The agencies whose people are the secretariat, not focal points: those the reports go to.

    The bodies the reporting rules send to (UBND tỉnh) and the offices among the agencies
    (Văn phòng UBND tỉnh), unless the plan makes them report or consolidate themselves. The
    consolidating unit (Sở KH&ĐT) keeps its focal role; it sees the digest as such.
    """
    own = set(plan.reporting_units()) | set(consolidator_ids(plan))
    targets = [rule.to for rule in plan.reporting if rule.to]
    offices = [agency.id for agency in plan.agencies if agency.kind == "office"]
    result: list[str] = []
    for agency_id in [*offices, *targets]:
        if agency_id not in own and agency_id not in result:
            result.append(agency_id)
    return tuple(result)


def _names_the_secretariat(who: str) -> bool:
    """``secretariat``, ``thu ky``...: the secretariat without naming its agency."""
    return fold(who) in {fold(word) for word in _SECRETARIAT_WORDS}


def _secretariat_agency(built: Services) -> str:
    """The agency of "the secretariat" (Văn phòng UBND tỉnh in the seed plan)."""
    secretariat = _secretariat_ids(built.plan)
    if not secretariat:
        fail(cli_text("The plan names no secretariat; name an agency instead."))
    return secretariat[0]


def _shell_identity(built: Services, who: str) -> tuple[str, str]:
    """(agency id, role) that ``--as`` names: a focal point, or the secretariat."""
    if _names_the_secretariat(who):
        return _secretariat_agency(built), "secretariat"
    agency_id = _agency_id(built, who)
    return agency_id, "secretariat" if agency_id in _secretariat_ids(built.plan) else "focal"


def _shell_user(built: Services, who: str) -> tuple[str, str, str]:
    """(external id, agency id, role) of the shell user acting as ``who``, bound on first use.

    Shell users live on :data:`~bot.registration.SHELL_CHANNEL`: they are never listed,
    reminded or sent a digest (``bot.registration.listed``).
    """
    agency_id, role = _shell_identity(built, who)
    external_id = f"shell-{role}-{agency_id}"
    now = built.clock.now()
    with built.db.write() as session:
        user = session.exec(
            select(User).where(
                col(User.channel) == SHELL_CHANNEL, col(User.external_id) == external_id
            )
        ).first()
        if user is None:
            user = User(
                channel=SHELL_CHANNEL, external_id=external_id, chat_id=external_id, created_at=now
            )
        user.display_name = built.plan.agency(agency_id).short_name
        user.agency_id = agency_id
        user.role = role
        user.active = True
        user.revoked_at = None
        session.add(user)
    return external_id, agency_id, role


def _free_path(folder: Path, filename: str) -> Path:
    """``folder/filename``, or ``name-2.ext``, ``name-3.ext``... if that file exists already."""
    name = Path(filename).name or "planbot"
    target = folder / name
    number = 2
    while target.exists():
        target = folder / f"{Path(name).stem}-{number}{Path(name).suffix}"
        number += 1
    return target


def save_attachment(folder: Path, attachment: Attachment) -> Path:
    """Write a file reply (chart, report) under ``folder`` without overwriting; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_path(folder, attachment.filename)
    target.write_bytes(attachment.content)
    return target.resolve()


def _print_reply(reply: Reply, files: Path) -> None:
    sys.stdout.write(reply.text + "\n")
    for number, choice in enumerate(reply.choices, start=1):
        sys.stdout.write(f"  {number}. {choice.label}\n")
    if reply.attachment is not None:
        try:
            path = save_attachment(files, reply.attachment)
        except OSError as error:
            sys.stdout.write(
                "  "
                + cli_text("Cannot write {path}: {error}").format(
                    path=files / reply.attachment.filename, error=error.strerror
                )
                + "\n"
            )
        else:
            sys.stdout.write("  " + cli_text("[file: {path}]").format(path=path) + "\n")
    sys.stdout.flush()


def _shell_messages(messages: list[str] | None, interactive: bool) -> Iterator[str]:
    """Each ``--message`` whole (newlines included); else standard input, one line per message."""
    if messages:
        yield from messages
        return
    while True:
        if interactive:
            sys.stdout.write("> ")
            sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            return
        yield line.removesuffix("\n").removesuffix("\r")


SHELL_AS_OPTION = typer.Option("so y te", "--as", metavar=N_("AGENCY"), help=SHELL_AS_HELP)
SHELL_AT_OPTION = typer.Option(None, "--at", metavar=N_("MOMENT"), help=AT_HELP)
SHELL_MESSAGE_OPTION = typer.Option(
    None, "--message", "-m", metavar=N_("TEXT"), help=SHELL_MESSAGE_HELP
)


@app.command("shell", help=SHELL_HELP)
def shell(
    as_: str = SHELL_AS_OPTION,
    at: str | None = SHELL_AT_OPTION,
    message: list[str] | None = SHELL_MESSAGE_OPTION,
) -> None:
    from handlers import ChatHandlers  # lazy: the conversation engine (start time of the others)

    current = current_settings()
    configure_logging(logging.WARNING, secrets=current.secret_values())
    clock: Clock | None = None
    if at is not None:
        clock = FrozenClock(parse_instant(at, current.tz))
    try:
        built = bootstrap(current, clock=clock)
    except PlanError as error:
        report_plan_error(error)
    try:
        external_id, agency_id, role = _shell_user(built, as_)
        chat = ChatHandlers(built, flood_limit=10_000)
        files = current.data_dir / SHELL_FILES
        interactive = not message and sys.stdin.isatty()
        name = built.plan.agency(agency_id).name
        if interactive:
            greeting = (
                "planbot shell: you are the secretariat ({agency}). Type /help for help, "
                "Ctrl-D to quit."
                if role == "secretariat"
                else "planbot shell: you are the focal point of {agency}. Type /help for help, "
                "Ctrl-D to quit."
            )
            sys.stdout.write(cli_text(greeting).format(agency=name) + "\n")
        run_id = f"{os.getpid()}-{datetime.now(current.tz).timestamp()}"
        for counter, text in enumerate(_shell_messages(message, interactive), start=1):
            incoming = Incoming(
                channel=SHELL_CHANNEL,
                chat_id=external_id,
                user_id=external_id,
                display_name=built.plan.agency(agency_id).short_name,
                received_at=built.clock.now(),
                text=text,
                message_id=f"{run_id}-{counter}",
            )
            for reply in asyncio.run(chat.handle(incoming)):
                _print_reply(reply, files)
        if interactive:
            sys.stdout.write("\n")
    finally:
        built.db.dispose()
