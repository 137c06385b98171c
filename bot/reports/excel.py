"""The round as a workbook (openpyxl): one row per task item × unit, and the round summary.

Sheet 1 lists, for every task item of the plan, every unit concerned (its lead and coordinating
units; every reporting unit for the general tasks; any other unit that reported on it) with its
latest update; on a general task, a unit without its own update shows its report on the general
tasks, which covers them all (as the digest counts it). Sheet 2 is the summary: one row per unit with a mark in its bucket's column, and
the counts and shares per bucket. Headers are frozen, filters on, text wrapped, widths sized for
Vietnamese text. Times are written in local time (Excel has no time zones).
"""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.digest import Digest, ItemLine, UnitUpdate
from bot.i18n import Translator
from bot.progress import BUCKETS
from bot.reports.labels import BUCKET_COLORS, bucket_label, role_label, status_label

FONT_NAME = "Times New Roman"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def _local(digest: Digest, value: datetime | None) -> datetime | None:
    """Local wall time without zone: what Excel can store."""
    if value is None:
        return None
    return value.astimezone(digest.tz).replace(tzinfo=None)


def _header(sheet: Worksheet, headers: list[str], widths: list[int]) -> None:
    sheet.append(headers)
    for index, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(name=FONT_NAME, bold=True, size=12)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _style_body(sheet: Worksheet, first_row: int = 2) -> None:
    for row in sheet.iter_rows(min_row=first_row, max_row=sheet.max_row):
        for cell in row:
            cell.font = Font(name=FONT_NAME, size=12, bold=bool(cell.font and cell.font.bold))
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = _BORDER
            if isinstance(cell.value, datetime):
                cell.number_format = _DATETIME_FORMAT


def _rows_of(digest: Digest, item: ItemLine) -> list[tuple[str, str, UnitUpdate | None, bool]]:
    """(agency id, role, latest update or None, covered by the general report) per unit.

    A general task's row shows the unit's own update on it, else its report on the general tasks
    (one report covers 1.1–1.9, as the digest counts it).
    """
    by_agency = {update.agency_id: update for update in item.updates}
    if item.general:
        concerned = [(unit.agency_id, "general") for unit in digest.units]
    else:
        concerned = [(a, "lead") for a in item.lead_units] + [
            (a, "coordinate") for a in item.coordinate_units
        ]
    seen = {agency_id for agency_id, _role in concerned}
    concerned += [(u.agency_id, u.role) for u in item.updates if u.agency_id not in seen]
    rows: list[tuple[str, str, UnitUpdate | None, bool]] = []
    for agency_id, role in concerned:
        own = by_agency.get(agency_id)
        if own is None and item.general:
            covering = digest.general_update(agency_id)
            rows.append((agency_id, role, covering, covering is not None))
        else:
            rows.append((agency_id, role, own, False))
    return rows


def _general_note(t: Translator, digest: Digest, update: UnitUpdate) -> str:
    """ "[Báo cáo chung cho 1.1–1.9, gửi ở mục 1.1] " before a covering report's text."""
    return t.gettext("[General report for {range}, sent under {task}] ").format(
        range=digest.general_range, task=update.task_id
    )


def _detail_sheet(sheet: Worksheet, digest: Digest, t: Translator) -> None:
    _ = t.gettext
    sheet.title = _("Details")
    _header(
        sheet,
        [
            _("Round"),
            _("Item"),
            _("Task"),
            _("Unit"),
            _("Role"),
            _("Status"),
            _("Reported at"),
            _("Timeliness"),
            _("Corrected"),
            _("Update"),
        ],
        [14, 9, 48, 30, 14, 18, 18, 14, 11, 70],
    )
    label = digest.round.label(t)
    for item in digest.items_in_plan_order:
        for agency_id, role, update, covered in _rows_of(digest, item):
            try:
                unit_name = digest.plan.agency(agency_id).name
            except KeyError:
                unit_name = agency_id
            who = [label, item.task_id, item.title, unit_name, role_label(t, role)]
            if update is None:
                sheet.append([*who, status_label(t, "no_report"), None, None, None, None])
                continue
            sheet.append(
                [
                    *who,
                    status_label(t, update.status),
                    _local(digest, update.created_at),
                    _("late") if update.late else _("on time"),
                    _("yes") if update.corrected else "",
                    _general_note(t, digest, update) + " ".join(update.text.split())
                    if covered
                    else " ".join(update.text.split()),
                ]
            )
    _style_body(sheet)
    sheet.auto_filter.ref = f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}"


def _summary_sheet(sheet: Worksheet, digest: Digest, t: Translator) -> None:
    _ = t.gettext
    sheet.title = _("Summary")
    headers = [
        _("No."),
        _("Unit"),
        *(bucket_label(t, bucket) for bucket in BUCKETS),
        _("Reported at"),
        _("Items reported"),
        _("Items owed"),
    ]
    _header(sheet, headers, [7, 40, 16, 16, 18, 18, 18, 12, 12])
    for index, unit in enumerate(digest.units, start=1):
        sheet.append(
            [
                index,
                unit.name,
                *(1 if unit.bucket == bucket else None for bucket in BUCKETS),
                _local(digest, unit.reported_at),
                unit.done,
                unit.required,
            ]
        )
        fill = PatternFill("solid", fgColor=BUCKET_COLORS[unit.bucket].lstrip("#"))
        sheet.cell(row=sheet.max_row, column=3 + BUCKETS.index(unit.bucket)).fill = fill
    last_unit_row = sheet.max_row
    sheet.append([None, _("Total"), *(digest.count(bucket) for bucket in BUCKETS)])
    sheet.append([None, _("Share (%)"), *(digest.percent(bucket) for bucket in BUCKETS)])
    _style_body(sheet)
    for total_row in (sheet.max_row - 1, sheet.max_row):
        for cell in sheet[total_row]:
            cell.font = Font(name=FONT_NAME, size=12, bold=True)
    for row in sheet.iter_rows(min_row=2, min_col=3, max_col=2 + len(BUCKETS)):
        for cell in row:
            cell.alignment = Alignment(horizontal="center", vertical="top")
    sheet.auto_filter.ref = f"A1:{get_column_letter(sheet.max_column)}{last_unit_row}"


def render_xlsx(digest: Digest, t: Translator) -> bytes:
    """The workbook as bytes."""
    workbook = Workbook()
    details = workbook.active
    assert details is not None
    _detail_sheet(details, digest, t)
    _summary_sheet(workbook.create_sheet(), digest, t)
    workbook.properties.title = digest.round.label(t)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
