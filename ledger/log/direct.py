"""Signing a checkpoint through the database driver alone, for ``clearance log checkpoint``.

The command touches only the log's own tables, yet opening the installation the usual way
imports SQLAlchemy, SQLModel and every feature's models (about 0.6 s of a 0.9 s command).
Here the driver is opened directly (sqlite3, or psycopg for PostgreSQL) and
:func:`ledger.log.sql.sign_checkpoint` runs in one write transaction on it: the same
statements, checks and signing as inside the service. A database URL this module does not
open (SQLite in memory, URL options) is left to the caller's usual path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ledger.dbapi import open_existing_sqlite, sqlite_path
from ledger.errors import ConfigurationError
from ledger.log import sql
from ledger.log.signer import LogKey


def missing_database(home: Path, exc: BaseException) -> ConfigurationError:
    """What any command says when the installation's database or its log cannot be found."""
    return ConfigurationError(f"no Clearance database at {home} ({type(exc).__name__}); run 'clearance init'")


def check_log_ready(connect: Callable[[], sql.LogConnection], home: Path) -> None:
    """The database ``connect`` reaches holds a log this version can append to; else a ConfigurationError
    saying what to do (connecting is inside: a PostgreSQL database that does not exist fails there)."""
    try:
        log = connect()
        sql.tree_size(log)
    except Exception as exc:
        if isinstance(exc, ConfigurationError):
            raise
        raise missing_database(home, exc) from None
    sql.check_layout(log)


def sign_latest(url: str, home: Path, keys_dir: Path) -> str | None:
    """The latest signed checkpoint note, signing the head first if entries were added since;
    None when ``url`` is not one this module opens."""
    with _write_transaction(url, home) as log:
        if log is None:
            return None
        check_log_ready(lambda: log, home)
        return sql.sign_checkpoint(log, LogKey.load(keys_dir)).note


@contextmanager
def log_connection(url: str, home: Path) -> Iterator[sql.LogConnection]:
    """A write transaction on the log's tables through the driver, for a URL :func:`sign_latest` opened."""
    with _write_transaction(url, home) as log:
        if log is None:
            raise ConfigurationError(f"the database URL of {home} is not one the driver-only path opens")
        yield log


@contextmanager
def _write_transaction(url: str, home: Path) -> Iterator[sql.LogConnection | None]:
    """A write transaction on the database at ``url``: committed when the block ends, else rolled back."""
    driver = _connect(url, home)
    if driver is None:
        yield None
        return
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    try:
        if dialect == "sqlite":
            driver.execute("BEGIN IMMEDIATE")  # as every SQLite write of ours: queue for the write lock first
        yield sql.LogConnection.of(driver, dialect)
        if dialect == "sqlite":
            driver.execute("COMMIT")
        else:
            driver.commit()
    except BaseException:
        driver.rollback()
        raise
    finally:
        driver.close()


def _connect(url: str, home: Path) -> Any:
    """A DB-API connection for ``url``, or None when it is not a plain SQLite file or PostgreSQL URL."""
    path = sqlite_path(url)
    if path is not None:
        try:
            return open_existing_sqlite(path)
        except Exception as exc:  # sqlite3.OperationalError: no such file, or not a database
            raise missing_database(home, exc) from None
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("postgresql", "postgresql+psycopg", "postgres") or "?" in rest:
        return None
    import psycopg

    try:
        return psycopg.connect(f"postgresql://{rest}")
    except psycopg.OperationalError as exc:
        raise missing_database(home, exc) from None
