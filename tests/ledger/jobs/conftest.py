"""Fixtures of the job tests: an installation whose queue is the RabbitMQ server of this machine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.context import Clearance
from ledger.settings import Settings
from tests.ledger.jobs.workers import queued_context


@pytest.fixture
def queued_ctx(settings: Settings) -> Iterator[Clearance]:
    yield from queued_context(settings)
