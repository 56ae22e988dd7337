"""``clearance worker``: a process that takes check and registration jobs from the queue until it is stopped.

Each job is acknowledged only after it ends, so a worker killed mid-job leaves its job
unacknowledged and RabbitMQ gives it to another worker, which decides it once
(:func:`ledger.jobs.run_check.run_check_job` is idempotent on the clip).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from ledger.context import Clearance
from ledger.errors import ConfigurationError
from ledger.jobs.priority import LowPriorityThreads
from ledger.jobs.queue import broker_location, declare_check_actor, declare_register_actor, make_broker, queue_name
from ledger.jobs.registration import register_file
from ledger.jobs.run_check import run_check_job

log = logging.getLogger(__name__)


def serve_jobs(ctx: Clearance, threads: int = 1, stop: threading.Event | None = None, nice: int = 0) -> None:
    """Run check jobs with ``threads`` threads until SIGTERM or SIGINT (or ``stop`` is set); their
    fingerprinting and matching run at ``nice`` (:mod:`ledger.jobs.priority` says why only those)."""
    from dramatiq import Worker

    from ledger.checks.service import media_matcher

    if not ctx.settings.queue_url:
        raise ConfigurationError("no job queue configured: set CLEARANCE_QUEUE_URL (amqp://...) for the "
                                 "server and its workers; without it the server checks in its own process")
    broker = make_broker(ctx.settings)
    low = LowPriorityThreads(threads, nice)
    matcher = low.wrap(media_matcher(ctx))
    declare_check_actor(broker, ctx.settings, lambda clip_id, actor: run_check_job(ctx, clip_id, actor, matcher))
    declare_register_actor(broker, ctx.settings,
                           lambda path, base, asset_id, actor: register_file(ctx, path, base, asset_id, actor,
                                                                             low.call))
    stop = stop or threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping after the current job(s) (signal %d)", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    worker = Worker(broker, worker_threads=threads)
    # one unacknowledged job per thread: a busy worker does not sit on jobs an idle one could run,
    # and a killed worker takes no more than the jobs it was running down with it (all redelivered)
    worker.queue_prefetch = threads
    worker.start()
    log.info("worker taking check jobs from %s on %s with %d thread(s)", queue_name(ctx.settings),
             broker_location(ctx.settings), threads)
    try:
        stop.wait()
    finally:
        worker.stop()
        low.close()
        broker.close()
