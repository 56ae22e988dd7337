"""Queue criteria and ordering, without a database: bad input names its field, sorts keep their promise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ledger.errors import ValidationFailed
from ledger.web.pages_queue import age_text
from ledger.worklist.criteria import parse
from ledger.worklist.queue import QueueRow, select_rows

NOW = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)


def _row(index: int, service: str, project: str, release: str, hours_ago: float, policies: tuple[str, ...] = ("p.a",),
         channels: tuple[str, ...] = ("perceptual",), assignee: str | None = None) -> QueueRow:
    return QueueRow(f"chk_{index}", index, NOW - timedelta(hours=hours_ago), f"clp_{index}", f"c{index}.mp4", service,
                    project, date.fromisoformat(release), policies, tuple("" for _ in policies), channels, assignee,
                    assignee)


ROWS = [_row(1, "gen", "Tidewater", "2030-05-01", 100, ("p.a", "p.b")),
        _row(2, "board", "Harbour", "2030-02-01", 30, ("p.b",), ("semantic",), assignee="k1"),
        _row(3, "gen", "Harbour", "2030-09-01", 2, ("p.a",), ("voice", "identity")),
        _row(4, "board", "Tidewater", "2030-03-01", 0.5, ("p.c",), ("request",), assignee="k2")]


def _ids(values: dict[str, str], caller: str = "k1") -> list[str]:
    return [r.check_id for r in select_rows(ROWS, parse(values), caller, NOW)]


def test_each_filter_selects_and_each_sort_orders() -> None:
    assert _ids({}) == ["chk_1", "chk_2", "chk_3", "chk_4"]
    assert _ids({"service": "gen"}) == ["chk_1", "chk_3"]
    assert _ids({"project": "Harbour"}) == ["chk_2", "chk_3"]
    assert _ids({"policy": "p.b"}) == ["chk_1", "chk_2"]
    assert _ids({"channel": "identity"}) == ["chk_3"]
    assert _ids({"assignee": "none"}) == ["chk_1", "chk_3"]
    assert _ids({"assignee": "me"}) == ["chk_2"] and _ids({"assignee": "me"}, caller="k2") == ["chk_4"]
    assert _ids({"assignee": "k2"}) == ["chk_4"]
    assert _ids({"min_age_days": "1"}) == ["chk_1", "chk_2"]
    assert _ids({"release_before": "2030-03-01"}) == ["chk_2", "chk_4"]
    assert _ids({"sort": "newest"}) == ["chk_4", "chk_3", "chk_2", "chk_1"]
    assert _ids({"sort": "release"}) == ["chk_2", "chk_4", "chk_1", "chk_3"]
    assert _ids({"sort": "service"}) == ["chk_2", "chk_4", "chk_1", "chk_3"]
    assert _ids({"sort": "project", "service": "gen"}) == ["chk_3", "chk_1"]


def test_bad_criteria_name_the_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse({"sort": "loudest", "min_age_days": "-1", "release_before": "soon", "assignee": "../x"})
    assert {p.field for p in caught.value.problems} == {"sort", "min_age_days", "release_before", "assignee"}


def test_criteria_round_trip_as_a_saved_filter_and_query() -> None:
    chosen = parse({"service": " gen ", "release_before": "2030-03-01", "sort": "release", "min_age_days": "2"})
    assert chosen.as_json() == {"service": "gen", "release_before": "2030-03-01", "sort": "release", "min_age_days": 2}
    assert parse(chosen.as_json()) == chosen and parse(chosen.query()) == chosen
    assert parse({}).as_json() == {} and not parse({"sort": "newest"}).narrowed


def test_age_reads_as_a_person_would_say_it() -> None:
    assert [age_text(s) for s in (5, 61, 7200, 3 * 86400 + 5)] == ["5 s", "1 min", "2 h", "3 d"]
