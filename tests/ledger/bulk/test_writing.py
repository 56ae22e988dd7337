"""A batch of fingerprinted files logged in one transaction; a file at fault is refused alone (no Ray here)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from ledger.audit.replay import verify
from ledger.bulk.listing import ListedFile
from ledger.bulk.writing import ReadyToWrite, write_batch
from ledger.context import Clearance
from ledger.log import store
from ledger.records import models as m

BASE = {"role": "training_asset", "acquisition_method": "own_production", "acquired_on": "2026-11-30"}


def _ready(ctx: Clearance, row: int, path: Path, fields: dict[str, object]) -> ReadyToWrite:
    fingerprints = ctx.fingerprinter.fingerprint_file(path, purpose="reference")
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    return ReadyToWrite(ListedFile(row, str(path), path), sha256, {**BASE, **fields}, fingerprints)


@pytest.mark.corpus
def test_a_batch_commits_together_and_a_file_at_fault_is_refused_alone(
        ctx: Clearance, shared_data: Path, tmp_path: Path) -> None:
    ukbench = shared_data / "near-duplicates" / "ukbench"
    good = _ready(ctx, 1, ukbench / "ukbench01380.jpg", {"title": "Good"})
    unlicensed = _ready(ctx, 2, ukbench / "ukbench08976.jpg", {"license_id": "lic_not_on_record"})
    moved = tmp_path / "changes.jpg"
    shutil.copy(ukbench / "ukbench08996.jpg", moved)
    changed = _ready(ctx, 3, moved, {})
    shutil.copy(ukbench / "ukbench09012.jpg", moved)  # different bytes at the same path after fingerprinting
    also_good = _ready(ctx, 4, ukbench / "ukbench09040.jpg", {})
    with ctx.db.reader() as session:
        size_before = store.tree_size(session)

    outcomes = write_batch(ctx, [good, unlicensed, changed, also_good], "cli")

    assert [o.status for o in outcomes] == ["registered", "refused", "refused", "registered"]
    assert "license_id" in (outcomes[1].why or "") and "lic_not_on_record" in (outcomes[1].why or "")
    assert "changed while it was being registered" in (outcomes[2].why or "")
    with ctx.db.reader() as session:
        assets = {a.sha256: a for a in session.exec(select(m.Asset)).all()}
        size_after = store.tree_size(session)
    assert set(assets) == {good.sha256, also_good.sha256}
    assert assets[good.sha256].title == "Good" and assets[also_good.sha256].title == "ukbench09040"
    assert size_after - size_before == 4  # record.created and fingerprints.added for each registered file
    now_there = hashlib.sha256(moved.read_bytes()).hexdigest()
    for sha256 in (unlicensed.sha256, changed.sha256, now_there):  # nothing stored for writes that did not happen
        assert not (ctx.settings.media_dir / sha256[:2] / sha256[2:4] / sha256).exists()
    assert (ctx.settings.media_dir / good.sha256[:2] / good.sha256[2:4] / good.sha256).exists()
    assert verify(ctx).ok

    again = write_batch(ctx, [good], "cli")  # bytes on record already: skipped inside the transaction
    assert again[0].status == "skipped" and again[0].asset_id == assets[good.sha256].id


def test_a_title_larger_than_max_bytes_is_registered_from_disk_without_being_held(
        tmp_path: Path, backend: str, postgres_available: bool) -> None:
    """``max_bytes`` bounds what is held in memory; a title on disk is streamed (``max_title_bytes``)."""
    from tests.ledger.conftest import drop_database, make_database_url

    from ledger.settings import Settings
    from ledger.setup import initialise
    from tests.embeddings.test_media import _video

    url, database = make_database_url(backend, tmp_path, postgres_available)
    settings = Settings.load(environ={"CLEARANCE_HOME": str(tmp_path / "home"), "CLEARANCE_DATABASE_URL": url,
                                      "CLEARANCE_MAX_BYTES": "2000"})
    ctx = Clearance(settings)
    try:
        initialise(ctx)
        title = _video(tmp_path / "feature.mp4", seconds=3.0)
        assert title.stat().st_size > 2000
        outcome, = write_batch(ctx, [_ready(ctx, 1, title, {"title": "Feature"})], "cli")
        assert outcome.status == "registered", outcome.why
        sha256 = hashlib.sha256(title.read_bytes()).hexdigest()
        assert (ctx.settings.media_dir / sha256[:2] / sha256[2:4] / sha256).read_bytes() == title.read_bytes()
        with ctx.db.reader() as session:
            asset = session.exec(select(m.Asset).where(m.Asset.sha256 == sha256)).one()
        assert asset.size_bytes == title.stat().st_size and asset.title == "Feature"
    finally:
        ctx.db.dispose()
        drop_database(database)
