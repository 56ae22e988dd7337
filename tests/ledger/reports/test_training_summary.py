"""The EU AI Act Art. 53(1)(d) summary: every template section, filled from the records or marked for a person."""

from __future__ import annotations

import pytest

from ledger.context import Clearance
from ledger.errors import NotFound
from ledger.reports.training_summary import SECTIONS, build_summary, to_markdown

from .conftest import World


def _summary(ctx: Clearance, model: str, provider: str | None = None) -> dict:
    with ctx.db.reader() as session:
        return build_summary(ctx.policy_engine, session, model, provider)


def test_every_section_is_there_and_filled_from_the_records(ctx: Clearance, world: World) -> None:
    summary = _summary(ctx, world.model)
    sections = summary["sections"]
    leaf_sections = [n for n in SECTIONS if not any(other.startswith(n + ".") for other in SECTIONS)]
    assert set(sections) == set(leaf_sections)
    assert sections["1.1"]["provider_name"] == {"value": "Northlight"}  # the model's developer, without a setting
    assert sections["1.2"]["model_name"]["value"] == "NL-Video" and sections["1.2"]["model_version"]["value"] == "1.0"
    assert sections["1.3"]["modalities"]["value"] == ["image"]
    assert sections["1.3"]["training_data_size"]["image"]["value"] == {"items": 8, "band": "less than 1 million images"}
    assert sections["2.2.1"]["assets"]["value"] == 7 and sections["2.3"]["assets"]["value"] == 1
    assert sections["2.3"]["top_domains"]["value"] == [{"domain": "films.example.com", "assets": 1}]
    assert sections["2.5"]["used"]["value"] is False
    assert sections["3.1"]["assets_with_opt_out"]["value"] == {"cawg.training-mining": 1}
    assert _summary(ctx, world.model, "Northlight Pictures LLC")["sections"]["1.1"]["provider_name"]["value"] == \
        "Northlight Pictures LLC"


def test_unfilled_fields_are_listed_and_marked_never_invented(ctx: Clearance, world: World) -> None:
    summary = _summary(ctx, world.model)
    unfilled = summary["unfilled"]
    for path in ("1.1.provider_contact", "1.2.date_placed_on_market", "2.3.crawler_names", "3.2.measures",
                 "1.3.latest_acquisition_date"):
        assert path in unfilled
    for path in unfilled:
        number, name, sub = _split(path)
        field = summary["sections"][number][name]
        field = field[sub[0]] if sub else field
        assert field["value"] is None and field["to_complete"]
    markdown = to_markdown(summary)
    for number, title in SECTIONS.items():
        assert f" {number} {title}\n" in markdown
    assert markdown.count("**TO COMPLETE**") == len(unfilled)
    assert "films.example.com" in markdown


def _split(path: str) -> tuple[str, str, list[str]]:
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        number = ".".join(parts[:cut])
        if number in SECTIONS:
            return number, parts[cut], parts[cut + 1:]
    raise AssertionError(path)


def test_unknown_model(ctx: Clearance) -> None:
    with pytest.raises(NotFound, match="no model"):
        _summary(ctx, "nope")
