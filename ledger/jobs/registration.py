"""Bulk registration as queue jobs: one job per file, each answered on the caller's reply queue.

``clearance register`` with ``queue_url`` set picks each file's asset id itself and puts one job
per file on the installation's registration queue; ``clearance worker`` fingerprints and
registers it and answers on the command's own (exclusive, auto-deleted) reply queue. A job is
idempotent on its asset id: delivered again after its worker died, it finds the asset registered
and answers with it. Workers read the files by path and write the installation's media store
and indexes, so they run where the command's files and ``CLEARANCE_HOME`` are (one machine, or a
shared file system).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ledger.context import Clearance
from ledger.errors import ClearanceError
from ledger.records import models as m
from ledger.records.acquisition import source_of

log = logging.getLogger(__name__)

NO_ANSWER_S = 30 * 60
"""How long ``register`` waits for the next answer before reporting the remaining files unanswered."""


def _registered(ctx: Clearance, path: str, asset_id: str) -> dict[str, Any] | None:
    with ctx.db.reader() as session:
        if session.get(m.Asset, asset_id) is None:
            return None
    return {"file": path, "asset": asset_id, "frames": None, "note": "registered by an earlier delivery of this job"}


def _here(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


def register_file(ctx: Clearance, path: str, base: dict[str, Any], asset_id: str, actor: str,
                  run_cpu_work: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Register one file as asset ``asset_id`` (once); the answer names the asset or the error.

    ``run_cpu_work(function, *args)`` runs the fingerprinting (a worker passes its low-priority
    threads); the write that follows runs here.
    """
    from ledger.fingerprints.compute import fingerprint
    from ledger.fingerprints.service import register_asset

    done = _registered(ctx, path, asset_id)
    if done is not None:
        return done
    try:
        fingerprints = (run_cpu_work or _here)(fingerprint, ctx, Path(path), Path(path).name, "reference")
        result = register_asset(ctx, {**source_of(base, Path(path)), "id": asset_id}, Path(path),
                                Path(path).name, actor, fingerprints=fingerprints)
        return {"file": path, "asset": result.written.record["id"], "frames": result.fingerprints["frames"]}
    except ClearanceError as exc:
        return _registered(ctx, path, asset_id) or {"file": path, "error": str(exc)}
    except OSError as exc:
        return {"file": path, "error": f"{path}: cannot be read ({exc.strerror})"}


def register_on_queue(ctx: Clearance, files: Sequence[Path], base: dict[str, Any], actor: str,
                      advance: Callable[[], None] = lambda: None,
                      per_file: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Queue one registration job per file and collect the workers' answers, in the order they come.

    ``per_file`` adds fields to one file's asset (its entered title), by the file as given."""
    import pika

    from ledger.jobs.queue import QueueExecutor

    jobs = QueueExecutor(ctx)
    connection = pika.BlockingConnection(pika.URLParameters(ctx.settings.queue_url or ""))
    try:
        channel = connection.channel()
        reply_to = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
        waiting: dict[str, str] = {}
        for path in files:
            asset_id = f"ast_{uuid.uuid4().hex[:20]}"
            waiting[asset_id] = str(path)
            jobs.submit_registration(str(path), {**base, **(per_file or {}).get(str(path), {})}, asset_id, actor,
                                     reply_to)
        answers: list[dict[str, Any]] = []
        for method, _properties, body in channel.consume(reply_to, inactivity_timeout=NO_ANSWER_S):
            if method is None:
                break  # no answer for NO_ANSWER_S: report what is missing
            channel.basic_ack(method.delivery_tag)
            answer = json.loads(body)
            if waiting.pop(answer.pop("asset_id"), None) is not None:
                answers.append(answer)
                advance()
            if not waiting:
                break
        answers += [{"file": path, "error": f"no worker answered within {NO_ANSWER_S} s; the job stays queued "
                                            f"(asset id {asset_id} once registered)"} for asset_id, path in waiting.items()]
        return answers
    finally:
        connection.close()
        jobs.close()
