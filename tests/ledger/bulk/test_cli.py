"""``clearance register --bulk`` as a user runs it: progress, the report, a killed driver started again."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from sqlmodel import select

from ledger.audit.replay import verify
from ledger.bulk.job import JobProgress
from ledger.cli import bulk_view
from ledger.context import Clearance
from ledger.records import models as m
from tests.ledger.bulk.processes import descendants, kill_all

CLI = [sys.executable, "-c", "from ledger.cli import main; main()"]


def _env(ctx: Clearance) -> dict[str, str]:
    return {**os.environ, "CLEARANCE_HOME": str(ctx.settings.home),
            "CLEARANCE_DATABASE_URL": ctx.settings.resolved_database_url, "COLUMNS": "200"}


def _progress_lines(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith('{"event": "progress"')]


def test_progress_is_a_json_line_per_batch_off_a_terminal_and_a_bar_on_one(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    progress = JobProgress(files_total=4, registered=2, skipped=1, frames=30, fingerprinted=2,
                           started=time.monotonic() - 10)  # 10 s in: 3 frames/s, one file left at 5 s a file
    with bulk_view.progress_listener(on_terminal=False) as listen:
        listen("file", progress)  # no line per file
        listen("batch", progress)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["event"] == "progress"
    assert {k: line[k] for k in ("files_total", "files_done", "registered", "skipped", "refused", "frames")} == {
        "files_total": 4, "files_done": 3, "registered": 2, "skipped": 1, "refused": 0, "frames": 30}
    assert 2.9 < line["frames_per_s"] < 3.1 and 4.9 < line["eta_s"] < 5.5

    screen = io.StringIO()
    monkeypatch.setattr(bulk_view, "err_console", Console(file=screen, force_terminal=True, width=200))
    with bulk_view.progress_listener() as listen:
        listen("batch", progress)
    shown = screen.getvalue()
    assert "3/4" in shown and "files" in shown and "30 frames" in shown and "frames/s" in shown and "ETA" in shown


def test_only_a_bulk_job_loads_ray() -> None:
    """The CLI, the API, the demo and the bulk modules themselves import without Ray: a small world never needs it."""
    probe = ("import sys, ledger.cli.app, ledger.api.factory, ledger.demo, ledger.bulk.job, ledger.cli.bulk_view; "
             "print('ray' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.slow   # whole CLI processes end to end (7-12 s): CI's slow step runs it
def test_bulk_options_without_a_list_or_a_list_with_files_are_refused(sqlite_ctx: Clearance, tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("path\n")
    both = subprocess.run([*CLI, "register", str(tmp_path), "--bulk", str(listing)], env=_env(sqlite_ctx),
                          capture_output=True, text=True, timeout=120)
    assert both.returncode == 2 and "either files to register or --bulk LIST" in both.stderr
    stray = subprocess.run([*CLI, "register", str(tmp_path), "--report", str(tmp_path / "r.json")],
                           env=_env(sqlite_ctx), capture_output=True, text=True, timeout=120)
    assert stray.returncode == 2 and "belong to --bulk LIST" in stray.stderr
    empty = subprocess.run([*CLI, "register", "--bulk", str(listing), "--json"], env=_env(sqlite_ctx),
                           capture_output=True, text=True, timeout=120)
    assert empty.returncode == 0, empty.stderr  # an empty list is done at once, without starting Ray
    assert json.loads(empty.stdout)["ray"]["used"] is False
    assert "Traceback" not in both.stderr + stray.stderr + empty.stderr


def _assets(ctx: Clearance) -> list[str]:
    with ctx.db.reader() as session:
        return list(session.exec(select(m.Asset.sha256)).all())


@pytest.mark.slow
@pytest.mark.corpus
def test_a_driver_killed_after_its_first_batch_and_started_again_registers_each_file_once(
        sqlite_ctx: Clearance, shared_data: Path, tmp_path: Path) -> None:
    stills = sorted((shared_data / "near-duplicates" / "ukbench").glob("ukbench0*.jpg"))[:5]
    listing = tmp_path / "library.jsonl"
    listing.write_text("".join(json.dumps({"path": str(p), "role": "training_asset"}) + "\n" for p in stills))
    command = [*CLI, "register", "--bulk", str(listing), "--batch-files", "1", "--ray-cpus", "2"]
    driver = subprocess.Popen(command, env=_env(sqlite_ctx), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    started: set[int] = set()
    try:
        assert driver.stderr is not None
        for line in driver.stderr:  # not a terminal: one JSON line per committed batch
            started |= descendants(driver.pid)
            if line.startswith('{"event": "progress"') and json.loads(line)["registered"] >= 1:
                break
        started |= descendants(driver.pid)  # its Ray instance: head processes and workers
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=60)
    finally:
        kill_all(started | {driver.pid})
    before = _assets(sqlite_ctx)
    assert 1 <= len(before) and len(set(before)) == len(before)

    report_path = tmp_path / "report.json"
    again = subprocess.run([*command, "--report", str(report_path)], env=_env(sqlite_ctx), capture_output=True,
                           text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-3000:]
    report = json.loads(report_path.read_text())
    assert report["summary"]["skipped"] == len(before)  # what the killed job committed
    assert report["summary"]["registered"] == len(stills) - len(before)
    assert report["summary"]["refused"] == 0
    assert {s["path"] for s in report["skipped"]} | {r["path"] for r in report["registered"]} == set(map(str, stills))
    after = _assets(sqlite_ctx)
    assert len(after) == len(stills) and len(set(after)) == len(stills)  # every file, none twice
    assert verify(sqlite_ctx).ok
    lines = _progress_lines(again.stderr)
    assert lines and lines[-1]["files_done"] == len(stills) and lines[-1]["registered"] == len(stills) - len(before)
    done = [line["files_done"] for line in lines]
    assert done == sorted(done) and all(line["files_total"] == len(stills) for line in lines)
    assert f"{len(stills) - len(before)} registered, {len(before)} skipped" in again.stdout

