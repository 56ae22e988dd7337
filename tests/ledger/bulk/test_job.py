"""Bulk registration on a real local Ray instance: each file once, across a second run and a killed worker."""

from __future__ import annotations

import signal
import os
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import select

from ledger.audit.replay import verify
from ledger.bulk.job import JobOptions, JobReport, run_job
from ledger.bulk.remote import TASK_NAME
from ledger.context import Clearance
from ledger.fingerprints.service import match_media
from ledger.records import models as m
from tests.ledger.bulk.processes import alive, running_titled

OPTIONS = JobOptions(base_fields={"role": "reference_work", "acquisition_method": "own_production",
                                  "acquired_on": "2026-11-30"}, batch_files=2)


def _assets(ctx: Clearance) -> dict[str, str]:
    """SHA-256 -> asset id of every registered asset (a SHA-256 registered twice would show as fewer keys)."""
    with ctx.db.reader() as session:
        rows = session.exec(select(m.Asset.sha256, m.Asset.id)).all()
    assert len({sha for sha, _ in rows}) == len(rows), "some bytes are registered twice"
    return dict(rows)


def _write_list(path: Path, lines: list[str]) -> Path:
    path.write_text("path,title\n" + "".join(f"{line}\n" for line in lines))
    return path


def _rows(report: JobReport, status: str) -> list[int]:
    return [r.row for r in report.results if r.status == status]


@pytest.mark.corpus
def test_a_list_of_real_media_registers_each_file_once_and_a_second_run_registers_nothing(
        ctx: Clearance, shared_data: Path, tmp_path: Path, local_ray: None) -> None:
    ukbench = shared_data / "near-duplicates" / "ukbench"
    stills = [ukbench / "ukbench00120.jpg", ukbench / "ukbench01380.jpg", ukbench / "ukbench08976.jpg"]
    listing = _write_list(tmp_path / "library.csv", [
        f"{stills[0]},Object one", str(stills[1]) + ",", stills[2].as_uri() + ",",
        f"{stills[0]},the same bytes again",                          # row 4: a duplicate within the job
        f"{shared_data / 'malformed' / 'ukbench09268_corrupt.jpg'},",  # row 5: a truncated JPEG
        f"{tmp_path / 'gone.jpg'},",                                   # row 6: no such file
    ])
    first = run_job(ctx, listing, OPTIONS)
    assert _rows(first, "registered") == [1, 2, 3]
    assert [(r.row, r.why) for r in first.of("skipped")] == [(4, "the same bytes as row 1")]
    refused = {r.row: r.why or "" for r in first.of("refused")}
    assert set(refused) == {5, 6}
    assert "ukbench09268_corrupt.jpg" in refused[5] and "not a supported image or video" in refused[5]
    assert "does not exist" in refused[6]
    assets = _assets(ctx)
    assert sorted(assets.values()) == sorted(r.asset_id or "" for r in first.of("registered"))
    with ctx.db.reader() as session:
        titled = session.get(m.Asset, next(r.asset_id for r in first.results if r.row == 1))
    assert titled is not None and titled.title == "Object one" and titled.acquisition_method == "own_production"
    assert first.progress.frames == 3 and first.checkpoint is not None

    again = run_job(ctx, listing, OPTIONS)  # the job started again: everything registered is skipped
    assert _rows(again, "registered") == []
    assert {r.row: r.asset_id for r in again.of("skipped")} == {
        1: assets[first.results[0].sha256 or ""], 2: assets[next(r.sha256 for r in first.results if r.row == 2) or ""],
        3: assets[next(r.sha256 for r in first.results if r.row == 3) or ""], 4: assets[first.results[0].sha256 or ""]}
    assert {r.row for r in again.of("refused")} == {5, 6}
    assert _assets(ctx) == assets
    assert verify(ctx).ok
    _, found = match_media(ctx, stills[1].read_bytes(), stills[1].name)  # the index has what was registered
    assert [o.owner for o in found.owners][:1] == [assets[next(r.sha256 for r in first.results if r.row == 2) or ""]]


@pytest.mark.slow
@pytest.mark.corpus
def test_a_worker_killed_mid_file_is_run_again_by_ray_and_the_file_registers_once(
        sqlite_ctx: Clearance, shared_data: Path, tmp_path: Path, local_ray: None) -> None:
    video = shared_data / "video" / "chair-orig-22-sd-bar.mp4"  # seconds of fingerprinting: time to kill its worker
    listing = _write_list(tmp_path / "library.csv", [f"{video},"])
    done: list[JobReport] = []
    job = threading.Thread(target=lambda: done.append(run_job(sqlite_ctx, listing, OPTIONS)))
    job.start()
    killed: int | None = None
    retried_on: int | None = None
    deadline = time.monotonic() + 600
    while job.is_alive() and time.monotonic() < deadline:
        working = running_titled(f"ray::{TASK_NAME}")  # a worker while it runs the file's task
        if killed is None and working:
            killed = working[0]
            os.kill(killed, signal.SIGKILL)
        elif killed is not None and any(pid != killed for pid in working):
            retried_on = next(pid for pid in working if pid != killed)
        time.sleep(0.05)
    job.join(timeout=60)
    assert killed is not None, "the job ended before the worker running its task could be killed"
    assert retried_on is not None, "no other worker ran the task after the kill"
    assert not alive(killed)
    assert done, "the job did not finish"
    report = done[0]
    assert _rows(report, "registered") == [1] and not report.of("refused"), report.as_json()
    assert report.progress.frames > 1
    assert list(_assets(sqlite_ctx)) == [report.results[0].sha256]
    assert verify(sqlite_ctx).ok
