"""A real ``clearance worker`` against the real RabbitMQ: a worker killed mid-job, its job decided once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ledger.checks import service
from ledger.context import Clearance
from ledger.jobs.queue import QueueExecutor
from tests.ledger.checks.clips import REQUEST, decisions_logged
from tests.ledger.jobs.workers import CLEARANCE, Worker


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("backend", ["postgres"])
def test_a_worker_killed_mid_job_leaves_it_to_another_which_decides_it_once(
        queued_ctx: Clearance, shared_data: Path, tmp_path: Path) -> None:
    clip = shared_data / "video" / "chair-22-sd-sepia-bar.mp4"
    clip_id = service.submit(queued_ctx, REQUEST, clip.read_bytes(), clip.name, "generator:test")
    QueueExecutor(queued_ctx).submit_check(clip_id, "generator:test")

    first = Worker(queued_ctx, tmp_path / "first.log")
    try:
        first.wait_for(f'"clip_id": "{clip_id}"', 120)  # the "check started" line: it is fingerprinting now
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
    finally:
        first.stop()
    assert service.check_for_clip(queued_ctx, clip_id) is None, "the first worker finished before it was killed"

    second = Worker(queued_ctx, tmp_path / "second.log")
    try:
        deadline = time.monotonic() + 180
        while service.check_for_clip(queued_ctx, clip_id) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        state = service.check_for_clip(queued_ctx, clip_id)
        assert state is not None and state["state"] == "decided", state
        second.wait_for("check decided", 60)  # logged after the decision's receipt: the second worker decided it
        QueueExecutor(queued_ctx).submit_check(clip_id, "generator:test")  # delivered again: no second decision
        second.wait_for("already decided", 60)
    finally:
        second.stop()
    assert second.process.returncode == 0, (tmp_path / "second.log").read_text()[-2000:]
    assert decisions_logged(queued_ctx) == [("check.decided", clip_id)]


def _worker_exit(home: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    inherited = {k: v for k, v in os.environ.items() if k not in ("CLEARANCE_QUEUE_URL", "CLEARANCE_DATABASE_URL")}
    environ = {**inherited, "CLEARANCE_HOME": str(home), **env}
    subprocess.run([CLEARANCE, "init"], env=environ, check=True, capture_output=True, timeout=120)
    return subprocess.run([CLEARANCE, "worker"], env=environ, capture_output=True, timeout=120)


def test_a_worker_without_a_queue_says_which_setting_is_missing(tmp_path: Path) -> None:
    done = _worker_exit(tmp_path / "home")
    assert done.returncode == 6 and b"CLEARANCE_QUEUE_URL" in done.stderr


def test_an_unreachable_queue_is_named_without_its_password(tmp_path: Path) -> None:
    done = _worker_exit(tmp_path / "home", CLEARANCE_QUEUE_URL="amqp://guest:s3cret-pw@127.0.0.1:1/%2F")
    assert done.returncode == 6, done.stderr
    assert b"127.0.0.1:1" in done.stderr and b"CLEARANCE_QUEUE_URL" in done.stderr
    assert b"s3cret-pw" not in done.stderr and b"Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("backend", ["postgres"])
def test_the_api_queues_a_background_check_and_its_job_route_follows_the_worker(
        queued_ctx: Clearance, shared_data: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from ledger.api.app import create_app
    from ledger.auth.keys import create_key
    from ledger.jobs.queue import QueueExecutor as Queue

    app = create_app(queued_ctx)
    assert isinstance(app.state.jobs, Queue)
    headers = {"Authorization": f"Bearer {create_key(queued_ctx, 'generator')[0]}"}
    client = TestClient(app)
    still = shared_data / "near-duplicates" / "ukbench" / "ukbench00120.jpg"
    answer = client.post("/v1/checks?wait=false", headers=headers, files={"file": (still.name, still.read_bytes())},
                         data={"request": REQUEST.model_dump_json()})
    assert answer.status_code == 202, answer.text
    job = answer.json()["job"]
    time.sleep(1)
    assert client.get(job, headers=headers).status_code == 202  # queued, and no worker yet
    worker = Worker(queued_ctx, tmp_path / "worker.log")
    try:
        for _ in range(240):
            polled = client.get(job, headers=headers)
            if polled.status_code != 202:
                break
            time.sleep(0.5)
    finally:
        worker.stop()
    assert polled.status_code == 200 and polled.json()["state"] == "decided", polled.text
    assert decisions_logged(queued_ctx) == [("check.decided", answer.json()["clip_id"])]
