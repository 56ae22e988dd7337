"""``clearance register`` on a queue: one job per file for a real worker, each registered once."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlmodel import select

from ledger.context import Clearance
from ledger.jobs.registration import register_file
from ledger.records import models as m
from tests.ledger.jobs.workers import CLEARANCE, QUEUE_URL, Worker


def _assets(ctx: Clearance) -> list[str]:
    with ctx.db.reader() as session:
        return sorted(session.exec(select(m.Asset.id)))


@pytest.mark.corpus
def test_a_registration_delivered_twice_registers_the_file_once(ctx: Clearance, shared_data: Path) -> None:
    path = str(shared_data / "near-duplicates" / "ukbench" / "ukbench00120.jpg")
    base = {"role": "reference_work", "acquisition_method": "own_production", "acquired_on": "2026-11-30"}
    first = register_file(ctx, path, base, "ast_job_once", "cli")
    again = register_file(ctx, path, base, "ast_job_once", "cli")
    assert first["asset"] == again["asset"] == "ast_job_once" and first["frames"] >= 1
    assert "earlier delivery" in again["note"]
    assert _assets(ctx) == ["ast_job_once"]
    missing = register_file(ctx, path + ".gone", base, "ast_job_missing", "cli")
    assert "cannot be read" in missing["error"] and _assets(ctx) == ["ast_job_once"]


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("backend", ["postgres"])
def test_register_puts_each_file_on_the_queue_and_reports_the_workers_answers(
        queued_ctx: Clearance, shared_data: Path, tmp_path: Path) -> None:
    stills = sorted((shared_data / "near-duplicates" / "ukbench").glob("ukbench0*.jpg"))[:3]
    worker = Worker(queued_ctx, tmp_path / "worker.log")
    env = {**os.environ, "CLEARANCE_HOME": str(queued_ctx.settings.home), "CLEARANCE_QUEUE_URL": QUEUE_URL,
           "CLEARANCE_DATABASE_URL": queued_ctx.settings.resolved_database_url}
    try:
        done = subprocess.run([CLEARANCE, "register", *map(str, stills), str(tmp_path / "absent.jpg"), "--json"],
                              env=env, capture_output=True, timeout=300)
    finally:
        worker.stop()
    assert done.returncode == 2, done.stderr.decode()[-2000:]  # one file failed, and says so
    report = json.loads(done.stdout)
    assert sorted(r["file"] for r in report["registered"]) == sorted(map(str, stills))
    assert [f["file"] for f in report["failed"]] == [str(tmp_path / "absent.jpg")]
    assert _assets(queued_ctx) == sorted(r["asset"] for r in report["registered"])
