"""The CycloneDX 1.6 ML-BOM: valid by the library's own validator, and carrying the ledger's facts."""

from __future__ import annotations

import json

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from ledger.context import Clearance
from ledger.errors import NotFound
from ledger.reports.bom import cyclonedx_json

from .conftest import World

pytestmark = pytest.mark.dated  # the world's terms end relative to the clock's today (tests/dates.py)


def _bom(ctx: Clearance, model: str) -> str:
    with ctx.db.reader() as session:
        return cyclonedx_json(ctx.policy_engine, session, model)


def test_bom_validates_and_describes_model_and_datasets(ctx: Clearance, world: World) -> None:
    text = _bom(ctx, world.model)
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    assert validator.validate_str(text) is None
    bom = json.loads(text)
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    model = bom["metadata"]["component"]
    assert (model["type"], model["name"], model["version"]) == ("machine-learning-model", "NL-Video", "1.0")
    assert model["modelCard"]["modelParameters"]["datasets"] == [{"ref": f"dataset-version:{world.version}"}]
    [dataset] = bom["components"]
    assert dataset["type"] == "data" and dataset["bom-ref"] == f"dataset-version:{world.version}"
    props = {p["name"]: p["value"] for p in dataset["properties"]}
    assert props["clearance:assets"] == "8" and props["clearance:license_coverage"] == "0.8750"
    assert props["clearance:cleared_for_training"] == "4"
    assert props["clearance:opt_out_assets"] == "1" and props["clearance:opt_out_status"] == "all opted-out assets excluded"
    assert sorted(lic["license"]["name"] for lic in dataset["licenses"]) == [
        "licensed by Harbor Archive", "licensed by Stock & Co <b>"]
    depends = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert depends[f"model:{world.model}"] == [f"dataset-version:{world.version}"]
    broken = json.loads(text)
    broken["metadata"]["component"]["modelCard"]["modelParameters"]["datasets"] = [{"nope": 1}]
    assert validator.validate_str(json.dumps(broken)) is not None  # the validator does look at the model card


def test_unknown_model(ctx: Clearance) -> None:
    with pytest.raises(NotFound):
        _bom(ctx, "nope")
