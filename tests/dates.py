"""The one "today" that tests compare dates against.

It is :func:`ledger.clock.today`, read once when the tests start, so ``CLEARANCE_TODAY`` moves every
test's dates and the code's verdict dates together (``tests/test_clock.py`` runs the dated tests two
years ahead). A test date that is compared with the clock is written relative to ``TODAY``; a test whose
dates are all fixed (a request's ``release_date`` beside a record's fixed terms) compares none with it.
"""

from __future__ import annotations

from datetime import date, timedelta

from ledger import clock

TODAY: date = clock.today()


def days_from_today(days: int) -> str:
    """An ISO date ``days`` after (or, negative, before) the tests' today."""
    return (TODAY + timedelta(days=days)).isoformat()
