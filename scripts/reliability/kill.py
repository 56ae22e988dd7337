"""SIGKILL an API process and a worker mid-stream: no acknowledged write lost, every check decided once.

Run: ``.venv/bin/python scripts/reliability/kill.py`` (about two minutes; loopback only). Writers
append records for ``STREAM_S`` seconds while 16 checks run on two workers; a few seconds in, one
of the two API processes and one worker (while it holds a job) are killed with SIGKILL; uvicorn
starts a new API process and a new worker is started. Requests that were in flight on the killed
process fail and are not acknowledged; the script counts them. Saves
``benchmarks/results/reliability-kill.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from typing import Any

import httpx

from harness import CHECK_REQUEST, Installation, check_clips, save

WRITERS, STREAM_S, CHECKS, KILL_AFTER_S = 16, 30, 16, 2


async def writer(client: httpx.AsyncClient, inst: Installation, n: int, until: float,
                 acknowledged: list[str], failures: list[str]) -> None:
    i = 0
    while time.monotonic() < until:
        i += 1
        try:
            answer = await client.post("/v1/parties", headers=inst.headers("registrar"),
                                       json={"kind": "organisation", "name": f"Stream {n}-{i}"})
            if answer.status_code == 201:
                acknowledged.append(answer.json()["record"]["id"])
            else:
                failures.append(f"{answer.status_code}: {answer.text[:200]}")
        except httpx.HTTPError as exc:  # the killed process's in-flight requests: never acknowledged
            failures.append(f"{type(exc).__name__}")
            await asyncio.sleep(0.2)


def busy_worker(inst: Installation) -> tuple[int, bool]:
    """A worker that has logged "check started" for a clip it has not decided yet (else the first), and
    whether it was such a one."""
    for n, process in enumerate(inst.workers):
        log = (inst.tmp / f"worker-{n}.log").read_text(errors="replace")
        if log.count("check started") > log.count("check decided"):
            return process.pid, True
    return inst.workers[0].pid, False


def started_per_clip(inst: Installation) -> dict[str, int]:
    """How many worker processes logged "check started" for each clip (2: the job was run again)."""
    counts: dict[str, int] = {}
    for n in range(len(inst.workers)):
        clips = set()
        for line in (inst.tmp / f"worker-{n}.log").read_text(errors="replace").splitlines():
            if line.startswith("{") and "check started" in line:
                clips.add(json.loads(line).get("clip_id"))
        for clip in clips:
            counts[clip] = counts.get(clip, 0) + 1
    return counts


async def run(inst: Installation) -> dict[str, Any]:
    acknowledged: list[str] = []
    failures: list[str] = []
    killed: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=inst.base, timeout=60) as client:
        clips = []
        for path in check_clips(CHECKS):
            answer = await client.post("/v1/checks?wait=false", headers=inst.headers("generator"),
                                       files={"file": (path.name, path.read_bytes())},
                                       data={"request": json.dumps(CHECK_REQUEST)})
            clips.append(answer.json()["clip_id"])
        until = time.monotonic() + STREAM_S
        stream = asyncio.gather(*(writer(client, inst, n, until, acknowledged, failures) for n in range(WRITERS)))
        # Kill once the writes have run a while and a worker is mid-job (checks are quick now: waiting a
        # fixed time could find every one already decided, and the redelivery would go untested).
        started = time.monotonic()
        await asyncio.sleep(KILL_AFTER_S)
        while not busy_worker(inst)[1] and time.monotonic() - started < STREAM_S / 2:
            await asyncio.sleep(0.05)
        killed_at = round(time.monotonic() - started, 2)
        api_pid, (worker_pid, mid_job) = inst.api_pids()[0], busy_worker(inst)
        before = len(acknowledged)
        os.kill(api_pid, signal.SIGKILL)
        os.kill(worker_pid, signal.SIGKILL)
        killed = {"api_pid": api_pid, "worker_pid": worker_pid, "worker_was_mid_job": mid_job,
                  "acknowledged_before_kill": before, "at_s": killed_at}
        inst.start_worker(len(inst.workers))
        await stream
        deadline = time.monotonic() + 300
        pending = set(clips)
        while pending and time.monotonic() < deadline:
            for clip in list(pending):
                if (await client.get(f"/v1/checks/jobs/{clip}", headers=inst.headers("generator"))).status_code != 202:
                    pending.discard(clip)
            await asyncio.sleep(0.5)
    created = inst.entries_per_subject("record.created")
    rows = {row[0] for row in inst.query("SELECT id FROM parties")}
    decisions = inst.decisions_per_clip()
    outcome = {
        "setup": {"api_processes": inst.api_processes, "workers": inst.worker_count, "writers": WRITERS,
                  "stream_s": STREAM_S, "checks": CHECKS, "kill_after_s": KILL_AFTER_S},
        "killed": killed, "api_processes_after": len(inst.api_pids()),
        "acknowledged_writes": len(acknowledged),
        "unacknowledged_requests": len(failures), "unacknowledged_samples": sorted(set(failures))[:5],
        "acknowledged_lost": [i for i in acknowledged if i not in rows],
        "acknowledged_not_exactly_once": [i for i in acknowledged if created[i] != 1],
        "undecided_checks": sorted(pending),
        "checks_not_decided_exactly_once": {c: decisions[c] for c in clips if decisions[c] != 1},
        "check_failures": [row[0] for row in inst.query("SELECT detail FROM check_failures")],
        "checks_started_by_two_workers": sorted(c for c, n in started_per_clip(inst).items() if n > 1),
        "log_verify_ok": inst.log_verify(),
    }
    outcome["passed"] = (not outcome["acknowledged_lost"] and not outcome["acknowledged_not_exactly_once"]
                         and not pending and not outcome["checks_not_decided_exactly_once"]
                         and outcome["log_verify_ok"])
    return outcome


def main() -> int:
    inst = Installation(api_processes=2, workers=2)
    try:
        inst.start()
        outcome = asyncio.run(run(inst))
    finally:
        inst.stop()
        inst.remove()
    path = save("reliability-kill", outcome)
    print(json.dumps(outcome, indent=2))
    print(f"saved {path}")
    return 0 if outcome["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
