"""The one session factory.

SQLite runs in WAL mode with ``synchronous=FULL``, so the WAL is synced at every commit and an
acknowledged write survives a power loss (``NORMAL`` syncs only at checkpoints, and the last commits
before a power loss could vanish; ``benchmarks/sqlite_durability.py`` measures the difference).
Every write transaction starts with ``BEGIN IMMEDIATE``
so that concurrent writers in other processes queue for the database lock
instead of failing on upgrade. Within a process, SQLite writes go through one
connection held open for the process (:class:`_SqliteWriter`). PostgreSQL
serialises log appends on the log head row (``SELECT ... FOR UPDATE``), see
:mod:`ledger.log.store`, and takes write connections from the pool. Record writes
that arrive together from several threads share one transaction
(:meth:`Database.shared_transaction`), so a burst takes few turns at the log head.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import JSON, BigInteger, Column, Enum, Table, event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, create_engine

from ledger.batching import Line
from ledger.dbapi import SQLITE_BUSY_TIMEOUT_S, configure_sqlite
from ledger.errors import ConfigurationError, FieldProblem, ValidationFailed


T = TypeVar("T")


def table_of(model: type[SQLModel]) -> Table:
    """The SQLAlchemy table of a ``table=True`` model (SQLModel sets ``__table__`` without declaring it)."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel's metaclass, undeclared
    return table


def _has_nul(parameters: Any) -> bool:
    if isinstance(parameters, str):
        return "\x00" in parameters
    if isinstance(parameters, dict):
        return any(_has_nul(value) for value in parameters.values())
    if isinstance(parameters, (list, tuple)):
        return any(_has_nul(value) for value in parameters)
    return False


def refuse_nul_parameters(engine: Engine) -> None:
    """No text with a NUL character reaches either database: PostgreSQL cannot store one (it raises
    mid-transaction) and SQLite would keep it silently. Input checks name the field first
    (:mod:`ledger.json_limits`); this is the backstop for any text they did not see, a 422 on both."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if parameters and _has_nul(parameters):
            raise ValidationFailed("text may not contain a NUL character (U+0000)",
                                   problems=[FieldProblem("(text)", "contains a NUL character")])


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        configure_sqlite(dbapi_conn)  # WAL, synchronous=FULL, foreign keys; we issue BEGIN ourselves

    refuse_nul_parameters(engine)
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Straight to the driver: no SQLAlchemy execution context for a statement without results.
        conn.connection.driver_connection.execute(begin)

    return engine


class _SqliteWriter:
    """The process's one SQLite write connection, lent to one transaction at a time.

    SQLite admits one writer at a time (``BEGIN IMMEDIATE`` takes its write lock), so a
    pool of write connections buys no concurrency. Holding one connection open saves the
    pool check-out and check-in on every transaction (a visible share of a single-event
    append), and the lock queues this process's writers in arrival order instead of in
    SQLite's busy-wait back-off. Other processes still queue on the database lock.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._connection: Connection | None = None
        self._pid = os.getpid()
        self._inherited: list[Connection] = []

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        if self._pid != os.getpid():
            self._after_fork()
        if self._owner == threading.get_ident():
            raise RuntimeError("a write transaction was opened inside another one in the same thread; "
                               "SQLite would wait for itself")
        with self._lock:
            self._owner = threading.get_ident()
            try:
                conn = self._connection
                if conn is None or conn.closed or conn.invalidated:
                    conn = self._connection = self._engine.connect()
                yield conn
            finally:
                self._owner = None

    def _after_fork(self) -> None:
        """A forked child must not use (or close) its parent's SQLite connection: start afresh."""
        if self._connection is not None:
            self._inherited.append(self._connection)  # kept referenced so it is never closed here
        self._connection, self._owner, self._lock, self._pid = None, None, threading.Lock(), os.getpid()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None


# Pooled PostgreSQL connections are replaced after this many seconds. Instead of a pre-ping round
# trip on every checkout, a connection the server dropped fails its first statement, SQLAlchemy
# recognises the disconnect and invalidates the pool, and the next transaction reconnects.
POSTGRES_POOL_RECYCLE_S = 300


def _postgres_engine(url: str, pool_size: int) -> Engine:
    # psycopg prepares a statement on the server once it has run prepare_threshold (default 5) times
    # on a connection; the log's hot statements are fixed strings, so they are prepared after warm-up.
    # A pool smaller than the requests served at once would open and close connections all through a
    # burst (a new PostgreSQL backend each, and its prepared statements lost), so it is sized to them.
    engine = create_engine(url, pool_recycle=POSTGRES_POOL_RECYCLE_S, pool_size=pool_size, max_overflow=pool_size)
    refuse_nul_parameters(engine)
    return engine


class Database:
    """Engines and sessions for one database URL."""

    def __init__(self, url: str, pool_size: int = 16) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._writer: _SqliteWriter | None = None
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(url, immediate=True)
            self.read_engine = _sqlite_engine(url, immediate=False)
            self._writer = _SqliteWriter(self.write_engine)
        else:
            self.write_engine = self.read_engine = _postgres_engine(url, pool_size)
        self._shared: Line[Callable[[Session], Any], Any] = Line(self.run_together)
        self._writing = threading.local()  # depth: write transactions open in this thread

    def create_all(self, tables: Sequence[type[SQLModel]]) -> None:
        """Create the given tables (and their indexes) where they do not exist yet."""
        SQLModel.metadata.create_all(self.write_engine, tables=[table_of(t) for t in tables])

    def missing_tables(self, tables: Sequence[type[SQLModel]]) -> list[str]:
        """Tables of the model that the database lacks (a later version added them: ``init`` creates them)."""
        present = set(inspect(self.read_engine).get_table_names())
        return [table.name for table in map(table_of, tables) if table.name not in present]

    def _present_columns(self) -> dict[str, dict[str, Any]]:
        """{table: {column: reflected type}}, from one reflection query for all tables (it runs at every CLI start)."""
        return {table: {column["name"]: column["type"] for column in columns}
                for (_, table), columns in inspect(self.read_engine).get_multi_columns().items()}

    def outdated_columns(self, tables: Sequence[type[SQLModel]]) -> list[Column[Any]]:
        """:meth:`missing_columns` and :meth:`narrow_columns` together, from one reflection."""
        present = self._present_columns()
        return self.missing_columns(tables, present) + self.narrow_columns(tables, present)

    def missing_columns(self, tables: Sequence[type[SQLModel]],
                        present: dict[str, dict[str, Any]] | None = None) -> list[Column[Any]]:
        """Model columns that the database's existing tables lack (a database made by an earlier version)."""
        present = self._present_columns() if present is None else present
        return [column for table in map(table_of, tables) if table.name in present
                for column in table.columns if column.name not in present[table.name]]

    def narrow_columns(self, tables: Sequence[type[SQLModel]],
                       present: dict[str, dict[str, Any]] | None = None) -> list[Column[Any]]:
        """64-bit model columns that an earlier version created as 32-bit integers (PostgreSQL; SQLite's
        integers are 64-bit whatever the declared type)."""
        if self.is_sqlite:
            return []
        present = self._present_columns() if present is None else present
        return [column for table in map(table_of, tables) if table.name in present
                for column in table.columns
                if isinstance(column.type, BigInteger) and column.name in present[table.name]
                and not isinstance(present[table.name][column.name], BigInteger)]

    def widen_integer_columns(self, tables: Sequence[type[SQLModel]]) -> list[str]:
        """Turn the :meth:`narrow_columns` into BIGINT (values are kept); return their ``table.column`` names."""
        narrow = self.narrow_columns(tables)
        with self.write_engine.begin() as conn:
            quote = conn.dialect.identifier_preparer.quote
            for column in narrow:
                conn.exec_driver_sql(f"ALTER TABLE {quote(column.table.name)} ALTER COLUMN {quote(column.name)} "
                                     "TYPE BIGINT")
        return [f"{column.table.name}.{column.name} (now 64-bit)" for column in narrow]

    def add_missing_enum_values(self, tables: Sequence[type[SQLModel]]) -> list[str]:
        """PostgreSQL: add the values a later version gave a native enum type (a new API key role) to the
        type an earlier version created; return them as ``type.value``. SQLite stores enums as text."""
        if self.is_sqlite:
            return []
        types = {column.type.name: column.type for table in map(table_of, tables) for column in table.columns
                 if isinstance(column.type, Enum) and column.type.native_enum and column.type.name}
        added = []
        with self.write_engine.begin() as conn:
            quote = conn.dialect.identifier_preparer.quote
            for name, enum in sorted(types.items()):
                present = {row[0] for row in conn.exec_driver_sql(
                    "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = %s",
                    (name,))}
                for value in enum.enums:
                    if present and value not in present:  # the values are our own identifiers, not input
                        conn.exec_driver_sql(f"ALTER TYPE {quote(name)} ADD VALUE IF NOT EXISTS '{value}'")
                        added.append(f"{name}.{value}")
        return added

    def add_missing_columns(self, tables: Sequence[type[SQLModel]]) -> list[str]:
        """Add the columns later versions introduced; return their ``table.column`` names.

        Only columns that can be filled without knowing the past are added: nullable ones,
        and JSON lists (which start empty). Anything else is refused with its name.
        """
        missing = self.missing_columns(tables)
        if not missing:
            return []
        added = []
        with self.write_engine.begin() as conn:
            quote = conn.dialect.identifier_preparer.quote
            for column in missing:
                name = f"{column.table.name}.{column.name}"
                if isinstance(column.type, JSON) and not column.nullable:
                    fill = " NOT NULL DEFAULT '[]'"
                elif column.nullable and not column.primary_key:
                    fill = ""
                else:
                    raise ConfigurationError(f"cannot add column {name} to this database automatically")
                conn.exec_driver_sql(f"ALTER TABLE {quote(column.table.name)} ADD COLUMN {quote(column.name)} "
                                     f"{column.type.compile(dialect=conn.dialect)}{fill}")
                added.append(name)
        return added

    def create_missing_indexes(self, tables: Sequence[type[SQLModel]]) -> list[str]:
        """Create the indexes (unique ones included) of the given tables that the database lacks, as after
        :meth:`add_missing_columns`; return their names."""
        present = inspect(self.read_engine)
        created = []
        with self.write_engine.begin() as conn:
            for table in map(table_of, tables):
                have = {index["name"] for index in present.get_indexes(table.name)}
                for index in table.indexes:
                    if index.name not in have:
                        index.create(conn)
                        created.append(f"index {index.name}")
        return created

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any error."""
        self._writing.depth = getattr(self._writing, "depth", 0) + 1
        try:
            if self._writer is None:
                with Session(self.write_engine, expire_on_commit=False) as session:
                    with session.begin():
                        yield session
                return
            with self._writer.connection() as conn:
                # The session begins and ends the connection's transaction itself (it is idle here).
                with Session(bind=conn, expire_on_commit=False) as session:
                    with session.begin():
                        yield session
        finally:
            self._writing.depth -= 1

    def shared_transaction(self, unit: Callable[[Session], T]) -> T:
        """``unit(session)`` in a write transaction, shared with the units other threads hand in at the same time.

        The thread at the front of the line (:mod:`ledger.batching`) runs every waiting unit, in
        arrival order, in one transaction: one BEGIN and one COMMIT (one WAL flush) for all, and one
        turn at the log head, which is what a burst of writes queues on. If any unit raises, or the
        commit fails, nothing of the batch is kept and each unit runs again alone in a transaction of
        its own, so each gets exactly the outcome it would have had alone. A unit must therefore do
        nothing outside its session (no files, no messages) and must not change its arguments.
        """
        if getattr(self._writing, "depth", 0):
            # The thread serving the line may need what this thread's open transaction holds (the log
            # head, SQLite's write lock) while this thread waits for it: refuse instead of hanging.
            raise RuntimeError("a shared transaction was requested inside a write transaction of the same thread")
        answer: T = self._shared.submit(unit)
        return answer

    def run_together(self, units: Sequence[Callable[[Session], Any]]) -> list[Any]:
        """Each unit's answer, or the exception it raised: all units in one write transaction, or, when
        one of them raises or the commit fails, each again alone in a transaction of its own (so one
        unit at fault is the only one refused). This is what a shared transaction runs for the threads
        in line; a caller with a batch of its own (``register --bulk``) hands it in directly. The
        units follow the same rules: nothing outside the session, arguments left unchanged."""
        if len(units) > 1:
            try:
                with self.transaction() as session:
                    return [unit(session) for unit in units]
            except Exception:  # noqa: BLE001  (each unit is run again alone, and reports its own error)
                pass
        return [self._run_alone(unit) for unit in units]

    def _run_alone(self, unit: Callable[[Session], Any]) -> Any:
        try:
            with self.transaction() as session:
                return unit(session)
        except Exception as exc:  # noqa: BLE001  (raised in the thread that handed the unit in)
            return exc

    @contextmanager
    def reader(self) -> Iterator[Session]:
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def driver_reader(self) -> Iterator[tuple[Any, str]]:
        """A pooled DB-API connection and the dialect's name, for a few fixed read statements on a hot path.

        It skips the session and SQLAlchemy's per-statement work (about half a millisecond of CPU a
        statement, several times the statement's own cost), which every API request would otherwise
        pay to authenticate and to prove its write. SQLite reads outside a transaction (each statement
        sees the latest commit), and so does PostgreSQL's: the connection is put in autocommit for the
        block, which saves the BEGIN before the first statement and the ROLLBACK when it goes back to the
        pool (two of the three round trips of a one-statement read). Only for reads of data that cannot
        change under them, or that one statement reads whole.
        """
        connection = self.read_engine.raw_connection()
        driver: Any = connection.driver_connection
        try:
            if not self.is_sqlite:
                driver.autocommit = True  # the pool hands out connections outside any transaction
            try:
                yield driver, self.read_engine.dialect.name
            finally:
                if not self.is_sqlite and not driver.closed:
                    driver.autocommit = False  # as SQLAlchemy expects its pooled connections
        finally:
            connection.close()

    def dispose(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
