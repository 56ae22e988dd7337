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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from ledger.errors import ConfigurationError

TODAY_VARIABLE = "CLEARANCE_TODAY"

_pinned: date | None = None


def today() -> date:
    """The day decisions are made as of: a :func:`pinned` day, else ``CLEARANCE_TODAY``, else today (UTC)."""
    if _pinned is not None:
        return _pinned
    fixed = os.environ.get(TODAY_VARIABLE, "").strip()
    if not fixed:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(fixed)
    except ValueError:
        raise ConfigurationError(f"{TODAY_VARIABLE} must be a date as YYYY-MM-DD, not {fixed[:40]!r}") from None


def is_fixed() -> bool:
    """Whether the day is fixed rather than the machine's (outputs say so beside the date they judged)."""
    return _pinned is not None or bool(os.environ.get(TODAY_VARIABLE, "").strip())


@contextmanager
def pinned(day: date) -> Iterator[date]:
    """Decide everything inside as of ``day``: for a one-shot command such as the demo, whose story is
    told as of its stated use date. Not for a server, whose requests each carry their own dates."""
    global _pinned
    previous, _pinned = _pinned, day
    try:
        yield day
    finally:
        _pinned = previous
