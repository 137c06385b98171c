"""``planbot schedule`` (when the bot will act) and ``planbot remind`` (one reminder tick)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from contextlib import AsyncExitStack
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from bot.bootstrap import Services
from bot.cli.common import (
    FORMAT_OPTION,
    OutputFormat,
    app,
    console,
    fail,
    parse_instant,
    print_json,
    services,
    tr,
)
from bot.cli.startup import start_problem
from bot.config import Settings
from bot.db import Database
from bot.i18n import N_, Translator
from bot.messages import Channel, ChannelStartError
from bot.plan import Plan
from bot.plans import PlanEntry
from scheduler.calendar import ReportingCalendar
from scheduler.reminders import OwedMessage, ReminderInstant, ReminderSchedule
from scheduler.workdays import WorkingDays

if TYPE_CHECKING:  # planbot schedule needs neither the runner nor APScheduler (its imports)
    from scheduler.runner import SchedulerRunner, TickResult


def build_channels(settings: Settings, db: Database | None = None) -> dict[str, Channel]:
    """The channels configured in ``settings``, by name (:func:`bot.runtime.sending_channels`)."""
    # Lazy here and in _runner: the composition root loads the platform libraries, which
    # planbot schedule (same module) does not need.
    from bot import runtime

    return runtime.sending_channels(settings, db)


def schedule_of(built: Services, plan: Plan, workdays: WorkingDays) -> ReminderSchedule:
    """A plan's reminder instants, built as :meth:`SchedulerRunner.schedule_of` builds them
    (without the runner: ``planbot schedule`` then imports neither it nor APScheduler)."""
    settings = built.settings
    return ReminderSchedule(
        ReportingCalendar(plan.reporting, settings.tz),
        workdays,
        lead_days=settings.reminder_days,
        at_time=settings.reminder_time,
    )


def _runner(built: Services, channels: dict[str, Channel]) -> SchedulerRunner:
    """The scheduler as planbot run wires it (:func:`bot.runtime.scheduler_runner`)."""
    from bot import runtime

    return runtime.scheduler_runner(built, channels)


KIND_LABELS = {
    "before-due": N_("Before the due day"),
    "before-consolidation": N_("Before the consolidation day"),
    "overdue": N_("Overdue notice"),
}
OUTCOME_LABELS = {
    "sent": N_("sent"),
    "already": N_("already handled"),
    "failed": N_("failed (will be retried if possible)"),
    "unknown": N_("outcome unknown (not resent)"),
    "postponed": N_("postponed (rate limit)"),
    "no-channel": N_("channel not configured"),
    "stopped": N_("stopped"),
}
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def parse_day(text: str, option: str) -> date:
    """A date as YYYY-MM-DD or DD/MM/YYYY; exits 2 with a Vietnamese message otherwise."""
    _ = tr().gettext
    match = _DMY.match(text)
    try:
        if match is not None:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(
            _("{option}: «{value}» is not a date (use YYYY-MM-DD or DD/MM/YYYY).").format(
                option=option, value=text
            )
        )


@app.command(
    "schedule",
    help=N_(
        "Every moment the bot will remind: before the reports' due day, before the "
        "consolidation day, and the overdue notices."
    ),
)
def schedule_command(
    year: int | None = typer.Option(
        None, "--year", "-y", help=N_("The year to show (default: this year).")
    ),
    first: str | None = typer.Option(
        None, "--from", help=N_("From this day (YYYY-MM-DD or DD/MM/YYYY), with --to.")
    ),
    last: str | None = typer.Option(
        None, "--to", help=N_("To this day (YYYY-MM-DD or DD/MM/YYYY), the day included.")
    ),
    plan_code: str | None = typer.Option(
        None,
        "--plan",
        "-p",
        help=N_("Only the reminders of the plan with this code (e.g. kh38)."),
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    t = tr()
    _ = t.gettext
    if year is not None and (first is not None or last is not None):
        fail(_("Give either --year or --from and --to, not both."))
    if (first is None) != (last is None):
        fail(_("--from and --to go together."))
    with services() as built:
        workdays = WorkingDays(kept_in=built.settings.data_dir)
        entries = _chosen_plans(built, plan_code)
        # One plan column (the plan's code) when several plans are followed; with one plan
        # (or --plan) the schedule reads as it always did.
        several = len(entries) > 1
        schedules = [(entry.code, schedule_of(built, entry.plan, workdays)) for entry in entries]
        checked = schedules[0][1] if schedules else schedule_of(built, built.plan, workdays)
        if first is not None and last is not None:
            start, end = parse_day(first, "--from"), parse_day(last, "--to")
            _check_year(checked, start.year, "--from")
            _check_year(checked, end.year, "--to")
            if start > end:
                fail(_("--from must not be after --to."))
            found = [(code, i) for code, s in schedules for i in s.between(start, end)]
        else:
            chosen = year if year is not None else built.clock.now().year
            _check_year(checked, chosen, "--year")
            found = [(code, i) for code, s in schedules for i in s.year(chosen)]
    # Time order across plans; at one moment, the plans in the order they are followed.
    order = {code: index for index, (code, _s) in enumerate(schedules)}
    found.sort(key=lambda pair: (pair[1], order[pair[0]]))
    if output is OutputFormat.json:
        print_json(
            [
                {"plan": code, **instant.as_json()} if several else instant.as_json()
                for code, instant in found
            ]
        )
        return
    _print_schedule(t, found, several)


def _chosen_plans(built: Services, plan_code: str | None) -> list[PlanEntry]:
    """The followed plans ``--plan`` names (all of them without it); exits 2 on an unknown
    code, naming the codes there are."""
    entries = list(built.plans.entries)
    if plan_code is None:
        return entries
    entry = built.plans.entry(plan_code)
    if entry is None:
        fail(
            tr()
            .gettext("No plan has the code «{code}». Plans: {codes}.")
            .format(code=plan_code, codes=", ".join(e.code for e in entries) or "—")
        )
    return [entry]


def _check_year(schedule: ReminderSchedule, year: int, option: str) -> None:
    """Only years whose public holidays are known: elsewhere Tết would be a working day."""
    first, last = schedule.workdays.years
    if not first <= year <= last:
        fail(
            tr()
            .gettext(
                "{option}: the year {year} is outside {first}–{last}, "
                "the years whose public holidays are known."
            )
            .format(option=option, year=year, first=first, last=last)
        )


def _print_schedule(t: Translator, found: list[tuple[str, ReminderInstant]], several: bool) -> None:
    _ = t.gettext
    table = Table(title=_("Reminder schedule"))
    if several:
        table.add_column(_("Code"), no_wrap=True)
    for header in (
        _("When"),
        _("Period"),
        _("Kind"),
        _("Due (before)"),
        _("Days ahead"),
        _("Note"),
    ):
        table.add_column(header)
    for code, instant in found:
        note = ""
        if instant.moved_from is not None:
            note = _("moved from {date} (day off)").format(
                date=t.format_date(instant.moved_from, "short")
            )
        table.add_row(
            *([code] if several else []),
            t.format_datetime(instant.at),
            instant.period,
            _(KIND_LABELS[instant.kind]),
            t.format_date(instant.due, "short"),
            "" if instant.offset_days is None else str(instant.offset_days),
            note,
        )
    console.print(table)
    if not found:
        console.print(_("No reminder in this range."), markup=False)


@app.command(
    "remind",
    help=N_(
        "Run one reminder tick: send the reminders that are due and not yet sent (each message "
        "exactly once)."
    ),
)
def remind_command(
    at: str | None = typer.Option(
        None,
        "--at",
        metavar=N_("MOMENT"),
        help=N_(
            "The moment to run at (ISO, e.g. 2021-03-17T08:00+07:00; default: now). Without a "
            "time zone it is the configured time zone."
        ),
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help=N_("Only print the messages due to be sent; send nothing, record nothing."),
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    t = tr()
    _ = t.gettext
    with services() as built:
        now = parse_instant(at, built.settings.tz) if at is not None else built.clock.now()
        channels = build_channels(built.settings, built.db)
        checked = schedule_of(built, built.plan, WorkingDays(kept_in=built.settings.data_dir))
        _check_year(checked, now.astimezone(built.settings.tz).year, "--at")
        if dry_run:
            pending = _runner(built, channels).pending(now)
            _print_pending(t, pending, channels, output)
            return
        if not channels:
            fail(
                _(
                    "No sending channel is configured (set PLANBOT_TELEGRAM_TOKEN or "
                    "PLANBOT_ZALO_TOKEN); nothing was sent. Use --dry-run to see what is owed."
                )
            )
        try:
            result = asyncio.run(_remind_once(built, channels, now))
        except ChannelStartError as error:
            fail(start_problem(str(error), built.settings, error.__cause__))
    if not result.lease:
        fail(_("Another planbot process is sending reminders now; nothing was sent."), code=1)
    _print_result(t, result, output)
    if result.count("failed") or result.count("unknown"):
        raise typer.Exit(1)


async def _remind_once(built: Services, channels: dict[str, Channel], now: datetime) -> TickResult:
    async with AsyncExitStack() as stack:
        for channel in channels.values():
            if hasattr(channel, "__aenter__") and hasattr(channel, "__aexit__"):
                await stack.enter_async_context(channel)  # type: ignore[arg-type]
        runner = _runner(built, channels)
        # SIGTERM/SIGINT: no new sends; those on the wire finish; the rest stays in the ledger
        # for the next run (exit as usual, nothing lost, nothing doubled).
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, runner.stop_sending)
        try:
            return await runner.tick(now)
        finally:
            await runner.shutdown()


def _message_json(message: OwedMessage) -> dict[str, Any]:
    return {
        "channel": message.channel,
        "chat_id": message.chat_id,
        "period": message.period,
        "kind": message.kind,
        "instant": message.instant.isoformat(),
        "audience": message.audience,
        "agencies": list(message.agency_ids),
        "text": message.reply.text,
        "context": message.reply.context,
    }


def _print_pending(
    t: Translator, pending: list[OwedMessage], channels: dict[str, Channel], output: OutputFormat
) -> None:
    _ = t.gettext
    if output is OutputFormat.json:
        print_json([_message_json(message) for message in pending])
        return
    if not pending:
        console.print(_("Nothing is owed at this moment."), markup=False)
        return
    console.print(
        _("{count} messages are owed (dry run: nothing sent, nothing recorded):").format(
            count=len(pending)
        ),
        markup=False,
    )
    for message in pending:
        missing = "" if message.channel in channels else " " + _("(channel not configured)")
        console.print(
            f"\n── {message.channel}:{message.chat_id} · {message.period} · "
            f"{_(KIND_LABELS.get(message.kind, message.kind))} · "
            f"{t.format_datetime(message.instant)}{missing}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        console.print(message.reply.text, markup=False, highlight=False, soft_wrap=True)


def _print_result(t: Translator, result: TickResult, output: OutputFormat) -> None:
    _ = t.gettext
    if output is OutputFormat.json:
        print_json(
            {
                "at": result.at.isoformat(),
                "sent": result.sent,
                "deliveries": [
                    {
                        **_message_json(delivery.message),
                        "outcome": delivery.outcome,
                        "message_ids": list(delivery.message_ids),
                        "error": delivery.error,
                    }
                    for delivery in result.deliveries
                ],
            }
        )
        return
    table = Table(title=_("Reminders at {moment}").format(moment=t.format_datetime(result.at)))
    for header in (_("Chat"), _("Period"), _("Kind"), _("Agency"), _("Result")):
        table.add_column(header)
    for delivery in result.deliveries:
        message = delivery.message
        table.add_row(
            f"{message.channel}:{message.chat_id}",
            message.period,
            _(KIND_LABELS.get(message.kind, message.kind)),
            ", ".join(message.agency_ids),
            _(OUTCOME_LABELS[delivery.outcome]),
        )
    if result.deliveries:
        console.print(table)
    console.print(
        _("{sent} sent, {already} already handled, {failed} failed, {unknown} unknown.").format(
            sent=result.sent,
            already=result.count("already"),
            failed=result.count("failed"),
            unknown=result.count("unknown"),
        ),
        markup=False,
    )


__all__ = ["parse_day", "parse_instant", "remind_command", "schedule_command"]
