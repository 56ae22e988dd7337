"""No test depends on the day it runs: the tests marked ``dated`` pass with the clock two years ahead.

They compare dates with the clock (a revocation without a date, an audit as of today, licenses ending
soon); their dates are relative to ``tests/dates.py``'s ``TODAY``, which is ``ledger.clock.today()``.
This reruns them in a child pytest with ``CLEARANCE_TODAY`` set 730 days ahead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.conftest import PROJECT_ROOT
from tests.dates import TODAY


@pytest.mark.slow   # a child pytest of every dated test (~1 min): CI runs it in its slow step
@pytest.mark.skipif(os.environ.get("CLEARANCE_CLOCK_MOVED") == "1", reason="already the moved run")
def test_the_dated_tests_pass_two_years_from_today(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ahead = (TODAY + timedelta(days=730)).isoformat()
    env = {**os.environ, "CLEARANCE_TODAY": ahead, "CLEARANCE_CLOCK_MOVED": "1"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-m", "dated and not slow", "-q", "-p", "no:cacheprovider",
                           "--basetemp", str(tmp_path / "moved"), "tests"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1500)
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, f"with CLEARANCE_TODAY={ahead}:\n{tail}"
    assert " passed" in done.stdout and " failed" not in done.stdout, tail
