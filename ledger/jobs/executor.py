"""The executor interface and the choice between the in-process one and the queue."""

from __future__ import annotations

from typing import Protocol

from ledger.context import Clearance


class Executor(Protocol):
    """Runs the check of a submitted clip later, somewhere; the log records how it ended."""

    def submit_check(self, clip_id: str, actor: str) -> None:
        """Have the check of ``clip_id`` decided (``service.run``); returns at once."""

    def recover(self) -> list[str]:
        """At server start: deal with the jobs a stopped server left undecided; returns their clip ids."""

    def close(self) -> None:
        """Stop taking jobs and release what the executor holds."""


def executor_for(ctx: Clearance) -> Executor:
    """The in-process executor, or the queue when ``queue_url`` is configured."""
    if ctx.settings.queue_url:
        from ledger.jobs.queue import QueueExecutor

        return QueueExecutor(ctx)
    from ledger.jobs.in_process import InProcessExecutor

    return InProcessExecutor(ctx)
