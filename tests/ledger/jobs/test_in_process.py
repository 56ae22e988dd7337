"""The embedded executor: jobs run in a thread, and a restart fails the ones it interrupted, in the log."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.checks import service
from ledger.context import Clearance
from ledger.jobs import executor_for
from ledger.jobs.in_process import InProcessExecutor
from tests.ledger.checks.clips import decisions_logged, nothing_found, png, submit_clip
from tests.dates import TODAY


def test_the_embedded_default_is_the_in_process_executor(ctx: Clearance) -> None:
    assert ctx.settings.queue_url is None
    assert isinstance(executor_for(ctx), InProcessExecutor)


def test_a_restart_marks_interrupted_jobs_failed_naming_the_restart(ctx: Clearance) -> None:
    decided = submit_clip(ctx, 1)
    service.run(ctx, decided, "generator:test", nothing_found())
    interrupted = [submit_clip(ctx, 2), submit_clip(ctx, 3)]  # submitted, then the server stopped

    assert InProcessExecutor(ctx).recover() == interrupted
    for clip_id in interrupted:
        state = service.check_for_clip(ctx, clip_id)
        assert state is not None and state["state"] == "failed" and state["status"] == 503
        assert "interrupted by a restart" in state["detail"]
    assert decisions_logged(ctx) == [("check.decided", decided), *(("check.failed", c) for c in interrupted)]
    assert InProcessExecutor(ctx).recover() == []  # a second start finds nothing left to fail


def test_the_job_route_reports_the_interrupted_job_as_failed(sqlite_ctx: Clearance) -> None:
    clip_id = submit_clip(sqlite_ctx)
    InProcessExecutor(sqlite_ctx).recover()
    key = create_key(sqlite_ctx, "generator")[0]
    answer = TestClient(create_app(sqlite_ctx)).get(f"/v1/checks/jobs/{clip_id}",
                                                    headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 503 and "restart" in answer.json()["detail"]


def test_a_background_check_is_decided_by_the_executor_thread(sqlite_ctx: Clearance) -> None:
    key = create_key(sqlite_ctx, "generator")[0]
    client = TestClient(create_app(sqlite_ctx))
    request = {"service": "gen-svc", "project": "Tidewater", "media": ["streaming"], "territories": ["US"],
               "release_date": TODAY.isoformat()}
    answer = client.post("/v1/checks?wait=false", headers={"Authorization": f"Bearer {key}"},
                         files={"file": ("clip.png", png(9))}, data={"request": json.dumps(request)})
    assert answer.status_code == 202, answer.text
    job = answer.json()["job"]
    for _ in range(240):
        polled = client.get(job, headers={"Authorization": f"Bearer {key}"})
        if polled.status_code != 202:
            break
        time.sleep(0.5)
    assert polled.status_code == 200, polled.text
    assert polled.json()["check"]["clip_id"] == answer.json()["clip_id"]
    assert decisions_logged(sqlite_ctx) == [("check.decided", answer.json()["clip_id"])]
