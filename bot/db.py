"""Database access: engine set-up (SQLite or PostgreSQL), sessions, migrations.

SQLite is used in WAL mode with a busy timeout. Transactions that will write start with
``BEGIN IMMEDIATE`` (use :meth:`Database.write`) so that two writers queue on the busy timeout
instead of failing with "database is locked" when a read lock is upgraded.

Connections are kept in a pool (SQLAlchemy's ``QueuePool``; pysqlite connections may then be
used from the worker threads the scheduler hands database work to). Opening a SQLite connection
per session cost four PRAGMAs, and closing the last one made SQLite checkpoint the WAL and delete
its files, about a dozen fdatasync per inbound update (BENCHMARKS.md); a kept connection runs the
PRAGMAs once and checkpoints only as the WAL grows. Alembic is imported only to migrate, and
the ORM (SQLModel, the tables, the audit trail) at the first session: a command that only reads
the plans with SQLAlchemy Core (:meth:`Database.reading`) starts without it.

A chat turn is one unit of work (:meth:`Database.unit`): its reads share one session, its writes
one transaction, committed when the turn ends. A status update then costs one read session and
one write transaction instead of six sessions (BENCHMARKS.md).

Bookkeeping rows that nobody was told are saved (what the bot's own replies were about,
``bot.sent``) need not cost a transaction of their own: :meth:`Database.defer` keeps them in
memory, the next unit of work that writes inserts them in its transaction, and
:meth:`Database.flush_deferred` writes what is left (the channels call it shortly after a reply,
and :meth:`Database.dispose` at stop). Until written they are visible to
:meth:`Database.deferred`, so a reply to a message the bot has just sent is still understood.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, insert, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool, StaticPool

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000
# Connections kept open per process; more may be opened under a burst of concurrent work (the
# scheduler's worker threads, a CLI command beside the running bot) and are closed when returned.
POOL_SIZE = 5
POOL_OVERFLOW = 20
_IMMEDIATE = "planbot_immediate"

log = logging.getLogger(__name__)


class _Unit:
    """The sessions of one unit of work (see :meth:`Database.unit`)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Reads before the first write: a plain connection (SQLAlchemy Core), and an ORM
        # session on that same connection (one snapshot) only if something reads with the ORM.
        self.connection: Connection | None = None
        self.read: Session | None = None
        self.write: Session | None = None
        self.write_connection: Connection | None = None
        self.lost = False  # a database error rolled back its writes under a caller that went on

    def read_connection(self) -> Connection:
        if self.read is not None:
            return self.read.connection()
        if self.connection is None:
            self.connection = self.db.engine.connect()
        return self.connection

    def read_session(self) -> Session:
        if self.read is None:
            if self.connection is None:
                self.read = _new_session(self.db.engine)
            else:
                self.read = _session_class()(bind=self.connection, expire_on_commit=False)
        return self.read

    def drop_read(self) -> None:
        if self.read is not None:
            self.read.close()
            self.read = None
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def begin_write(self) -> Session:
        """The writing session, on the connection the unit read with, so the connection is
        not given back to the pool and taken again. On SQLite its read transaction is ended
        first (a read transaction cannot safely become a writing one: the write begins with
        ``BEGIN IMMEDIATE``); on PostgreSQL (read committed) the transaction goes on, the
        session joining it, and the unit commits the connection."""
        connection = self.connection
        self.connection = None
        if self.read is not None:
            self.read.close()  # (a session on ``connection`` leaves it open)
            self.read = None
        if connection is None:
            connection = self.db._write_engine.connect()
        elif self.db.is_sqlite:
            connection.rollback()
            connection.execution_options(**{_IMMEDIATE: True})
        self.write_connection = connection
        self.write = _session_class()(bind=connection, expire_on_commit=False)
        return self.write

    def drop_write(self) -> None:
        if self.write is not None:
            self.write.rollback()
            self.write.close()
            self.write = None
        if self.write_connection is not None:
            self.write_connection.close()
            self.write_connection = None


_unit: ContextVar[_Unit | None] = ContextVar("planbot_db_unit", default=None)


@functools.cache
def _session_class() -> type[Session]:
    """SQLModel's session class, the audit trail registered on it.

    The ORM (SQLModel's session, the tables and the audit trail's listeners, about 0.15 s and
    8 MiB of a command line's start, BENCHMARKS.md) is imported at the first session: a command
    that only reads the plans (:meth:`Database.reading`, SQLAlchemy Core) never imports it.
    """
    from sqlmodel import Session

    import bot.audit  # noqa: F401  (registers the audit trail on every session)

    return Session


POSTGRESQL_OPENED = False  # bot/models.py gives its tables their PostgreSQL options then


def _postgresql_opened() -> None:
    """The tables' PostgreSQL options (bot.models.use_postgresql) without importing the ORM
    for it: now if the models are loaded, else when they are (a command that reads with
    SQLAlchemy Core, ``planbot digest`` or ``schedule``, never loads them)."""
    global POSTGRESQL_OPENED
    POSTGRESQL_OPENED = True
    models = sys.modules.get("bot.models")
    if models is not None:
        models.use_postgresql()


def _new_session(engine: Engine) -> Session:
    return _session_class()(engine, expire_on_commit=False)


class UnitLost(RuntimeError):
    """A database error inside a unit of work rolled back writes its caller went on from."""


class Database:
    """One database: an engine and the sessions to use it."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            database = self.url.database
            in_memory = not database or database == ":memory:"
            if not in_memory:
                Path(str(database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
            pool: dict[str, Any] = (
                {"poolclass": StaticPool}
                if in_memory
                else {"poolclass": QueuePool, "pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
            )
            self.engine: Engine = create_engine(
                self.url,
                echo=echo,
                connect_args={
                    "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                    "check_same_thread": False,
                },
                **pool,
            )
            _configure_sqlite(self.engine)
        else:
            _postgresql_opened()
            self.engine = create_engine(
                self.url,
                echo=echo,
                pool_pre_ping=True,
                pool_size=POOL_SIZE,
                max_overflow=POOL_OVERFLOW,
            )
        self._write_engine = self.engine.execution_options(**{_IMMEDIATE: True})
        # Bookkeeping rows waiting for the next write (:meth:`defer`), oldest first.
        self._deferred: list[tuple[Table, dict[str, Any]]] = []
        self._deferred_lock = threading.Lock()
        self._inserts: dict[Table, Any] = {}  # (built once per table)

    # ------------------------------------------------------------------ deferred bookkeeping

    def defer(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` into ``table`` with the next unit of work that writes, or at the next
        :meth:`flush_deferred`, whichever comes first (thread-safe, no database work now).

        Only for bookkeeping a crash may lose (the rows of the last moment before it): never for
        anything a user was told is saved. Rows that break a unique constraint are skipped."""
        with self._deferred_lock:
            self._deferred.extend((table, row) for row in rows)

    def deferred(self, table: Table) -> list[dict[str, Any]]:
        """The rows of ``table`` deferred and not yet written, oldest first."""
        with self._deferred_lock:
            return [dict(row) for waiting, row in self._deferred if waiting is table]

    def flush_deferred(self) -> None:
        """Write the deferred rows now, in a transaction of their own (nothing when none wait)."""
        with self._deferred_lock:
            if not self._deferred:
                return
        taken: list[tuple[Table, dict[str, Any]]] = []
        try:
            with self._write_engine.begin() as connection:
                taken = self._write_deferred(connection)
        except BaseException:
            self._give_back(taken)  # (rows taken but not committed; _write_deferred gave back
            raise  # those of a failed insert itself)

    def _take_deferred(self) -> list[tuple[Table, dict[str, Any]]]:
        with self._deferred_lock:
            taken, self._deferred = self._deferred, []
        return taken

    def _give_back(self, taken: list[tuple[Table, dict[str, Any]]]) -> None:
        """Rows whose transaction did not commit wait again, before any deferred since."""
        if taken:
            with self._deferred_lock:
                self._deferred[:0] = taken

    def _write_deferred(self, connection: Connection) -> list[tuple[Table, dict[str, Any]]]:
        """Insert the waiting rows in ``connection``'s transaction; returns them (to give back
        if that transaction fails to commit)."""
        taken = self._take_deferred()
        try:
            by_table: dict[Table, list[dict[str, Any]]] = {}
            for table, row in taken:
                by_table.setdefault(table, []).append(row)
            for table, rows in by_table.items():
                connection.execute(self._insert_ignoring_duplicates(table), rows)
        except BaseException:
            self._give_back(taken)
            raise
        return taken

    def _insert_ignoring_duplicates(self, table: Table) -> Any:
        statement = self._inserts.get(table)
        if statement is None:
            statement = self._inserts[table] = self._new_insert_ignoring_duplicates(table)
        return statement

    def _new_insert_ignoring_duplicates(self, table: Table) -> Any:
        if self.is_sqlite:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            return sqlite_insert(table).on_conflict_do_nothing()
        if self.url.get_backend_name() == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as postgresql_insert

            return postgresql_insert(table).on_conflict_do_nothing()
        return insert(table)

    def _unit(self) -> _Unit | None:
        unit = _unit.get()
        return unit if unit is not None and unit.db is self else None

    @contextmanager
    def unit(self) -> Iterator[None]:
        """One unit of work (a chat turn): what is read and written inside shares sessions.

        Reads share one connection until the first write (:meth:`reading`, plain statements,
        as the turn reads its user and state; :meth:`session`, an ORM session on that same
        connection, made only when something reads with the ORM); writes
        (:meth:`write`) share one transaction, begun at the first write (``BEGIN IMMEDIATE``
        on SQLite: the read session's snapshot is ended first, as a read transaction cannot
        safely become a writing one) and committed when the unit ends, rolled back if it ends
        with an error. Reads after the first write go through the writing transaction, so
        they see its rows. A write block that fails inside the unit undoes only its own part
        (the first block: the transaction; later ones: their savepoint). Nested units join
        the outer one. Outside a unit every block has its own session, as always.
        """
        if self._unit() is not None:
            yield
            return
        unit = _Unit(self)
        token = _unit.set(unit)
        try:
            yield
            if unit.lost:
                raise UnitLost("a database error rolled back this unit's writes")
            if unit.write is not None:
                taken = self._write_deferred(unit.write.connection())
                try:
                    unit.write.commit()
                    if unit.write_connection is not None:  # a transaction the session joined
                        unit.write_connection.commit()
                except BaseException:
                    self._give_back(taken)
                    raise
        finally:
            _unit.reset(token)
            unit.drop_read()
            unit.drop_write()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reading (inside a unit of work: the unit's)."""
        unit = self._unit()
        if unit is None:
            with _new_session(self.engine) as session:
                yield session
            return
        if unit.write is not None:
            try:
                yield unit.write
            except DBAPIError:
                unit.drop_write()
                unit.lost = True
                raise
            return
        try:
            yield unit.read_session()
        except DBAPIError:
            unit.drop_read()  # a failed statement may have aborted the transaction (PostgreSQL)
            raise

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reading with SQLAlchemy Core (inside a unit of work: the unit's
        session's connection, so it sees the unit's writes); without the ORM outside one."""
        unit = self._unit()
        if unit is not None and unit.write is not None:
            with self.session() as session:
                yield session.connection()
            return
        if unit is not None:
            try:
                yield unit.read_connection()
            except DBAPIError:
                unit.drop_read()  # a failed statement may have aborted the transaction
                raise
            return
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A writing transaction on a plain connection, for bookkeeping rows written with plain
        statements (no ORM objects, so nothing audited: sent-message contexts); committed at
        the end. Inside a unit of work: the unit's transaction (a second connection would wait
        for the lock the unit holds)."""
        if self._unit() is not None:
            with self.write() as session:
                yield session.connection()
            return
        with self._write_engine.begin() as connection:
            yield connection

    def writer(self) -> Connection | None:
        """A connection of the caller's own for many short writing transactions from one thread
        (the scheduler's ledger): each ``with connection.begin():`` is one (``BEGIN IMMEDIATE``
        on SQLite), without a connection taken from the pool and given back (on PostgreSQL:
        pinged) for each. The caller closes it. None inside a unit of work, whose transaction
        every write joins (:meth:`writing`)."""
        if self._unit() is not None:
            return None
        return self._write_engine.connect()

    @contextmanager
    def write(self, *, savepoint: bool = True) -> Iterator[Session]:
        """A writing transaction: committed at the end, rolled back on error (inside a unit of
        work: flushed at the end, committed with the unit).

        ``savepoint=False``, for the last write of a unit whose error nobody catches inside it
        (the conversation state at the end of a turn): no savepoint around the block; if it
        fails anyway, the unit's writes are rolled back and the unit cannot commit.
        """
        unit = self._unit()
        if unit is None:
            with _new_session(self._write_engine) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
            return
        if unit.write is None:
            first = unit.begin_write()
            try:
                yield first
                first.flush()
            except BaseException:
                unit.drop_write()
                raise
            return
        if not savepoint:
            try:
                yield unit.write
                unit.write.flush()
            except BaseException:
                unit.drop_write()
                unit.lost = True
                raise
            return
        nested = unit.write.begin_nested()
        try:
            yield unit.write
            nested.commit()
        except BaseException:
            nested.rollback()
            raise

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (creates it on an empty database).

        A database already at the newest revision is left alone without loading Alembic (its
        import and environment cost a command line about 0.1 s at every start).
        """
        head = head_revision()
        if head is not None and self.current_revision() == head:
            return
        from alembic import command

        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def current_revision(self) -> str | None:
        """The revision in ``alembic_version`` (``None`` on a database never migrated)."""
        with self.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        return str(rows[0][0]) if len(rows) == 1 else None

    def dispose(self) -> None:
        """Write what is deferred, then close the pool's connections."""
        try:
            self.flush_deferred()
        except Exception:  # the database is gone: the rows were bookkeeping (see defer)
            log.warning("could not write %d deferred rows at stop", len(self._deferred))
        self.engine.dispose()


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


_REVISION = re.compile(r"^revision(?:: [^=]+)? = [\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"^down_revision(?:: [^=]+)? = (?:None|[\"']([^\"']+)[\"'])", re.MULTILINE
)


@functools.cache
def head_revision() -> str | None:
    """The one head of the migration chain, read from the revision files without Alembic.

    ``None`` when the files do not read as one simple chain (a merge, a tuple of down
    revisions, two heads): then :meth:`Database.upgrade` asks Alembic as always.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = _REVISION.findall(source)
        down = _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0]:
            parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
