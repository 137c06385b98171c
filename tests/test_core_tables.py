"""The tables read with SQLAlchemy Core (no ORM) name the models' columns, of the models' types.

bot.progress reads ``status_update`` (a round's rows, a unit's newest reports in bot.latest)
through a Core description of the table, so that ``planbot digest`` starts without SQLModel and
the tables; these tests keep that description and the model from drifting apart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TableClause

from tests.support.cli_process import run_python


def _stored(kind: object) -> type:
    """The stored type (SQLModel's AutoString decorates String, say)."""
    return type(getattr(kind, "impl", kind))


def _same_columns(light: TableClause, model: Any) -> None:
    table = model.__table__
    assert light.name == table.name
    for column in light.columns:
        assert column.name in table.columns, column.name
        assert _stored(column.type) is _stored(table.columns[column.name].type), column.name


def test_the_status_updates_read_without_the_orm_name_the_models_columns() -> None:
    from bot.models import StatusUpdate
    from bot.progress import FOLD_COLUMNS, FOLD_NAMES, STATUS_UPDATE

    _same_columns(STATUS_UPDATE, StatusUpdate)
    assert [column.name for column in FOLD_COLUMNS] == list(FOLD_NAMES)


def test_the_snapshots_and_their_audit_entries_name_the_models_columns() -> None:
    from bot.audit_rows import AUDIT
    from bot.digest import DIGEST_SNAPSHOT
    from bot.models import AuditEntry, DigestSnapshot

    _same_columns(DIGEST_SNAPSHOT, DigestSnapshot)
    _same_columns(AUDIT, AuditEntry)
    # Every column of a snapshot is written (its audit entry lists them all, as the ORM's).
    model: Any = DigestSnapshot
    assert [c.name for c in DIGEST_SNAPSHOT.columns] == list(model.__table__.columns.keys())


# The ORM layer: SQLModel, its session, the tables and the audit trail's listeners.
ORM = ("sqlmodel", "sqlalchemy.orm", "bot.models", "bot.audit")


def test_the_round_fold_the_latest_reports_and_the_digest_import_no_orm() -> None:
    probe = (
        "import sys, bot.progress, bot.latest, bot.digest, bot.overview, bot.reports\n"
        f"print(' '.join(name for name in {ORM!r} if name in sys.modules))\n"
    )
    done = run_python(probe)
    assert done.stdout.strip() == ""
