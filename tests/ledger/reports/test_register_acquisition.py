"""Issue 25: ``clearance register`` asks when and where files were acquired instead of inventing it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ledger.errors import ValidationFailed
from ledger.records.acquisition import acquisition_fields
from tests.ledger.cli.test_cli import run


@pytest.mark.slow   # whole CLI processes end to end (7-12 s): CI's slow step runs it
@pytest.mark.corpus
def test_register_records_only_the_acquisition_facts_it_is_given(tmp_path: Path, shared_data: Path) -> None:
    home = tmp_path / "home"
    run(home, "init")
    still = shared_data / "near-duplicates" / "ukbench" / "ukbench00120.jpg"
    plain, sourced = tmp_path / "plain", tmp_path / "sourced"
    plain.mkdir(), sourced.mkdir()
    shutil.copy(still, plain / "a.jpg")
    shutil.copy(shared_data / "near-duplicates" / "ukbench" / "ukbench09380.jpg", sourced / "b c.jpg")
    [bare] = json.loads(run(home, "register", str(plain / "a.jpg"), "--workers", "1", "--json").stdout)["registered"]
    [given] = json.loads(run(home, "register", str(sourced / "b c.jpg"), "--workers", "1", "--acquired-on",
                             "2024-03-01", "--source-uri", "https://archive.example.com/reel3/",
                             "--json").stdout)["registered"]
    bare_record = json.loads(run(home, "asset", "show", bare["asset"]).stdout)
    given_record = json.loads(run(home, "asset", "show", given["asset"]).stdout)
    assert bare_record["acquired_on"] is None and bare_record["source_uri"] is None  # not today, not file://
    assert given_record["acquired_on"] == "2024-03-01"
    assert given_record["source_uri"] == "https://archive.example.com/reel3/b%20c.jpg"


def test_acquisition_facts_are_checked() -> None:
    assert acquisition_fields(None, None) == {}
    assert acquisition_fields("2024-03-01", "s3://bucket/x.mp4") == {"acquired_on": "2024-03-01",
                                                                     "source_uri": "s3://bucket/x.mp4"}
    with pytest.raises(ValidationFailed) as bad_date:
        acquisition_fields("March 2024", None)
    assert bad_date.value.problems[0].field == "acquired_on"
    with pytest.raises(ValidationFailed) as bad_uri:
        acquisition_fields(None, "/home/me/reel3.mp4")
    assert bad_uri.value.problems[0].field == "source_uri"
