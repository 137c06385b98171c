"""Who has reported what, for a reporting round.

A unit "has reported" for a round when every task item it leads, and the general tasks 1.1–1.9
as one whole (any one of them), have an update in that round. Coordinating items are shown but do
not hold it back. Updates are append-only rows: a retraction cancels the report it refers to, a
correction changes its status (and text), a re-filing moves it to another round (and its
lateness there); the report keeps its original time.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import (
    Boolean,
    CompoundSelect,
    Connection,
    Integer,
    Select,
    String,
    bindparam,
    column,
    func,
    table,
    union_all,
)
from sqlalchemy import column as raw_column
from sqlalchemy import select as sa_select

from bot.dbtypes import AwareDateTime
from bot.plan import Agency, Plan, TaskItem
from scheduler.calendar import Round

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.models import StatusUpdate

# The columns of bot.models.StatusUpdate that the fold reads (the same types), read with
# SQLAlchemy Core, not the ORM: ``planbot digest`` then starts without SQLModel and the tables
# (as bot.storedplans reads the plans; tests/test_core_tables.py checks them against the model).
# A reader is an ORM session (the chat handlers, the scheduler) or a plain connection
# (:meth:`bot.db.Database.reading`).
STATUS_UPDATE = table(
    "status_update",
    column("id", Integer),
    column("kind", String),
    column("refers_to", Integer),
    column("task_id", String),
    column("agency_id", String),
    column("user_id", Integer),
    column("period", String),
    column("status", String),
    column("text", String),
    column("created_at", AwareDateTime()),
    column("late", Boolean),
    column("percent", Integer),
    column("plan_id", String),
)
_SU = STATUS_UPDATE.c

Bucket = Literal["on_time", "late", "pending", "overdue"]
BUCKETS: tuple[Bucket, ...] = ("on_time", "late", "pending", "overdue")
GENERAL = "general"


@dataclass(frozen=True)
class EffectiveUpdate:
    """A report as it stands after its corrections (retracted reports are dropped)."""

    id: int
    task_id: str
    agency_id: str
    user_id: int | None
    period: str
    status: str
    text: str
    created_at: datetime
    late: bool
    corrected: bool = False
    refiled_from: str | None = None  # the round it was first filed into, when re-filed
    percent: int | None = None
    plan_id: str = ""


# The columns the fold reads, in this order (plain rows of these columns are folded as tuples:
# reading a SQLAlchemy row's attributes by name cost a round's fold more than the fold itself).
FOLD_NAMES = (
    "id",
    "kind",
    "refers_to",
    "task_id",
    "agency_id",
    "user_id",
    "period",
    "status",
    "text",
    "created_at",
    "late",
    "percent",
    "plan_id",
)
FOLD_COLUMNS = tuple(STATUS_UPDATE.columns[name] for name in FOLD_NAMES)
_fold_values_of = operator.attrgetter(*FOLD_NAMES)
FoldValues = tuple[Any, ...]
# The same columns untyped: the driver's values, no conversion per row (round_heads converts
# the rows it keeps).
_RAW_COLUMNS: tuple[Any, ...] = tuple(raw_column(name) for name in FOLD_NAMES)
FOLD_KIND = FOLD_NAMES.index("kind")
FOLD_TASK = FOLD_NAMES.index("task_id")


def effective_updates(
    session: Session | Connection,
    *,
    period: str | None = None,
    agency_ids: Iterable[str] | None = None,
    task_id: str | None = None,
    as_of: datetime | None = None,
    plan_id: str | None = None,
) -> list[EffectiveUpdate]:
    """Reports with their amendments applied (retractions removed), oldest first.

    With ``plan_id``: that plan's only (rounds and task numbers repeat across plans).

    With ``period``: the reports that stand in that round after re-filings (a report filed
    elsewhere and moved here, not one moved away). With ``as_of``: as they stood at that
    instant; reports and amendments written after it are not counted (``planbot digest --at``,
    ``planbot shell --at``, a replay).
    """
    _check_aware(as_of)
    units = list(agency_ids) if agency_ids is not None else None
    query = _rows_query(
        FOLD_COLUMNS, period=period, units=units, task_id=task_id, as_of=as_of, plan_id=plan_id
    )
    rows: Iterable[FoldValues] = session.execute(query).all()
    if period is not None and (plan_id is not None or units is not None):
        wanted = set(units) if units is not None else None
        rows = [
            row
            for row in rows
            if (plan_id is None or row[-1] == plan_id) and (wanted is None or row[4] in wanted)
        ]
    folded = fold_values(rows)
    if period is None:
        return folded
    return [update for update in folded if update.period == period]


@dataclass(frozen=True)
class RoundHead:
    """One unit's item in a round: its newest effective update there, and when the unit first
    reported on it (the earliest report that stands there)."""

    update: EffectiveUpdate
    first_at: datetime


def round_heads(
    session: Session | Connection,
    period: str,
    *,
    plan_id: str,
    agency_ids: Iterable[str] | None = None,
    as_of: datetime | None = None,
) -> list[RoundHead]:
    """Each unit's item's newest effective update in a round and its first report's time,
    oldest first: :func:`effective_updates` of the round reduced to what a round's progress
    and its digest read (:func:`progress_of_heads`, ``bot.digest``).

    The same rows and the same fold as :func:`effective_updates`, without its per-row costs
    (BENCHMARKS.md, fourth session): the rows are read as the driver gives them (no type
    conversion: on SQLite a time is its stored text, which orders as the time does), and only
    the kept rows' times are converted, an :class:`EffectiveUpdate` built only for each item's
    newest report (a round of 10,000 reports: 5,000 instead of 10,000, and 11,111 times
    converted no more). tests/test_round_fold.py checks it against the fold of every row.
    """
    _check_aware(as_of)
    units = list(agency_ids) if agency_ids is not None else None
    params: dict[str, Any] = {"period": period, "plan_id": plan_id, "units": units, "as_of": as_of}
    query = _heads_query(units is not None, as_of is not None)
    rows: Iterable[FoldValues] = session.execute(query, params).all()
    wanted = set(units) if units is not None else None
    rows = [row for row in rows if row[-1] == plan_id and (wanted is None or row[4] in wanted)]
    reports = _fold_lists(rows)
    # Newest first: the first report met per item is its newest, the last its first.
    newest: dict[tuple[str, str], tuple[int, list[Any]]] = {}
    first: dict[tuple[str, str], Any] = {}
    for report_id in reversed(reports):
        values = reports[report_id]
        if values[3] != period:
            continue
        key = (values[1], values[0])
        if key not in newest:
            newest[key] = (report_id, values)
        first[key] = values[6]
    to_time = _time_reader(session)
    heads: list[RoundHead] = []
    for key, (report_id, values) in reversed(newest.items()):
        stored, started = values[6], first[key]
        values[6] = created = to_time(stored)
        values[7] = bool(values[7])  # an integer on SQLite
        first_at = created if started == stored else to_time(started)
        heads.append(RoundHead(EffectiveUpdate(report_id, *values), first_at))
    return heads


@functools.lru_cache(maxsize=8)
def _heads_query(units: bool, as_of: bool) -> Select[Any] | CompoundSelect[Any]:
    """:func:`round_heads`' statement, built once per shape (its values bound at each call:
    building it was a tenth of a unit's "what's my task")."""
    return _rows_query(
        _RAW_COLUMNS,
        period=bindparam("period"),
        units=bindparam("units", expanding=True) if units else None,
        task_id=None,
        as_of=bindparam("as_of") if as_of else None,
        plan_id=bindparam("plan_id"),
    )


def _check_aware(moment: datetime | None) -> None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError(f"naive datetime {moment!r}")


def _time_reader(session: Session | Connection) -> Callable[[Any], Any]:
    """The conversion :class:`~bot.dbtypes.AwareDateTime` gives a stored time on this database
    (on SQLite its text, "2025-12-01 08:00:00.000000", read directly: SQLAlchemy's reader and
    then AwareDateTime's cost two calls more per time)."""
    dialect = (session if isinstance(session, Connection) else session.connection()).dialect
    if dialect.name == "sqlite":
        return _sqlite_time
    reader = _TIME_READERS.get(dialect.name)
    if reader is None:
        processor = AwareDateTime().dialect_impl(dialect).result_processor(dialect, None)
        assert processor is not None  # process_result_value at least
        reader = _TIME_READERS[dialect.name] = processor
    return reader


def _sqlite_time(value: Any) -> datetime:
    # The stored text is UTC without an offset: parsed with "+00:00" appended, the time comes
    # out aware in one call (``.replace(tzinfo=UTC)`` after parsing cost a round's 10,000
    # times 9 times as much: BENCHMARKS.md, sixth session).
    try:
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:  # text written with an offset by other code
        return datetime.fromisoformat(value).replace(tzinfo=UTC)


_TIME_READERS: dict[str, Callable[[Any], Any]] = {}


def _rows_query(
    columns: Sequence[Any],
    *,
    period: Any,
    units: Any,
    task_id: str | None,
    as_of: Any,
    plan_id: Any,
) -> Select[Any] | CompoundSelect[Any]:
    """The rows :func:`effective_updates` folds, in the fold's order (time, then id); the
    values given, or bound parameters standing for them (:func:`_heads_query`)."""
    # Plain rows, not ORM objects: building 10,000 instrumented objects cost a digest about
    # half a second (BENCHMARKS.md); the fold reads the same attributes from a row.
    query = sa_select(*columns).select_from(STATUS_UPDATE)
    if as_of is not None:
        query = query.where(_SU.created_at <= as_of)
    if task_id is not None:  # a task and the items under it ("2.2" also gives 2.2.1, 2.2.2)
        query = query.where((_SU.task_id == task_id) | _SU.task_id.startswith(task_id + "."))
    if period is None:
        if plan_id is not None:
            query = query.where(_SU.plan_id == plan_id)
        if units is not None:
            query = query.where(_SU.agency_id.in_(units))
    else:
        # Whole chains (report and amendments) that touch the round: a re-filing row carries
        # the new round, the report the old one.
        chain = func.coalesce(_SU.refers_to, _SU.id)
        touching = sa_select(chain).where(_SU.period == period)
        # The round's rows through the (unit, round) index when units are named (a unit's
        # round is a hundred rows), else through the (plan, round) index.
        if units is not None:
            touching = touching.where(_SU.agency_id.in_(units))
        elif plan_id is not None:
            touching = touching.where(_SU.plan_id == plan_id)
        # A chain's rows are its report (id) and its amendments (refers_to): two index look-ups
        # (migration 0006), where coalescing every row's chain would scan the whole history.
        # The plan and the units are not named beside them: a condition on either made SQLite
        # read the rows through the (plan, round) or (unit, round) index instead, i.e. the
        # plan's or the unit's whole history (BENCHMARKS.md, third session). The rows read are
        # checked against them here instead.
        # Two statements joined by UNION ALL, not one with "id IN … OR refers_to IN …":
        # PostgreSQL cannot read an OR of two IN sub-selects through the indexes and scanned
        # the whole table (a unit's round: 52 ms of 222,222 rows; BENCHMARKS.md, sixth
        # session). They give the rows of the OR: an amendment refers to a report
        # (bot/updates.py), whose own refers_to is empty, so no row is in both (and a row read
        # twice would be folded twice to the same result). Leaving out of the second the rows
        # of the first made PostgreSQL scan the table for it (a round: 134 ms instead of 45).
        chains = touching.cte("touching")
        heads = sa_select(chains.c[0])
        own = query.where(_SU.id.in_(heads))
        amendments = query.where(_SU.refers_to.in_(heads))
        return union_all(own, amendments).order_by(raw_column("created_at"), raw_column("id"))
    return query.order_by(_SU.created_at, _SU.id)


def fold_updates(rows: Sequence[StatusUpdate]) -> list[EffectiveUpdate]:
    """Apply corrections and retractions (rows in time order) to their reports."""
    return fold_values(map(_fold_values_of, rows))


def fold_values(rows: Iterable[FoldValues]) -> list[EffectiveUpdate]:
    """The fold of rows given as tuples of :data:`FOLD_NAMES`, in time order.

    The chains are folded on plain values and an :class:`EffectiveUpdate` is built once per
    report that stands (a round's 11,000 rows built and replaced about 11,000 frozen objects:
    BENCHMARKS.md, third session).
    """
    reports = _fold_lists(rows)
    folded = [EffectiveUpdate(report_id, *values) for report_id, values in reports.items()]
    folded.sort(key=_TIME_ORDER)
    return folded


def _fold_lists(rows: Iterable[FoldValues]) -> dict[int, list[Any]]:
    """The fold on plain values: report id -> its fields after its id (as
    :class:`EffectiveUpdate` orders them), the reports that stand, in the rows' order (a
    report enters once and is only ever removed, so the rows' time order is kept)."""
    # id -> [task, agency, user, period, status, text, created, late, corrected, refiled
    # from, percent, plan]: EffectiveUpdate's fields after its id
    reports: dict[int, list[Any]] = {}
    for (
        row_id,
        kind,
        target,
        task,
        agency,
        user,
        period,
        status,
        text,
        created,
        late,
        percent,
        plan,
    ) in rows:
        assert row_id is not None
        if kind == "report":
            reports[row_id] = [
                task, agency, user, period, status, text, created, late, False, None, percent, plan
            ]  # fmt: skip
            continue
        original = reports.get(target) if target is not None else None
        if original is None:
            continue
        if kind == "retraction":
            del reports[target]
        elif kind == "correction":
            original[4] = status
            original[5] = text or original[5]
            original[8] = True
            if percent is not None:
                original[10] = percent
        elif kind == "refile":
            original[9] = original[9] or original[3]
            original[3] = period
            original[7] = late
    return reports


_TIME_ORDER = operator.attrgetter("created_at", "id")


@dataclass(frozen=True)
class UnitProgress:
    """One unit's reporting state for one round."""

    agency: Agency
    round: Round
    lead_items: tuple[TaskItem, ...]
    coordinate_items: tuple[TaskItem, ...]
    general_items: tuple[TaskItem, ...]
    missing: tuple[str, ...]  # task ids it leads without an update, and GENERAL
    reported_at: datetime | None  # when the last requirement was met
    latest: dict[str, EffectiveUpdate] = field(default_factory=dict)  # task id -> newest

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def missing_items(self) -> tuple[TaskItem, ...]:
        """Lead items still missing, then the general items if the general part is missing."""
        lead = tuple(item for item in self.lead_items if item.id in self.missing)
        general = self.general_items if GENERAL in self.missing else ()
        return lead + general

    def bucket(self, now: datetime) -> Bucket:
        """The four buckets of government task tracking."""
        if not self.missing:
            if self.reported_at is None:  # it owes nothing in this round
                return "on_time"
            return "on_time" if self.reported_at < self.round.deadline else "late"
        return "overdue" if now >= self.round.deadline else "pending"


def unit_items(
    plan: Plan, agency_id: str
) -> tuple[tuple[TaskItem, ...], tuple[TaskItem, ...], tuple[TaskItem, ...]]:
    """(lead items, coordinating items, general items) of one agency."""
    lead: list[TaskItem] = []
    coordinate: list[TaskItem] = []
    general: list[TaskItem] = []
    for item, role in plan.assignments_of(agency_id):
        if item.general:
            general.append(item)
        elif role == "lead":
            lead.append(item)
        else:
            coordinate.append(item)
    if not general and agency_id in plan.reporting_units():
        # The general tasks name no agency: they bind every unit that reports under the plan.
        general = [task for task in plan.tasks if task.general]
    return tuple(lead), tuple(coordinate), tuple(general)


def compute_progress(
    plan: Plan, round_: Round, agency_id: str, updates: Iterable[EffectiveUpdate]
) -> UnitProgress:
    """One unit's state from its effective updates of the round."""
    return _progress(plan, round_, agency_id, ((update, update.created_at) for update in updates))


def _progress(
    plan: Plan,
    round_: Round,
    agency_id: str,
    updates: Iterable[tuple[EffectiveUpdate, datetime]],
) -> UnitProgress:
    """One unit's state from its effective updates of the round in time order, each with the
    time of the unit's first report on its item (its own time, or a :class:`RoundHead`'s)."""
    lead, coordinate, general = unit_items(plan, agency_id)
    first_seen: dict[str, datetime] = {}
    latest: dict[str, EffectiveUpdate] = {}
    general_ids = {item.id for item in general}
    for update, first_at in updates:
        if update.agency_id != agency_id or update.period != round_.id:
            continue
        latest[update.task_id] = update
        key = GENERAL if update.task_id in general_ids else update.task_id
        seen = first_seen.get(key)
        if seen is None or first_at < seen:
            first_seen[key] = first_at
    # A plan without general tasks asks for none: the general part is owed only when it exists.
    required = [item.id for item in lead] + ([GENERAL] if general else [])
    missing = tuple(key for key in required if key not in first_seen)
    reported_at = max(first_seen[key] for key in required) if required and not missing else None
    return UnitProgress(
        agency=plan.agency(agency_id),
        round=round_,
        lead_items=lead,
        coordinate_items=coordinate,
        general_items=general,
        missing=missing,
        reported_at=reported_at,
        latest=latest,
    )


def item_owed(
    plan: Plan,
    round_: Round,
    agency_id: str,
    task_id: str,
    updates: Iterable[EffectiveUpdate],
) -> bool:
    """Whether a unit still owes a report on an item for a round.

    It owes it while it has not reported everything for the round and has no update on that
    item there (for a general task: on any general task, one report covers them). An item it
    coordinates counts too: it is part of the unit's report.
    """
    progress = compute_progress(plan, round_, agency_id, updates)
    if progress.complete:
        return False
    general_ids = {item.id for item in progress.general_items}
    if task_id in general_ids:
        return GENERAL in progress.missing
    return task_id not in progress.latest


def round_progress(
    session: Session | Connection,
    plan: Plan,
    round_: Round,
    agency_ids: Iterable[str] | None = None,
    *,
    as_of: datetime | None = None,
) -> list[UnitProgress]:
    """Every reporting unit's state for a round (one query), in the plan's agency order.

    With ``as_of``, the state at that instant (see :func:`effective_updates`).
    """
    units = list(agency_ids) if agency_ids is not None else list(plan.reporting_units())
    heads = round_heads(session, round_.id, agency_ids=units, as_of=as_of, plan_id=plan.info.id)
    return progress_of_heads(plan, round_, heads, units)


def progress_of(
    plan: Plan,
    round_: Round,
    updates: Iterable[EffectiveUpdate],
    agency_ids: Iterable[str] | None = None,
) -> list[UnitProgress]:
    """Every reporting unit's state from the round's effective updates already read (the
    digest folds the round once for its units and its items)."""
    units = list(agency_ids) if agency_ids is not None else list(plan.reporting_units())
    by_agency: dict[str, list[EffectiveUpdate]] = {unit: [] for unit in units}
    for update in updates:
        by_agency.setdefault(update.agency_id, []).append(update)
    return [compute_progress(plan, round_, unit, by_agency[unit]) for unit in units]


def progress_of_heads(
    plan: Plan,
    round_: Round,
    heads: Iterable[RoundHead],
    agency_ids: Iterable[str] | None = None,
) -> list[UnitProgress]:
    """:func:`progress_of` from the round's :func:`round_heads` (the same states: a unit's
    progress reads only each item's newest update and its first report's time)."""
    units = list(agency_ids) if agency_ids is not None else list(plan.reporting_units())
    by_agency: dict[str, list[tuple[EffectiveUpdate, datetime]]] = {unit: [] for unit in units}
    for head in heads:
        by_agency.setdefault(head.update.agency_id, []).append((head.update, head.first_at))
    return [_progress(plan, round_, unit, by_agency[unit]) for unit in units]
