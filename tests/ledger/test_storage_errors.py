"""A full disk: a 507 naming the data directory over HTTP, one line in the CLI, a consistent database."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledger import fsutil
from ledger.api.app import create_app
from ledger.audit import replay
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.demo.media import synthetic_work
from ledger.log import store
from ledger.storage_errors import is_disk_full


def _full(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def tree_size(ctx: Clearance) -> int:
    with ctx.db.reader() as session:
        return store.tree_size(session)


def test_disk_full_is_recognised_through_the_layers_that_wrap_it() -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    wrapped = OperationalError("INSERT ...", {}, sqlite3.OperationalError("database or disk is full"))
    assert is_disk_full(wrapped)
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: x")))


def test_a_full_disk_answers_507_naming_the_data_directory(ctx: Clearance, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(create_app(ctx))
    key, _ = create_key(ctx, "registrar")
    before = tree_size(ctx)
    monkeypatch.setattr(fsutil.os, "fsync", _full)  # the atomic write of the uploaded bytes fails
    response = client.post("/v1/assets/upload", files={"file": ("work.png", synthetic_work(3), "image/png")},
                           data={"record": '{"role": "training_asset", "acquisition_method": "licensed"}'},
                           headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 507, response.text
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["data_directory"] == str(ctx.settings.home) and str(ctx.settings.home) in body["detail"]
    assert "Traceback" not in response.text
    monkeypatch.undo()
    assert tree_size(ctx) == before  # nothing logged
    assert not [p for p in ctx.settings.media_dir.rglob("*") if p.is_file()]  # no partial or temporary file
    assert replay.verify(ctx).ok


def test_the_cli_prints_one_line_for_a_full_disk(sqlite_ctx: Clearance, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from ledger import cli
    from ledger.cli import common

    monkeypatch.setenv("CLEARANCE_HOME", str(sqlite_ctx.settings.home))
    common.context.cache_clear()
    media = tmp_path / "work.png"
    media.write_bytes(synthetic_work(4))
    monkeypatch.setattr(fsutil.os, "fsync", _full)
    monkeypatch.setattr("sys.argv", ["clearance", "asset", "add", "role=training_asset",
                                     "acquisition_method=licensed", "--file", str(media)])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    common.context.cache_clear()
    err = capsys.readouterr().err.strip()
    assert exited.value.code == 9
    assert len(err.splitlines()) == 1 and str(sqlite_ctx.settings.home) in err and "Traceback" not in err


def test_temporary_files_of_killed_writes_are_swept(tmp_path: Path) -> None:
    target = tmp_path / "media" / "ab" / "cd" / "x"
    fsutil.write_atomic(target, b"kept")
    old = target.parent / ".x.abc123.tmp"
    old.write_bytes(b"half a file")
    os.utime(old, (0, 0))
    fresh = target.parent / ".y.def456.tmp"  # another process may be writing it right now
    fresh.write_bytes(b"in progress")
    assert fsutil.sweep_temporaries(tmp_path) == [old]
    assert target.read_bytes() == b"kept" and fresh.exists() and not old.exists()
