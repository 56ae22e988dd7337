"""A real Ray instance on this machine for the bulk registration tests: two worker slots, gone afterwards."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from tests.ledger.bulk.processes import descendants, kill_all


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """``ray.init(num_cpus=2)`` in the test process, shared by a module's tests; every process it started
    is ended at the end (``ray.shutdown``, then SIGKILL for any that outlived it)."""
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    before = descendants(os.getpid())
    attempts = 3  # a starting instance has fixed time limits (ledger.bulk.remote), which a busy machine can miss
    for attempt in range(1, attempts + 1):
        try:
            ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.ERROR)
            break
        except Exception:
            ray.shutdown()
            kill_all(descendants(os.getpid()) - before)
            if attempt == attempts:
                raise
    started = descendants(os.getpid()) - before
    try:
        yield
    finally:
        running = started | (descendants(os.getpid()) - before)  # workers too, while their raylet is there
        ray.shutdown()
        kill_all(running)
