"""A worker's CPU-heavy work at low priority, its database writes at the normal one.

Linux keeps a nice value per thread. If every thread of ``clearance worker`` ran at nice 19,
a thread could be descheduled for tens of milliseconds while its transaction holds the log
head, and every API write would queue behind it (priority inversion: measured as 20 ms
appends from the workers while 200 writes were in flight). So the worker process keeps the
normal priority, and only fingerprinting and matching, which touch no database, run on
threads that lowered their own priority: fingerprinting still takes only the CPU the API
leaves, and a job's reads and writes are not slowed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class LowPriorityThreads:
    """``threads`` threads at ``nice`` (0-19) on which :meth:`call` runs a function and waits for it."""

    def __init__(self, threads: int, nice: int) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="low-priority",
                                        initializer=_lower_own_priority, initargs=(nice,))

    def call(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``function(*args, **kwargs)`` on a low-priority thread; its result or its exception here."""
        return self._pool.submit(function, *args, **kwargs).result()

    def wrap(self, function: Callable[P, R]) -> Callable[P, R]:
        """``function`` that always runs on a low-priority thread."""

        def on_low_priority(*args: P.args, **kwargs: P.kwargs) -> R:
            return self.call(function, *args, **kwargs)

        return on_low_priority

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _lower_own_priority(nice: int) -> None:
    """Raise this thread's nice value by ``nice`` (on Linux, ``os.nice`` changes the calling thread only)."""
    if nice:
        os.nice(nice)
