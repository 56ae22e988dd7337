"""Privilege logs in the method the parties agreed: document by document, metadata-based, or by category."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ledger.context import Clearance
from ledger.errors import ValidationFailed
from ledger.exports import layout
from ledger.exports.people import Person
from ledger.exports.privilege import assert_privilege
from ledger.exports.service import export
from tests.ledger.exports.conftest import World


def _log(ctx: Clearance, out: Path, mode: str) -> list[dict[str, str]]:
    export(ctx, {"assets": ["work-0", "work-1", "work-2"]}, out, "counsel",
           overrides={"image_format": "none", "privilege_log": mode})
    with (out / layout.PRIVILEGE_LOG).open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_the_three_methods(ctx: Clearance, world: World, tmp_path: Path) -> None:
    person = Person("Priya Natarajan", "legal")
    assert_privilege(ctx, "asset", "work-2", "work-product", "counsel's annotated copy of a reference work",
                     "counsel", person)
    by_document = _log(ctx, tmp_path / "document", "document")
    assert [(r["PRIVID"], r["RECORDTYPE"], r["DESCRIPTION"]) for r in by_document] == [
        ("PRIV-000001", "asset", "counsel's annotated copy of a reference work"),
        ("PRIV-000002", "asset", "counsel's annotated copy of a reference work")]
    by_metadata = _log(ctx, tmp_path / "metadata", "metadata")
    assert "DESCRIPTION" not in by_metadata[0] and [r["AUTHOR"] for r in by_metadata] == ["librarian", "Mara Okafor"]
    assert {r["ASSERTED_BY"] for r in by_metadata} == {"counsel", "Priya Natarajan (legal)"}
    by_category = _log(ctx, tmp_path / "categorical", "categorical")
    assert by_category == [{"CATEGORY": "PRIVCAT-0001", "RECORDTYPE": "asset", "PRIVILEGE": "work-product",
                            "DESCRIPTION": "counsel's annotated copy of a reference work", "WITHHELD": "document",
                            "COUNT": "2",
                            "DATE_FROM": by_document[0]["DATE"], "DATE_TO": by_document[1]["DATE"],
                            "ASSERTED_BY": "Priya Natarajan (legal); counsel"}]
    for log in (by_document, by_metadata, by_category):  # never a record's id
        assert not any(value in ("work-1", "work-2") for row in log for value in row.values())


def test_an_unknown_method_is_refused_by_name(ctx: Clearance, world: World, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as caught:
        export(ctx, {"assets": ["work-0"]}, tmp_path / "x", "counsel", overrides={"privilege_log": "narrative"})
    assert [p.field for p in caught.value.problems] == ["privilege_log"]
