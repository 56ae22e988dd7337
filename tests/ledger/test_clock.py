"""ledger.clock: the one day every date-dependent decision is made as of."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledger import clock
from ledger.checks.request import CheckRequest
from ledger.errors import ConfigurationError


def test_unset_it_is_the_machines_utc_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(clock.TODAY_VARIABLE, raising=False)
    assert clock.today() == datetime.now(UTC).date() and not clock.is_fixed()


def test_the_variable_fixes_the_day_for_every_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.TODAY_VARIABLE, "2031-02-28")
    assert clock.today() == date(2031, 2, 28) and clock.is_fixed()
    request = CheckRequest(service="svc", project="P", media=["streaming"], territories=["US"])
    assert request.release_date == date(2031, 2, 28)


def test_a_malformed_day_is_a_configuration_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.TODAY_VARIABLE, "next tuesday")
    with pytest.raises(ConfigurationError, match="CLEARANCE_TODAY must be a date as YYYY-MM-DD"):
        clock.today()


def test_a_pinned_day_wins_inside_and_is_released_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.TODAY_VARIABLE, "2030-01-01")
    with clock.pinned(date(2026, 12, 1)):
        assert clock.today() == date(2026, 12, 1) and clock.is_fixed()
    assert clock.today() == date(2030, 1, 1)
