"""Signing a checkpoint through the driver alone gives what the service gives, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.audit import replay
from ledger.context import Clearance
from ledger.errors import ConfigurationError
from ledger.log import direct, store
from ledger.log.events import Event
from ledger.log.note import open_checkpoint


def _sign(ctx: Clearance) -> str | None:
    return direct.sign_latest(ctx.settings.resolved_database_url, ctx.settings.home, ctx.settings.keys_dir)


def _append(ctx: Clearance, count: int) -> None:
    for i in range(count):
        with ctx.db.transaction() as session:
            ctx.record(session, [Event("log.initialized", {"note": f"entry {i}"})])


def test_it_signs_the_head_the_service_would_sign(ctx: Clearance) -> None:
    _append(ctx, 3)
    note = _sign(ctx)
    assert note is not None
    checkpoint = open_checkpoint(note, ctx.log_key.verifier)
    with ctx.db.reader() as session:
        assert checkpoint.size == store.tree_size(session)
        assert checkpoint.root == store.root_at(session, checkpoint.size)
    assert ctx.checkpoint() == note  # the service finds it current: nothing new to sign
    assert replay.verify(ctx, replay=False).ok


def test_it_signs_again_only_after_new_entries(ctx: Clearance) -> None:
    first = _sign(ctx)
    assert _sign(ctx) == first
    _append(ctx, 2)
    second = _sign(ctx)
    assert second is not None and second != first
    assert first is not None
    assert open_checkpoint(second, ctx.log_key.verifier).size == open_checkpoint(first, ctx.log_key.verifier).size + 2
    assert replay.verify(ctx, replay=False).ok  # the two checkpoints are consistent


def test_a_missing_database_is_named_and_not_created(tmp_path: Path) -> None:
    home = tmp_path / "nowhere"
    database = home / "clearance.db"
    with pytest.raises(ConfigurationError, match=r"no Clearance database at .*nowhere.*run 'clearance init'"):
        direct.sign_latest(f"sqlite:///{database}", home, home / "keys")
    assert not database.exists()


def test_an_empty_database_file_is_not_taken_for_an_installation(tmp_path: Path) -> None:
    database = tmp_path / "clearance.db"
    database.write_bytes(b"")
    with pytest.raises(ConfigurationError, match="run 'clearance init'"):
        direct.sign_latest(f"sqlite:///{database}", tmp_path, tmp_path / "keys")


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///x.db?mode=ro", "mysql://host/db"])
def test_urls_it_does_not_open_are_left_to_the_caller(url: str, tmp_path: Path) -> None:
    assert direct.sign_latest(url, tmp_path, tmp_path / "keys") is None


def test_the_checkpoint_command_signs_without_importing_the_orm(ctx: Clearance) -> None:
    """What makes `clearance log checkpoint` start fast (benchmarks/cli.py times it): no SQLAlchemy."""
    _append(ctx, 1)
    program = ("import sys\nfrom ledger.cli import main\nsys.argv = ['clearance', 'log', 'checkpoint']\n"
               "try:\n    main()\nfinally:\n"
               "    print('ORM=' + str(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel'))),"
               " file=sys.stderr)\n")
    env = {**os.environ, "CLEARANCE_HOME": str(ctx.settings.home),
           "CLEARANCE_DATABASE_URL": ctx.settings.resolved_database_url}
    done = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ORM=[]" in done.stderr
    assert done.stdout == ctx.checkpoint()  # what it signed is the log's latest checkpoint
