"""Shared fixtures: a real SQLite file per test, a real PostgreSQL database where configured,
a frozen clock, and the seed plan loaded through the same bootstrap as production."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import Services, bootstrap
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REPO_ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL_ENV = (
    "PLANBOT_TEST_POSTGRES_URL"  # e.g. postgresql+psycopg://postgres@127.0.0.1/postgres
)
REQUIRE_POSTGRES_ENV = "PLANBOT_TEST_REQUIRE_POSTGRES"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware datetime in Asia/Ho_Chi_Minh: local(2021, 3, 17, 8)."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(local(2021, 3, 10, 9, 0))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'planbot.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    server = os.environ.get(POSTGRES_URL_ENV)
    if not server:
        if os.environ.get(REQUIRE_POSTGRES_ENV):
            pytest.fail(f"{POSTGRES_URL_ENV} is required but not set")
        pytest.skip(f"no PostgreSQL: set {POSTGRES_URL_ENV} to run this test on it")
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server)
    name = f"planbot_test_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Parametrises a storage test over a SQLite file and a PostgreSQL database."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": tmp_path / "data",
        "telegram_token": None,
        "zalo_token": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    return make_settings(tmp_path, sqlite_url)


@pytest.fixture
def services(settings: Settings, clock: FrozenClock) -> Iterator[Services]:
    """The seed plan on a migrated SQLite file, with the frozen clock."""
    built = bootstrap(settings, clock=clock)
    yield built
    built.db.dispose()


@pytest.fixture
def db(services: Services) -> Database:
    return services.db
