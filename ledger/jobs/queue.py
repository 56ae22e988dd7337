"""Jobs on RabbitMQ through Dramatiq: the API enqueues, ``clearance worker`` processes decide.

Why Dramatiq on RabbitMQ: a message is acknowledged only after its actor returns, and RabbitMQ
hands the unacknowledged messages of a consumer whose connection drops (a worker killed with
SIGKILL, its machine lost) to another consumer at once, without a visibility timeout to wait
out. Queues are durable, messages persistent and publishing is confirmed, so an accepted job
survives a broker restart. Each installation has its own queue, named from a digest of its
database URL, so installations sharing a broker never take each other's jobs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ledger.checks import service
from ledger.context import Clearance
from ledger.errors import ConfigurationError
from ledger.settings import Settings

if TYPE_CHECKING:
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

log = logging.getLogger(__name__)

CHECK_ACTOR = "check_clip"
REGISTER_ACTOR = "register_file"
CHECK_TIME_LIMIT_MS = 30 * 60 * 1000
"""A check taking longer than this is stopped and retried (a decode hung past its own limits)."""
CHECK_MAX_RETRIES = 5
"""Retries of a job that could not even record its failure (the database was unreachable)."""


def queue_name(settings: Settings, jobs: str = "checks") -> str:
    """``clearance-checks-<digest>`` or ``clearance-register-<digest>``: one pair per installation."""
    digest = hashlib.sha256(settings.resolved_database_url.encode()).hexdigest()[:16]
    return f"clearance-{jobs}-{digest}"


def broker_location(settings: Settings) -> str:
    """The broker named for people: host and port, never the credentials in the URL."""
    parts = urlsplit(settings.queue_url or "")
    return f"{parts.hostname or '?'}:{parts.port or 5672}"


def make_broker(settings: Settings) -> RabbitmqBroker:
    """The RabbitMQ broker of ``queue_url``, with the check queue declared; unreachable: ConfigurationError."""
    import dramatiq
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    # pika logs every failed connection attempt as an ERROR with a traceback; Dramatiq reports connection
    # trouble of a running worker itself, and an unreachable broker at start is the error raised below
    logging.getLogger("pika").setLevel(logging.CRITICAL)
    broker = RabbitmqBroker(url=settings.queue_url, confirm_delivery=True)
    dramatiq.set_broker(broker)
    try:
        # connects now: a wrong URL or a broker that is down stops the command that needs it, naming the setting
        broker.declare_queue(queue_name(settings), ensure=True)
        broker.declare_queue(queue_name(settings, "register"), ensure=True)
    except Exception as exc:  # pika raises many kinds; each means the same thing here
        raise ConfigurationError(f"the job queue at {broker_location(settings)} (CLEARANCE_QUEUE_URL) cannot be "
                                 f"reached ({type(exc).__name__})") from None
    return broker


class QueueExecutor:
    """Puts check jobs on the installation's queue; ``clearance worker`` runs them."""

    def __init__(self, ctx: Clearance) -> None:
        self.ctx = ctx
        self.broker = make_broker(ctx.settings)
        self.queue = queue_name(ctx.settings)

    def submit_check(self, clip_id: str, actor: str) -> None:
        import dramatiq

        message: dramatiq.Message[Any] = dramatiq.Message(queue_name=self.queue, actor_name=CHECK_ACTOR,
                                                           args=(clip_id, actor), kwargs={}, options={})
        try:
            self.broker.enqueue(message)
        except Exception as exc:  # noqa: BLE001 - the broker went away after start-up
            raise ConfigurationError(f"the job queue at {broker_location(self.ctx.settings)} did not take the job "
                                     f"({type(exc).__name__}); clip {clip_id} is submitted, re-check it later") from None

    def submit_registration(self, path: str, base: dict[str, Any], asset_id: str, actor: str, reply_to: str) -> None:
        import dramatiq

        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=queue_name(self.ctx.settings, "register"), actor_name=REGISTER_ACTOR,
            args=(path, base, asset_id, actor, reply_to), kwargs={}, options={})
        self.broker.enqueue(message)

    def recover(self) -> list[str]:
        """Queue again every clip still undecided: a job lost with a server that died while the API
        checked it itself, or one still queued (running it twice decides it once)."""
        undecided = service.undecided_clips(self.ctx)
        for clip_id in undecided:
            self.submit_check(clip_id, "system:restart")
        if undecided:
            log.warning("%d undecided check(s) queued again at start", len(undecided))
        return undecided

    def close(self) -> None:
        self.broker.close()


def declare_check_actor(broker: RabbitmqBroker, settings: Settings,
                        body: Callable[[str, str], bool]) -> None:
    """Declare the check actor on ``broker`` for a worker: ``body(clip_id, actor)`` is True when done."""
    import dramatiq

    class NotDecidedYet(Exception):
        """The job could not record its end; Dramatiq retries it with back-off."""

    def check_clip(clip_id: str, actor: str) -> None:
        if not body(clip_id, actor):
            raise NotDecidedYet(f"clip {clip_id} is still undecided")

    dramatiq.actor(broker=broker, actor_name=CHECK_ACTOR, queue_name=queue_name(settings),
                   max_retries=CHECK_MAX_RETRIES, time_limit=CHECK_TIME_LIMIT_MS,
                   retry_when=lambda retries, exc: isinstance(exc, NotDecidedYet) and retries < CHECK_MAX_RETRIES,
                   )(check_clip)


def declare_register_actor(broker: RabbitmqBroker, settings: Settings,
                           body: Callable[[str, dict[str, Any], str, str], dict[str, Any]]) -> None:
    """Declare the registration actor: ``body(path, base, asset_id, actor)`` answers, sent to ``reply_to``."""
    import json

    import dramatiq

    def register_file(path: str, base: dict[str, Any], asset_id: str, actor: str, reply_to: str) -> None:
        answer = {**body(path, base, asset_id, actor), "asset_id": asset_id}
        # the default exchange routes to the caller's reply queue; gone with its caller, the answer is dropped
        broker.channel.basic_publish(exchange="", routing_key=reply_to, body=json.dumps(answer).encode())

    dramatiq.actor(broker=broker, actor_name=REGISTER_ACTOR, queue_name=queue_name(settings, "register"),
                   max_retries=CHECK_MAX_RETRIES, time_limit=CHECK_TIME_LIMIT_MS)(register_file)
