"""The latest status of each task of a unit, read without reading the unit's whole history.

"What's my task" shows, for every item of a unit, its newest report as it stands after
corrections (a retracted report gives way to the one before it). Folding the unit's whole
history (:func:`bot.progress.effective_updates`) made that answer grow with every round ever
reported (BENCHMARKS.md). Here one statement takes, for each task, its ``depth`` newest reports
through the index on (agency, task, time) (migration 0006) and, joined to them by UNION ALL,
their corrections and retractions through the index on ``refers_to``, and
:func:`bot.progress.fold_values` folds
that handful of rows. A task whose ``depth`` newest reports were all retracted is read whole,
so the answer is always the one the full fold gives.

On SQLite the tasks are one sub-select each, joined by UNION ALL. On PostgreSQL planning that
50-branch statement cost more than running it (2.5 of 5 ms, re-planned at every call: psycopg
prepares a statement only after 5 runs on one connection and forgets it at every ROLLBACK, which
ends every read session), so there the tasks are one array parameter, unnested and joined
LATERAL to each task's newest reports, and each report LATERAL to its amendments: a statement
of one text whatever the number of tasks, planned in 0.25 ms, whose every join is a nested loop
over an index whatever the table's statistics say (BENCHMARKS.md, ninth session).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ARRAY,
    CompoundSelect,
    Connection,
    Integer,
    String,
    bindparam,
    func,
    literal_column,
    true,
    union_all,
)
from sqlalchemy import column as raw_column
from sqlalchemy import select as sa_select

from bot.progress import (
    _RAW_COLUMNS,
    FOLD_KIND,
    FOLD_TASK,
    STATUS_UPDATE,
    EffectiveUpdate,
    FoldValues,
    _fold_lists,
    _time_reader,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# status_update read with SQLAlchemy Core (bot.progress.STATUS_UPDATE), not the ORM.
_SU = STATUS_UPDATE.c

DEPTH = 4
# Tasks per statement (each is one sub-select of the UNION ALL; SQLite allows 500 terms).
CHUNK = 200


def latest_effective_updates(
    session: Session | Connection,
    agency_id: str,
    task_ids: Sequence[str],
    *,
    depth: int = DEPTH,
    as_of: datetime | None = None,
    plan_id: str | None = None,
) -> dict[str, EffectiveUpdate]:
    """The newest effective update of each of ``task_ids`` that has one, for this agency.

    With ``as_of``: as they stood at that instant (rows written later are not read). With
    ``plan_id``: that plan's tasks only (task numbers repeat across plans).
    """
    wanted = list(dict.fromkeys(task_ids))
    rows: list[FoldValues] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows.extend(_newest_chains(session, agency_id, chunk, depth, as_of, plan_id))
    to_time = _time_reader(session)
    latest = _fold(rows, to_time)
    counts: dict[str, int] = {}
    for row in rows:
        if row[FOLD_KIND] == "report":
            task = row[FOLD_TASK]
            counts[task] = counts.get(task, 0) + 1
    # Every report read for these tasks was retracted, and there may be older ones.
    deeper = [t for t in wanted if t not in latest and counts.get(t, 0) >= depth]
    for task_id in deeper:
        older = _newest_chains(session, agency_id, [task_id], None, as_of, plan_id)
        latest.update(_fold(older, to_time))
    return latest


def _newest_chains(
    session: Session | Connection,
    agency_id: str,
    task_ids: Sequence[str],
    depth: int | None,
    as_of: datetime | None,
    plan_id: str | None = None,
) -> list[FoldValues]:
    """The ``depth`` newest reports of each task and their amendments, as plain rows of
    :data:`bot.progress.FOLD_COLUMNS` in time order (one statement)."""
    if not task_ids:
        return []
    params: dict[str, object] = {"agency": agency_id, "as_of": as_of, "plan_id": plan_id}
    connection = session if isinstance(session, Connection) else session.connection()
    if connection.dialect.name == "postgresql":
        statement = _newest_statement_postgresql(depth, as_of is not None, plan_id is not None)
        params["tasks"] = list(task_ids)
    else:
        statement = _newest_statement(len(task_ids), depth, as_of is not None, plan_id is not None)
        params.update({f"task_{index}": task_id for index, task_id in enumerate(task_ids)})
    return list(session.execute(statement, params).all())


@functools.lru_cache(maxsize=256)
def _newest_statement(
    count: int, depth: int | None, as_of: bool, plan: bool
) -> CompoundSelect[Any]:
    """The statement for ``count`` tasks, built once per shape (its values bound at each call):
    building the sub-selects of 50 tasks cost most of "what's my task" (BENCHMARKS.md).

    Plain rows, not ORM objects: loading 200 instrumented reports and reading their attributes
    in the fold was two thirds of what was left (BENCHMARKS.md, third session). Untyped
    columns (the driver's values, as :func:`bot.progress.round_heads` reads them): only the
    times of the reports kept are converted (BENCHMARKS.md, fifth session)."""
    per_task = []
    for index in range(count):
        query = (
            sa_select(_SU.id)
            .where(_SU.agency_id == bindparam("agency"))
            .where(_SU.task_id == bindparam(f"task_{index}"))
            .where(_SU.kind == "report")
            .where(_SU.created_at <= bindparam("as_of") if as_of else true())
            .where(_SU.plan_id == bindparam("plan_id") if plan else true())
            .order_by(_SU.created_at.desc(), _SU.id.desc())
        )
        if depth is not None:
            query = query.limit(depth)
        per_task.append(query.subquery().select())
    newest = (union_all(*per_task) if len(per_task) > 1 else per_task[0]).cte("newest")
    reports = sa_select(newest.c[0])
    columns = sa_select(*_RAW_COLUMNS).select_from(STATUS_UPDATE)
    own = columns.where(_SU.id.in_(reports))
    # Their amendments in a second statement (UNION ALL), not "id IN … OR refers_to IN …":
    # PostgreSQL read that OR by scanning the whole table (BENCHMARKS.md, sixth session). The
    # two are disjoint: the newest rows are reports, the amendments are not.
    amendments = columns.where(_SU.refers_to.in_(reports)).where(_SU.kind != "report")
    if as_of:
        amendments = amendments.where(_SU.created_at <= bindparam("as_of"))
    return union_all(own, amendments).order_by(raw_column("created_at"), raw_column("id"))


@functools.lru_cache(maxsize=8)
def _newest_statement_postgresql(depth: int | None, as_of: bool, plan: bool) -> CompoundSelect[Any]:
    """:func:`_newest_statement` for PostgreSQL: the tasks are the array ``tasks``.

    Both joins are LATERAL so that each is a nested loop over its index: the reports' because of
    their LIMIT, the amendments' because of its OFFSET 0 (without it PostgreSQL folds the
    sub-select into a plain join, and on a small or freshly grown table hashes a scan of the
    whole table instead: BENCHMARKS.md, ninth session). The reports are read whole where they
    are found (the index on (agency, task, time) leads to their rows), not looked up again by
    id."""
    wanted = (
        func.unnest(bindparam("tasks", type_=ARRAY(String)))
        .table_valued("task_id")
        .render_derived(name="wanted")
    )
    reports = (
        sa_select(*_RAW_COLUMNS)
        .select_from(STATUS_UPDATE)
        .where(_SU.agency_id == bindparam("agency"))
        .where(_SU.task_id == wanted.c.task_id)
        .where(_SU.kind == "report")
        .where(_SU.created_at <= bindparam("as_of") if as_of else true())
        .where(_SU.plan_id == bindparam("plan_id") if plan else true())
        .order_by(_SU.created_at.desc(), _SU.id.desc())
    )
    if depth is not None:
        reports = reports.limit(depth)
    report = reports.lateral("report")
    newest = sa_select(report).select_from(wanted).join(report, true()).cte("newest")
    amendments = (
        sa_select(*_RAW_COLUMNS)
        .select_from(STATUS_UPDATE)
        .where(_SU.refers_to == newest.c.id)
        .where(_SU.kind != "report")
        .where(_SU.created_at <= bindparam("as_of") if as_of else true())
        .offset(literal_column("0", Integer))
        .lateral("amendment")
    )
    return union_all(
        sa_select(newest), sa_select(amendments).select_from(newest).join(amendments, true())
    ).order_by(raw_column("created_at"), raw_column("id"))


def _fold(rows: Sequence[FoldValues], to_time: Callable[[Any], Any]) -> dict[str, EffectiveUpdate]:
    """The reports with their corrections and retractions applied, newest per task: the fold
    of :func:`bot.progress.fold_values` on the driver's values, an :class:`EffectiveUpdate`
    built (and its time converted) for each task's newest report only."""
    newest: dict[str, tuple[int, list[Any]]] = {}
    # The reports that stand, in time order (a report keeps its place): the last one of a
    # task wins.
    for report_id, values in _fold_lists(rows).items():
        newest[values[0]] = (report_id, values)
    latest: dict[str, EffectiveUpdate] = {}
    for task_id, (report_id, values) in newest.items():
        values[6] = to_time(values[6])
        values[7] = bool(values[7])  # an integer on SQLite
        latest[task_id] = EffectiveUpdate(report_id, *values)
    return latest
