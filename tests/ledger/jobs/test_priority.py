"""Fingerprinting on low-priority threads; the job's own thread (its database writes) keeps its priority."""

from __future__ import annotations

import os
import threading

import pytest

from ledger.jobs.priority import LowPriorityThreads


def _own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())  # Linux: a thread's own nice value


def test_work_handed_over_runs_at_the_lower_priority_and_the_caller_keeps_its_own() -> None:
    before = _own_nice()
    if before > 9:
        pytest.skip(f"this test process already runs at nice {before}")
    low = LowPriorityThreads(threads=1, nice=10)
    try:
        assert low.call(_own_nice) == before + 10
        assert low.wrap(_own_nice)() == before + 10
    finally:
        low.close()
    assert _own_nice() == before


def test_results_and_errors_come_back_to_the_caller() -> None:
    low = LowPriorityThreads(threads=2, nice=5)
    try:
        assert low.call(sum, [1, 2, 3]) == 6
        with pytest.raises(ZeroDivisionError):
            low.call(lambda: 1 / 0)
    finally:
        low.close()
