"""The embedded executor: a thread in the API process, and a restart fails what it interrupted.

Nothing outside the process remembers its jobs, so when the server starts, every clip still
without a decision belonged to a server that stopped before deciding it; :meth:`recover` logs
``check.failed`` for each, naming the restart, so no job stays "running" for ever.
"""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor

from ledger.checks import service
from ledger.context import Clearance
from ledger.jobs.run_check import run_check_job

log = logging.getLogger(__name__)

INTERRUPTED_STATUS = 503
INTERRUPTED_DETAIL = ("the check was interrupted by a restart of the server before it was decided; "
                      "submit the clip again (re-check by clip_sha256)")


class InProcessExecutor:
    """One background thread: fingerprinting is CPU-bound, and one at a time leaves the rest for requests."""

    def __init__(self, ctx: Clearance, threads: int = 1) -> None:
        self.ctx = ctx
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="clearance-check")

    def submit_check(self, clip_id: str, actor: str) -> None:
        # the worker thread does not inherit contextvars: hand it the caller's (the request id)
        self._pool.submit(contextvars.copy_context().run, run_check_job, self.ctx, clip_id, actor)

    def recover(self) -> list[str]:
        interrupted = service.undecided_clips(self.ctx)
        for clip_id in interrupted:
            service.fail_undecided(self.ctx, clip_id, INTERRUPTED_STATUS, INTERRUPTED_DETAIL, "system:restart")
        if interrupted:
            log.warning("%d check(s) interrupted by a restart were marked failed", len(interrupted))
        return interrupted

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
