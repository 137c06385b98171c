"""What the secretariat's pages show, computed from the digest and the stored updates.

Nothing here re-computes who reported: the matrix reads :class:`bot.digest.Digest` (its units'
buckets and missing items, its items' latest updates), the history reads the append-only
``status_update`` rows, the trends read one digest per round.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from bot.digest import Digest, ItemLine, UnitLine, build_digest
from bot.i18n import Translator
from bot.models import StatusUpdate, User
from bot.plan import Plan
from bot.progress import GENERAL, Bucket, unit_items
from bot.reports.labels import BUCKET_COLORS
from scheduler.calendar import ReportingCalendar, Round, TaskDue

__all__ = [
    "CELL_STATES",
    "Cell",
    "HistoryEntry",
    "Matrix",
    "Trend",
    "UnitItem",
    "UnitPlan",
    "build_matrix",
    "history",
    "rounds_until",
    "trend_svg",
    "trends",
    "unit_plan",
]

CellState = Literal["on_time", "late", "pending", "overdue", "blocked", "optional", "none"]
CELL_STATES: tuple[CellState, ...] = ("on_time", "late", "pending", "overdue", "blocked")
CellStatus = Literal["completed", "in_progress", "blocked", ""]


@dataclass(frozen=True)
class Cell:
    """One unit on one task item: its latest update, or what it still owes."""

    state: CellState
    status: CellStatus = ""
    update_id: int | None = None
    text: str = ""
    at: datetime | None = None
    corrected: bool = False


@dataclass(frozen=True)
class MatrixRow:
    unit: UnitLine
    cells: tuple[Cell, ...]

    @property
    def blocked(self) -> bool:
        return any(cell.state == "blocked" for cell in self.cells)


@dataclass(frozen=True)
class Matrix:
    items: tuple[ItemLine, ...]
    rows: tuple[MatrixRow, ...]


def _cell(digest: Digest, unit: UnitLine, item: ItemLine, now: datetime) -> Cell:
    return _unit_cell(digest, unit.agency_id, unit.missing, item, now)


def _unit_cell(
    digest: Digest, agency_id: str, missing: Sequence[str], item: ItemLine, now: datetime
) -> Cell:
    update = next((u for u in item.updates if u.agency_id == agency_id), None)
    if update is not None:
        state: CellState
        state = "blocked" if update.status == "blocked" else "late" if update.late else "on_time"
        status: CellStatus = (
            update.status if update.status in ("completed", "in_progress", "blocked") else ""  # type: ignore[assignment]
        )
        return Cell(
            state,
            status,
            update.update_id,
            update.text,
            update.created_at,
            update.corrected,
        )
    owes = (item.task_id in missing) or (item.general and GENERAL in missing)
    if owes:
        return Cell("overdue" if now >= digest.round.deadline else "pending")
    if item.general or agency_id in item.lead_units + item.coordinate_units:
        return Cell("optional")
    return Cell("none")


def build_matrix(
    digest: Digest,
    *,
    unit: str | None = None,
    state: str | None = None,
) -> Matrix:
    """Units x task items; ``unit`` keeps one unit, ``state`` the units in a bucket (or blocked)."""
    items = digest.items_in_plan_order
    now = digest.generated_at
    rows: list[MatrixRow] = []
    for line in digest.units:
        if unit and line.agency_id != unit:
            continue
        row = MatrixRow(line, tuple(_cell(digest, line, item, now) for item in items))
        if state == "blocked" and not row.blocked:
            continue
        if state in ("on_time", "late", "pending", "overdue") and line.bucket != state:
            continue
        rows.append(row)
    return Matrix(items, tuple(rows))


# --------------------------------------------------------------------------- history

EntryKind = Literal["report", "correction", "retraction", "refile"]


@dataclass(frozen=True)
class HistoryEntry:
    """One stored row, verbatim, with who sent it and from which message."""

    id: int
    kind: EntryKind
    task_id: str
    agency_id: str
    period: str
    status: str
    text: str
    late: bool
    at: datetime
    channel: str
    source_message_id: str | None
    refers_to: int | None
    who: str
    retracted: bool  # a report later undone
    corrected_to: str | None  # a report's status after its latest correction
    refiled_to: str | None = None  # the round a report was moved into
    plan_id: str = ""  # the plan the row belongs to


def history(
    session: Session,
    *,
    task_id: str | None = None,
    agency_id: str | None = None,
    period: str | None = None,
    plan_id: str | None = None,
) -> list[HistoryEntry]:
    """Every report, correction and undo (newest first), for a task (and its items) or a unit,
    of one plan when ``plan_id`` is given (task numbers repeat across plans)."""
    query = select(StatusUpdate)
    if plan_id is not None:
        query = query.where(col(StatusUpdate.plan_id) == plan_id)
    if task_id is not None:
        query = query.where(
            (col(StatusUpdate.task_id) == task_id)
            | col(StatusUpdate.task_id).startswith(task_id + ".")
        )
    if agency_id is not None:
        query = query.where(col(StatusUpdate.agency_id) == agency_id)
    if period is not None:
        query = query.where(col(StatusUpdate.period) == period)
    rows = session.exec(query.order_by(col(StatusUpdate.created_at), col(StatusUpdate.id))).all()
    user_ids = {row.user_id for row in rows if row.user_id is not None}
    users: dict[int, User] = {}
    if user_ids:
        for found in session.exec(select(User).where(col(User.id).in_(user_ids))).all():
            assert found.id is not None
            users[found.id] = found
    retracted = {row.refers_to for row in rows if row.kind == "retraction"}
    corrected: dict[int, str] = {}
    refiled: dict[int, str] = {}
    for row in rows:
        if row.kind == "correction" and row.refers_to is not None:
            corrected[row.refers_to] = row.status
        if row.kind == "refile" and row.refers_to is not None:
            refiled[row.refers_to] = row.period
    entries: list[HistoryEntry] = []
    for row in rows:
        assert row.id is not None
        user = users.get(row.user_id) if row.user_id is not None else None
        who = (user.display_name or f"{user.channel}:{user.external_id}") if user else ""
        kind: EntryKind = (
            row.kind if row.kind in ("correction", "retraction", "refile") else "report"  # type: ignore[assignment]
        )
        entries.append(
            HistoryEntry(
                id=row.id,
                kind=kind,
                task_id=row.task_id,
                agency_id=row.agency_id,
                period=row.period,
                status=row.status,
                text=row.text,
                late=row.late,
                at=row.created_at,
                channel=row.channel or (user.channel if user else ""),
                source_message_id=row.source_message_id,
                refers_to=row.refers_to,
                who=who,
                retracted=row.id in retracted,
                corrected_to=corrected.get(row.id),
                refiled_to=refiled.get(row.id),
                plan_id=row.plan_id,
            )
        )
    entries.reverse()
    return entries


# --------------------------------------------------------------------------- a unit in a plan

UnitRole = Literal["lead", "coordinate", "general"]


@dataclass(frozen=True)
class UnitItem:
    """One of a unit's items in a plan's round: its role, where it stands, its own deadline.

    The general tasks are one line (``task_id`` "1.1–1.9"): one report covers them all."""

    task_id: str
    title: str
    role: UnitRole
    cell: Cell
    link: str  # the task whose page shows its history ("1.1" for the general line)
    due: TaskDue | None = None


@dataclass(frozen=True)
class UnitPlan:
    """A unit's work in one plan: the plan's current round, the unit's state in it, its items
    and every update it sent under the plan (newest first)."""

    code: str
    digest: Digest
    line: UnitLine | None  # None: the unit owes no report in this plan (coordinating only)
    items: tuple[UnitItem, ...]
    entries: tuple[HistoryEntry, ...]

    @property
    def plan(self) -> Plan:
        return self.digest.plan

    @property
    def round(self) -> Round:
        return self.digest.round


def unit_plan(
    session: Session,
    code: str,
    plan: Plan,
    calendar: ReportingCalendar,
    round_: Round,
    agency_id: str,
    now: datetime,
) -> UnitPlan:
    """What the unit page shows of one plan (its digest of ``round_``, read at ``now``)."""
    digest = build_digest(session, plan, round_, now)
    line = next((unit for unit in digest.units if unit.agency_id == agency_id), None)
    missing = line.missing if line is not None else ()
    lead, coordinate, general = unit_items(plan, agency_id)
    roles: dict[str, UnitRole] = {item.id: "lead" for item in lead}
    roles.update((item.id, "coordinate") for item in coordinate if item.id not in roles)
    items: list[UnitItem] = []
    for item in digest.items_in_plan_order:
        role = roles.get(item.task_id)
        if role is None or item.general:
            continue
        task = plan.task(item.task_id)
        cell = _unit_cell(digest, agency_id, missing, item, now)
        items.append(
            UnitItem(item.task_id, item.title, role, cell, item.task_id, calendar.task_due(task))
        )
    general_ids = {item.id for item in general}
    general_lines = [item for item in digest.general_items if item.task_id in general_ids]
    if general_lines:
        cells = [_unit_cell(digest, agency_id, missing, item, now) for item in general_lines]
        reported = [cell for cell in cells if cell.at is not None]
        cell = max(reported, key=lambda c: (c.at, c.update_id or 0)) if reported else cells[0]
        first, last = general_lines[0], general_lines[-1]
        if first is last:  # one general task: its own number and title
            items.insert(0, UnitItem(first.task_id, first.title, "general", cell, first.task_id))
        else:
            label = f"{first.task_id}–{last.task_id}"
            items.insert(0, UnitItem(label, "", "general", cell, first.task_id))
    entries = history(session, agency_id=agency_id, plan_id=plan.info.id)
    return UnitPlan(code, digest, line, tuple(items), tuple(entries))


# --------------------------------------------------------------------------- trends


@dataclass(frozen=True)
class Trend:
    """On-time reporting across rounds: overall and per unit."""

    rounds: tuple[Round, ...]
    overall: tuple[float, ...]  # percent of units on time, per round
    units: tuple[tuple[str, str, tuple[Bucket, ...]], ...]  # (agency id, short name, buckets)
    closed: tuple[bool, ...] = ()  # the round's deadline has passed

    def unit_rate(self, buckets: Sequence[Bucket]) -> float | None:
        """Share of the closed rounds a unit reported on time, in percent (None: none closed).

        A round still open does not count: "not yet" is not "late".
        """
        counted = [b for b, closed in zip(buckets, self.closed, strict=True) if closed]
        if not counted:
            return None
        return round(100.0 * sum(1 for b in counted if b == "on_time") / len(counted), 1)


def rounds_until(calendar: ReportingCalendar, last: Round, count: int) -> tuple[Round, ...]:
    """``count`` rounds ending with ``last``, oldest first."""
    result = [last]
    while len(result) < count:
        result.insert(0, calendar.previous(result[0]))
    return tuple(result)


def trends(session: Session, plan: Plan, rounds: Sequence[Round], now: datetime) -> Trend:
    digests = [build_digest(session, plan, round_, now) for round_ in rounds]
    overall = tuple(d.percent("on_time") for d in digests)
    names = {unit.agency_id: unit.short_name for d in digests for unit in d.units}
    per_unit: dict[str, list[Bucket]] = {}
    for digest in digests:
        for unit in digest.units:
            per_unit.setdefault(unit.agency_id, []).append(unit.bucket)
    units = tuple(
        (agency_id, names[agency_id], tuple(buckets))
        for agency_id, buckets in per_unit.items()
        if len(buckets) == len(digests)
    )
    closed = tuple(now >= round_.deadline for round_ in rounds)
    return Trend(tuple(rounds), overall, units, closed)


def trend_svg(trend: Trend, t: Translator) -> bytes:
    """The chart: the overall on-time rate per round, and each unit's rate over the rounds."""
    _ = t.gettext
    units = list(trend.units)
    height = max(4.0, 0.28 * len(units) + 3.2)
    # matplotlib (~50 MiB) loads on the first chart drawn, not with planbot run (BENCHMARKS.md).
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, height))
    FigureCanvasSVG(figure)
    top, bottom = figure.subplots(
        2, 1, gridspec_kw={"height_ratios": [1.6, max(1.0, 0.14 * len(units))]}
    )
    labels = [round_.label(t) for round_ in trend.rounds]
    positions = list(range(len(labels)))
    top.plot(positions, list(trend.overall), marker="o", color=BUCKET_COLORS["on_time"])
    for x, y in zip(positions, trend.overall, strict=True):
        top.annotate(f"{t.format_number(y)}%", (x, y), textcoords="offset points", xytext=(0, 6))
    top.set_xticks(positions, labels, fontsize=8)
    top.set_ylim(0, 105)
    top.set_ylabel("%", fontsize=9)
    top.set_title(_("Units that reported on time, per round"), fontsize=11)
    top.grid(alpha=0.3)
    rates = [trend.unit_rate(buckets) for _id, _name, buckets in units]
    bars = list(range(len(units)))
    bottom.barh(
        bars,
        [max(rate, 1.0) if rate is not None else 0.0 for rate in rates],
        color=BUCKET_COLORS["on_time"],
    )
    bottom.set_yticks(bars, [name for _id, name, _b in units], fontsize=8)
    bottom.invert_yaxis()
    bottom.set_xlim(0, 100)
    bottom.set_xlabel(_("Share of these rounds reported on time (%)"), fontsize=9)
    bottom.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
