"""Installations for ledger tests, on SQLite and on the PostgreSQL server of this machine."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.context import Clearance
from ledger.settings import Settings
from ledger.setup import initialise

PG_ADMIN_URL = os.environ.get("CLEARANCE_TEST_PG", "postgresql://127.0.0.1:5432/test")


def _pg_connect(dbname: str | None = None):  # type: ignore[no-untyped-def]
    import psycopg

    url = PG_ADMIN_URL if dbname is None else PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{dbname}"
    return psycopg.connect(url, autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    try:
        _pg_connect().close()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def pg_schema_template(postgres_available: bool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """A PostgreSQL database holding this code's tables and no rows, made once per run: each test's
    database is copied from it (``CREATE DATABASE ... TEMPLATE``, ~0.1 s) instead of creating every
    table again (~0.6 s a test, over 300 tests). ``initialise`` still runs on the copy, as on any
    database whose tables exist: the log, its key and the rest are made per test."""
    if not postgres_available:
        yield None
        return
    name = f"clearance_tmpl_{uuid.uuid4().hex[:12]}"
    with _pg_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = _database_url(name)
        home = tmp_path_factory.mktemp("template-home")
        schema = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(home), "CLEARANCE_DATABASE_URL": url}))
        schema.db.create_all(schema.tables)
        schema.db.dispose()
        yield name
    finally:
        drop_database(name)


def make_database_url(backend: str, home: Path, postgres_available: bool,
                      template: str | None = None) -> tuple[str, str | None]:
    """A fresh database for one test: (URL, PostgreSQL database name to drop or None); ``template``: the
    PostgreSQL database to copy (``pg_schema_template``), else an empty one."""
    if backend == "sqlite":
        return f"sqlite:///{home / 'clearance.db'}", None
    if not postgres_available:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    name = f"clearance_t_{uuid.uuid4().hex[:12]}"
    with _pg_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return _database_url(name), name


def _database_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def drop_database(name: str | None) -> None:
    if name:
        with _pg_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(tmp_path: Path, backend: str, postgres_available: bool,
             request: pytest.FixtureRequest) -> Iterator[Settings]:
    template = request.getfixturevalue("pg_schema_template") if backend == "postgres" else None
    url, dbname = make_database_url(backend, tmp_path, postgres_available, template)
    yield Settings.load(environ={"CLEARANCE_HOME": str(tmp_path / "home"), "CLEARANCE_DATABASE_URL": url})
    drop_database(dbname)


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Clearance]:
    clearance = Clearance(settings)
    initialise(clearance)
    yield clearance
    clearance.db.dispose()


@pytest.fixture
def sqlite_ctx(tmp_path: Path) -> Iterator[Clearance]:
    """SQLite only, for tests about the interface rather than the storage."""
    clearance = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(tmp_path / "home")}))
    initialise(clearance)
    yield clearance
    clearance.db.dispose()
