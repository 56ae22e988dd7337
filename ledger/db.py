"""The one session factory.

SQLite runs in WAL mode; every write transaction starts with ``BEGIN IMMEDIATE``
so that concurrent writers, in threads or processes, queue for the database
lock instead of failing on upgrade. PostgreSQL serialises log appends on the
log head row (``SELECT ... FOR UPDATE``), see :mod:`ledger.log.store`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 120})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=120000")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Straight to the driver: no SQLAlchemy execution context for a statement without results.
        conn.connection.driver_connection.execute(begin)

    return engine


# Pooled PostgreSQL connections are replaced after this many seconds. Instead of a pre-ping round
# trip on every checkout, a connection the server dropped fails its first statement, SQLAlchemy
# recognises the disconnect and invalidates the pool, and the next transaction reconnects.
POSTGRES_POOL_RECYCLE_S = 300


def _postgres_engine(url: str) -> Engine:
    # psycopg prepares a statement on the server once it has run prepare_threshold (default 5) times
    # on a connection; the log's hot statements are fixed strings, so they are prepared after warm-up.
    return create_engine(url, pool_recycle=POSTGRES_POOL_RECYCLE_S)


class Database:
    """Engines and sessions for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(url, immediate=True)
            self.read_engine = _sqlite_engine(url, immediate=False)
        else:
            self.write_engine = self.read_engine = _postgres_engine(url)

    def create_all(self) -> None:
        import ledger.models  # noqa: F401  (registers every table)

        SQLModel.metadata.create_all(self.write_engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any error."""
        with Session(self.write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
