"""The one clock that says what day it is for every date-dependent decision.

A check's default use date, the day a revocation or an amendment takes effect, the day an audit
judges, the "not in the future" rules on records: each asks :func:`today` here, never
``date.today()``. Setting ``CLEARANCE_TODAY`` to an ISO date (``2026-03-01``) makes every process
started with it (the CLI, ``clearance serve``, workers) decide as of that day: to reproduce a past
decision, or to run the tests as of another day. Unset, it is the machine's date (UTC).

Timestamps of what happened (log entries, signatures, exports) stay on the real clock: the log
records when an event was appended, and a faked time there would be false evidence.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from ledger.errors import ConfigurationError

TODAY_VARIABLE = "CLEARANCE_TODAY"


def today() -> date:
    """The day decisions are made as of: ``CLEARANCE_TODAY`` when set, else today's UTC date."""
    fixed = os.environ.get(TODAY_VARIABLE, "").strip()
    if not fixed:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(fixed)
    except ValueError:
        raise ConfigurationError(f"{TODAY_VARIABLE} must be a date as YYYY-MM-DD, not {fixed[:40]!r}") from None


def is_fixed() -> bool:
    """Whether ``CLEARANCE_TODAY`` fixes the day (outputs say so beside the date they judged)."""
    return bool(os.environ.get(TODAY_VARIABLE, "").strip())
