"""``planbot digest`` and ``planbot report``: the secretariat's digest and the consolidated report."""

from __future__ import annotations

import enum
import sys
from datetime import datetime
from pathlib import Path

import typer

from bot.bootstrap import Services
from bot.cli.common import app, fail, print_json, services, tr
from bot.clock import FrozenClock
from bot.digest import Digest, build_digest, default_round, parse_round, record_snapshot
from bot.i18n import Translator
from scheduler.calendar import Round, UnknownPeriod

CLI_AUDIENCE = "cli"


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
    help="Kỳ báo cáo: 2021-Q1, 2021-H1 (6 tháng), 2021-Q3, 2021-Y (năm); mặc định: kỳ hiện tại.",
)
AT_OPTION = typer.Option(
    None,
    "--at",
    help="Tính như tại thời điểm này (ISO 8601, ví dụ 2021-03-22T09:00+07:00; "
    "không có múi giờ thì hiểu là giờ địa phương).",
)

DIGEST_FORMAT_OPTION = typer.Option(
    DigestFormat.text, "--format", "-f", help="Định dạng: text (để đọc) hoặc json."
)
REPORT_FORMAT_OPTION = typer.Option(
    ReportFormat.docx, "--format", "-f", help="Định dạng: docx (Word), xlsx (Excel) hoặc md."
)
OUTPUT_OPTION = typer.Option(
    None,
    "--output",
    "-o",
    help="Tệp ghi ra; mặc định: bao-cao-<kỳ>.<định dạng> trong thư mục hiện tại "
    "(md: in ra màn hình).",
)


def _moment(built: Services, at: str | None, t: Translator) -> None:
    if at is None:
        return
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        fail(t.gettext("Not a date and time: «{value}» (e.g. 2021-03-22T09:00).").format(value=at))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=built.settings.tz)
    built.clock = FrozenClock(moment)


def _round(built: Services, period: str | None, t: Translator) -> Round:
    if period is None:
        return default_round(built.calendar, built.clock.now())
    try:
        return parse_round(built.calendar, period)
    except UnknownPeriod:
        fail(
            t.gettext(
                "There is no reporting round «{period}». Write it like 2021-Q1, 2021-H1 "
                "(6 months), 2021-Q3 or 2021-Y (the year)."
            ).format(period=period)
        )


def _digest(built: Services, round_: Round, audience: str | None) -> Digest:
    with built.db.session() as session:
        return build_digest(session, built.plan, round_, built.clock.now(), audience=audience)


@app.command("digest")
def digest_command(
    period: str | None = PERIOD_OPTION,
    output_format: DigestFormat = DIGEST_FORMAT_OPTION,
    at: str | None = AT_OPTION,
) -> None:
    """Tổng hợp tình hình báo cáo của một kỳ: đúng hạn, muộn, chưa báo cáo, quá hạn; vướng mắc."""
    from bot.reports import render_text  # matplotlib & co. only for the commands that need them

    t = tr()
    with services() as built:
        _moment(built, at, t)
        round_ = _round(built, period, t)
        digest = _digest(built, round_, CLI_AUDIENCE)
        if output_format is DigestFormat.json:
            data = digest.to_json()
            data["label"] = round_.label(t)
            print_json(data)
        else:
            sys.stdout.write(render_text(digest, t) + "\n")
        record_snapshot(built.db, digest)


@app.command("report")
def report_command(
    period: str | None = PERIOD_OPTION,
    output_format: ReportFormat = REPORT_FORMAT_OPTION,
    output: Path | None = OUTPUT_OPTION,
    at: str | None = AT_OPTION,
) -> None:
    """Dự thảo báo cáo tổng hợp của kỳ (thể thức Nghị định 30/2020/NĐ-CP), Word/Excel/Markdown."""
    from bot.reports import render_docx, render_markdown, render_xlsx

    t = tr()
    with services() as built:
        _moment(built, at, t)
        round_ = _round(built, period, t)
        digest = _digest(built, round_, None)
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
    target = output or Path(f"bao-cao-{round_.id}.{output_format.value}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    except OSError as error:
        fail(t.gettext("Cannot write {path}: {error}").format(path=target, error=error.strerror))
    sys.stdout.write(
        t.gettext("Wrote {path} ({round}).").format(path=target, round=round_.label(t)) + "\n"
    )
