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


def make_database_url(backend: str, home: Path, postgres_available: bool) -> tuple[str, str | None]:
    """A fresh database for one test: (URL, PostgreSQL database name to drop or None)."""
    if backend == "sqlite":
        return f"sqlite:///{home / 'clearance.db'}", None
    if not postgres_available:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    name = f"clearance_t_{uuid.uuid4().hex[:12]}"
    with _pg_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}", name


def drop_database(name: str | None) -> None:
    if name:
        with _pg_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(tmp_path: Path, backend: str, postgres_available: bool) -> Iterator[Settings]:
    url, dbname = make_database_url(backend, tmp_path, postgres_available)
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
