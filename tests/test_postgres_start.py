"""On PostgreSQL too, the commands that read with SQLAlchemy Core start without the ORM, and the
tables still get their PostgreSQL options whenever the models are loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli_process import run_python
from tests.test_cli_startup import _run_probe

pytestmark = pytest.mark.postgres

ORM = ("sqlmodel", "sqlalchemy.orm", "bot.models", "bot.audit", "bot.planstore")


def _probe(argv: list[str], url: str, tmp_path: Path) -> tuple[set[str], str]:
    """The modules a command line imported on PostgreSQL, and what it wrote before."""
    return _run_probe(argv, tmp_path, PLANBOT_DATABASE_URL=url, PLANBOT_LOCALE="en")


def test_digest_and_schedule_on_postgresql_start_without_the_orm(
    postgres_url: str, tmp_path: Path
) -> None:
    _probe(["agencies"], postgres_url, tmp_path)  # first run: migrated, the plan loaded
    for argv, shown in {
        ("digest", "--at", "2021-03-10"): "2021",
        ("digest", "--at", "2021-03-10", "--format", "json"): '"totals"',
        ("schedule", "--year", "2021", "--format", "json"): '"before-due"',
        ("agencies", "--format", "json"): '"short_name"',
    }.items():
        modules, output = _probe(list(argv), postgres_url, tmp_path)
        assert shown in output, (argv, output[:500])
        assert "sqlalchemy.dialects.postgresql" in modules
        assert not {name for name in ORM if name in modules}, argv


def _where_of_the_unique_report_index(first: str, url: str) -> str:
    """The partial index's PostgreSQL WHERE as the models give it, the database opened before
    or after the models are imported."""
    opening = f"from bot.db import Database\nDatabase({url!r})\n"
    models = "import bot.models\n"
    probe = (
        (opening + models if first == "database" else models + opening)
        + "from bot.models import StatusUpdate\n"
        "(index,) = [i for i in StatusUpdate.__table__.indexes\n"
        "            if i.name == 'uq_status_update_report_source']\n"
        "print(index.dialect_kwargs.get('postgresql_where'))\n"
    )
    return run_python(probe).stdout.strip()


@pytest.mark.parametrize("first", ["database", "models"])
def test_the_tables_get_their_postgresql_options_in_either_order(
    postgres_url: str, first: str
) -> None:
    where = _where_of_the_unique_report_index(first, postgres_url)
    assert where == "kind = 'report' AND source_message_id IS NOT NULL"
