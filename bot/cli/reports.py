"""``planbot digest`` and ``planbot report``: the secretariat's digest and the consolidated report."""

from __future__ import annotations

import dataclasses
import enum
import sys
from pathlib import Path

import typer

from bot.bootstrap import Services
from bot.cli.common import (
    AT_HELP,
    app,
    fail,
    parse_instant,
    pick_plan,
    print_json,
    services,
    tr,
)
from bot.clock import FrozenClock
from bot.digest import Digest, build_digest, default_round, parse_round, record_snapshot
from bot.i18n import N_, Translator
from bot.plan import Plan
from scheduler.calendar import ReportingCalendar, Round, UnknownPeriod, not_owed_text

CLI_AUDIENCE = "cli"
CHART_HELP = N_(
    "Also write the digest's chart (PNG) to this file, e.g. tong-hop.png; its folders are created."
)


class DigestFormat(enum.StrEnum):
    text = "text"
    json = "json"


class ReportFormat(enum.StrEnum):
    docx = "docx"
    xlsx = "xlsx"
    md = "md"


PERIOD_OPTION = typer.Option(
    None,
    "--period",
    "-p",
    metavar=N_("ROUND"),
    help=N_(
        "Reporting round: 2021-Q1, 2021-H1 (6 months), 2021-Q3, 2021-Y (the year); default: "
        "the current round."
    ),
)
AT_OPTION = typer.Option(None, "--at", metavar=N_("MOMENT"), help=AT_HELP)
CHART_OPTION = typer.Option(None, "--chart", metavar=N_("FILE"), help=CHART_HELP)

DIGEST_FORMAT_OPTION = typer.Option(
    DigestFormat.text, "--format", "-f", help=N_("Format: text (to read) or json.")
)
REPORT_FORMAT_OPTION = typer.Option(
    ReportFormat.docx, "--format", "-f", help=N_("Format: docx (Word), xlsx (Excel) or md.")
)
OUTPUT_OPTION = typer.Option(
    None,
    "--output",
    "-o",
    metavar=N_("FILE"),
    help=N_(
        "File to write; default: bao-cao-<round>.<format> in the current folder (md: printed)."
    ),
)


def _moment(built: Services, at: str | None) -> None:
    """``--at``: the command speaks for that moment (nothing written after it counts)."""
    if at is not None:
        built.clock = FrozenClock(parse_instant(at, built.settings.tz))


DIGEST_PLAN_HELP = N_(
    'The plan\'s code, e.g. "kh38". With one plan it may be left out; with several, the digest '
    "without --plan is the overview of every plan (as with --all)."
)
REPORT_PLAN_HELP = N_(
    'The plan\'s code, e.g. "kh38". With one plan it may be left out; with several it is needed.'
)
ALL_HELP = N_(
    "The overview of every plan followed: each plan's current round, the units that have not "
    "reported and the blocked items."
)
DIGEST_PLAN_OPTION = typer.Option(None, "--plan", metavar=N_("CODE"), help=DIGEST_PLAN_HELP)
REPORT_PLAN_OPTION = typer.Option(None, "--plan", metavar=N_("CODE"), help=REPORT_PLAN_HELP)
ALL_OPTION = typer.Option(False, "--all", help=ALL_HELP)


def _plan(built: Services, code: str | None) -> Plan:
    return pick_plan(built.plans, code)


def _calendar(built: Services, plan: Plan) -> ReportingCalendar:
    return built.plans.calendar(plan.info.id)


def _round(built: Services, period: str | None, t: Translator, plan: Plan | None = None) -> Round:
    calendar = built.calendar if plan is None else _calendar(built, plan)
    if period is None:
        return default_round(calendar, built.clock.now())
    try:
        asked = parse_round(calendar, period)
    except UnknownPeriod:
        fail(
            t.gettext(
                "There is no reporting round «{period}». Write it like 2021-Q1, 2021-H1 "
                "(6 months), 2021-Q3 or 2021-Y (the year)."
            ).format(period=period)
        )
    not_owed = not_owed_text(t, calendar, asked)
    if not_owed is not None:
        fail(not_owed)
    return asked


def _digest(
    built: Services, round_: Round, audience: str | None, plan: Plan | None = None
) -> Digest:
    plan = plan or built.plan
    # A plain connection, not an ORM session: the digest reads the round with SQLAlchemy Core,
    # so the command starts without SQLModel and the tables (tests/test_cli_startup.py).
    with built.db.reading() as connection:
        digest = build_digest(connection, plan, round_, built.clock.now(), audience=audience)
    if len(built.plans) > 1:  # the headline says which plan
        digest = dataclasses.replace(digest, plan_code=built.plans.code(plan.info.id))
    return digest


def _overview(built: Services, output_format: DigestFormat, t: Translator) -> None:
    from bot.overview import build_overview
    from bot.reports.text import render_overview

    with built.db.reading() as connection:
        overview = build_overview(connection, built.plans, built.clock.now())
    if output_format is DigestFormat.json:
        print_json(overview.to_json())
        return
    sys.stdout.write(render_overview(overview, t) + "\n")
    if len(built.plans) > 1:
        sys.stdout.write(
            "\n"
            + t.gettext("One plan's digest: planbot digest --plan {code}").format(
                code=built.plans.entries[0].code
            )
            + "\n"
        )


@app.command(
    "digest",
    help=N_(
        "The reporting status of a round: on time, late, not yet reported, overdue; what is "
        "blocked."
    ),
)
def digest_command(
    period: str | None = PERIOD_OPTION,
    output_format: DigestFormat = DIGEST_FORMAT_OPTION,
    at: str | None = AT_OPTION,
    chart: Path | None = CHART_OPTION,
    plan_code: str | None = DIGEST_PLAN_OPTION,
    every_plan: bool = ALL_OPTION,
) -> None:
    from bot.reports import render_text  # matplotlib & co. only for the commands that need them

    t = tr()
    with services() as built:
        _moment(built, at)
        overview = every_plan or (plan_code is None and len(built.plans) > 1)
        if overview and (period is not None or chart is not None or plan_code is not None):
            fail(
                t.gettext(
                    "--period, --chart and --plan are for one plan's digest; the overview "
                    "shows each plan's current round. Choose one plan with --plan."
                )
            )
        if overview:
            _overview(built, output_format, t)
            return
        plan = _plan(built, plan_code)
        round_ = _round(built, period, t, plan)
        digest = _digest(built, round_, CLI_AUDIENCE, plan)
        if chart is not None:
            from bot.reports import render_chart_png

            _write(chart, render_chart_png(digest, t), t)
        if output_format is DigestFormat.json:
            data = digest.to_json()
            data["label"] = round_.label(t)
            if chart is not None:
                data["chart"] = str(chart)
            print_json(data)
        else:
            sys.stdout.write(render_text(digest, t) + "\n")
            if chart is not None:
                sys.stdout.write(t.gettext("Chart written to {path}.").format(path=chart) + "\n")
        record_snapshot(built.db, digest)


def _write(target: Path, content: bytes, t: Translator) -> None:
    """Write a file the operator asked for (folders created), or end with why it cannot be."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    except OSError as error:
        fail(t.gettext("Cannot write {path}: {error}").format(path=target, error=error.strerror))


@app.command(
    "report",
    help=N_(
        "The draft consolidated report of a round (layout of Decree 30/2020/NĐ-CP), "
        "Word/Excel/Markdown."
    ),
)
def report_command(
    period: str | None = PERIOD_OPTION,
    output_format: ReportFormat = REPORT_FORMAT_OPTION,
    output: Path | None = OUTPUT_OPTION,
    at: str | None = AT_OPTION,
    plan_code: str | None = REPORT_PLAN_OPTION,
) -> None:
    from bot.reports import render_docx, render_markdown, render_xlsx

    t = tr()
    with services() as built:
        _moment(built, at)
        plan = _plan(built, plan_code)
        round_ = _round(built, period, t, plan)
        digest = _digest(built, round_, None, plan)
        several = len(built.plans) > 1
    if output_format is ReportFormat.md:
        text = render_markdown(digest, t)
        if output is None:
            sys.stdout.write(text + "\n")
            return
        content = text.encode("utf-8")
    elif output_format is ReportFormat.docx:
        content = render_docx(digest, t)
    else:
        content = render_xlsx(digest, t)
    name = f"bao-cao-{digest.plan_code}-{round_.id}" if several else f"bao-cao-{round_.id}"
    target = output or Path(f"{name}.{output_format.value}")
    _write(target, content, t)
    sys.stdout.write(
        t.gettext("Wrote {path} ({round}).").format(path=target, round=round_.label(t)) + "\n"
    )
