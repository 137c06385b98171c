"""Shared fixtures: a real SQLite file per test, a real PostgreSQL database where configured,
a frozen clock, and the seed plan loaded through the same bootstrap as production.

Migrating a database and loading the seed plan cost most of a short test. So they are done once
per session in a template (per plan file and clock time) and copied for each test: on SQLite a
file copy, on PostgreSQL ``CREATE DATABASE ... TEMPLATE``. The copy is then opened by the same
``bootstrap`` as production, which finds it at the newest migration with the plan stored.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import Services, bootstrap
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database

# The suite's output does not depend on the terminal it is started from: a test that renders a
# table sets COLUMNS itself. pytest-xdist's workers inherit COLUMNS=80 and LINES=24, and rich's
# module-level consoles (bot.cli.common) would fix their width from them when first imported,
# ignoring the width a test asks for later; without them rich reads COLUMNS at each render.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

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


def _postgres_server() -> str:
    server = os.environ.get(POSTGRES_URL_ENV)
    if not server:
        if os.environ.get(REQUIRE_POSTGRES_ENV):
            pytest.fail(f"{POSTGRES_URL_ENV} is required but not set")
        pytest.skip(f"no PostgreSQL: set {POSTGRES_URL_ENV} to run this test on it")
    return server


class PostgresServer:
    """Creates and drops the per-test databases on the test server."""

    def __init__(self, server: str) -> None:
        from sqlalchemy.engine import make_url

        self.url = make_url(server)
        self.admin = self.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> None:
        import psycopg

        clause = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self.admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"{clause}')

    def drop(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _new_name() -> str:
    return f"planbot_test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    server = PostgresServer(_postgres_server())
    name = _new_name()
    server.create(name)
    try:
        yield server.url_of(name)
    finally:
        server.drop(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Parametrises a storage test over a SQLite file and a PostgreSQL database."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


class Templates:
    """Databases migrated with the seed plan loaded, built once per session, copied per test.

    One template per (backend, plan file, clock time): the plan's rows carry the time it was
    loaded, so a test with another clock gets its own template, exactly as bootstrap would.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._sqlite: dict[tuple[str, int, str], Path] = {}
        self._postgres: dict[tuple[str, int, str], str] = {}
        self._server: PostgresServer | None = None

    @staticmethod
    def _key(settings: Settings, clock: FrozenClock) -> tuple[str, int, str]:
        plan = settings.resolved_plan_path()
        return str(plan), plan.stat().st_mtime_ns, clock.now().isoformat()

    def _build(self, settings: Settings, url: str, clock: FrozenClock) -> None:
        template = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=url,
            data_dir=self.directory / "data",
            plan=settings.resolved_plan_path(),
            telegram_token=None,
            zalo_token=None,
        )
        bootstrap(template, clock=FrozenClock(clock.now())).db.dispose()

    def sqlite_copy(self, settings: Settings, clock: FrozenClock) -> None:
        """Put a copy of the template at the settings' SQLite file, unless it already exists."""
        database = Database(settings.resolved_database_url)
        database.dispose()
        target = Path(str(database.url.database))
        if not database.is_sqlite or target.exists() or str(target) in ("", ":memory:"):
            return
        key = self._key(settings, clock)
        path = self._sqlite.get(key)
        if path is None:
            path = self.directory / f"template-{len(self._sqlite)}.db"
            self._build(settings, f"sqlite:///{path}", clock)
            with sqlite3.connect(path) as connection:  # one self-contained file to copy
                connection.execute("PRAGMA journal_mode=DELETE")
            self._sqlite[key] = path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)

    def postgres_database(self, settings: Settings, clock: FrozenClock) -> str:
        """A new database (its name) created from the template."""
        if self._server is None:
            self._server = PostgresServer(_postgres_server())
        key = self._key(settings, clock)
        template = self._postgres.get(key)
        if template is None:
            template = _new_name()
            self._server.create(template)
            self._build(settings, self._server.url_of(template), clock)
            self._postgres[key] = template
        name = _new_name()
        self._server.create(name, template=template)
        return name

    def close(self) -> None:
        if self._server is not None:
            for template in self._postgres.values():
                self._server.drop(template)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    built = Templates(tmp_path_factory.mktemp("templates"))
    yield built
    built.close()


SeededDatabase = Callable[[FrozenClock], str]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded_db(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> Iterator[SeededDatabase]:
    """Like ``any_db_url``, but migrated with the seed plan loaded at the clock's time (a copy
    of a template): ``url = seeded_db(clock)``; one database per test."""
    made: list[str] = []

    def make(clock: FrozenClock) -> str:
        if made:
            return made[0]
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'planbot.db'}"
            templates.sqlite_copy(make_settings(tmp_path, url), clock)
        else:
            name = templates.postgres_database(make_settings(tmp_path, "sqlite://"), clock)
            url = PostgresServer(_postgres_server()).url_of(name)
        made.append(url)
        return url

    yield make
    if made and request.param != "sqlite":
        from sqlalchemy.engine import make_url

        PostgresServer(_postgres_server()).drop(str(make_url(made[0]).database))


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
def services(settings: Settings, clock: FrozenClock, templates: Templates) -> Iterator[Services]:
    """The seed plan on a migrated SQLite file, with the frozen clock."""
    templates.sqlite_copy(settings, clock)
    built = bootstrap(settings, clock=clock)
    yield built
    built.db.dispose()


@pytest.fixture
def db(services: Services) -> Database:
    return services.db
