"""Real ``clearance worker`` processes and queued installations for the job tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.context import Clearance
from ledger.jobs.queue import queue_name
from ledger.settings import Settings
from ledger.setup import initialise

QUEUE_URL = os.environ.get("CLEARANCE_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/%2F")
CLEARANCE = str(Path(sys.executable).parent / "clearance")


def _broker_reachable() -> bool:
    import pika

    try:
        pika.BlockingConnection(pika.URLParameters(QUEUE_URL + "?connection_attempts=1&socket_timeout=3")).close()
        return True
    except Exception:  # noqa: BLE001
        return False


def queued_context(settings: Settings) -> Iterator[Clearance]:
    """An installation on ``settings`` with the test broker as its queue; its queues are deleted after."""
    if not _broker_reachable():
        pytest.skip(f"RabbitMQ is not reachable at {QUEUE_URL.split('@')[-1]}")
    ctx = Clearance(settings.model_copy(update={"queue_url": QUEUE_URL}))
    initialise(ctx)
    yield ctx
    import pika

    with pika.BlockingConnection(pika.URLParameters(QUEUE_URL)) as connection:
        channel = connection.channel()
        for jobs in ("checks", "register"):
            for suffix in ("", ".DQ", ".XQ"):  # the queue and Dramatiq's delay and dead-letter queues
                channel.queue_delete(queue_name(ctx.settings, jobs) + suffix)
    ctx.db.dispose()


class Worker:
    """One ``clearance worker`` process whose JSON log lines are collected as they come."""

    def __init__(self, ctx: Clearance, log: Path) -> None:
        env = {**os.environ, "CLEARANCE_HOME": str(ctx.settings.home), "CLEARANCE_QUEUE_URL": QUEUE_URL,
               "CLEARANCE_DATABASE_URL": ctx.settings.resolved_database_url, "CLEARANCE_LOG_FORMAT": "json",
               "CLEARANCE_LOG_LEVEL": "INFO"}
        self.log = log
        self.process = subprocess.Popen([CLEARANCE, "worker"], env=env, stdout=subprocess.DEVNULL,
                                        stderr=log.open("wb"))

    def wait_for(self, text: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                pytest.fail(f"worker exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)
        pytest.fail(f"worker did not log {text!r} within {timeout_s} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


