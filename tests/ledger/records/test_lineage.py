"""Model lineage: parents, cycles, effective training data, revocation impact and model offers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from ledger.audit import replay
from ledger.checks.offer_events import ModelOffer
from ledger.context import Clearance
from ledger.errors import Conflict, ValidationFailed
from ledger.records import amendments, lineage, service
from ledger.records.kinds import KINDS
from ledger.reports.audit_service import audit_dataset
from tests.ledger.records.builders import add, lineage_world


def offer(ctx: Clearance, w: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data = dict(licensor_id=w["studio"], licensee_id=w["creator"], model_id=w["tuned"],
                permitted_uses=["fine_tune", "generate", "release"], media=["streaming"], territories=["US"],
                starts_on="2025-06-01", **overrides)
    return add(ctx, "model_license", **data)


def offers(ctx: Clearance) -> list[ModelOffer]:
    with ctx.db.reader() as session:
        return list(session.exec(select(ModelOffer).order_by(ModelOffer.log_index)).all())


def test_a_grandparents_revoked_consent_lists_the_grandchild(ctx: Clearance) -> None:
    w = lineage_world(ctx, ["train", "distribute_model"])
    offer(ctx, w)
    grandchild = add(ctx, "model", name="Creator cut", version="1", developer_id=w["creator"],
                     parents=[{"model_id": w["tuned"], "relationship": "fine_tuned_from"}])["id"]
    with ctx.db.reader() as session:
        assert lineage.ancestors(session, grandchild) == [w["tuned"], w["base"]]
        assert lineage.effective_dataset_versions(session, grandchild) == [w["version"]]
        assert lineage.descendants(session, [w["base"]]) == [w["tuned"], grandchild]
    _, affected = service.revoke(ctx, KINDS["consent"], w["consent"], "performer withdrew", "test")
    assert affected["models"] == sorted([w["base"], w["tuned"], grandchild])
    assert replay.verify(ctx).ok


def test_a_model_cannot_be_its_own_ancestor(ctx: Clearance) -> None:
    w = lineage_world(ctx, ["train"])
    with pytest.raises(ValidationFailed) as raised:
        add(ctx, "model", id="loop", name="Loop", version="1",
            parents=[{"model_id": "loop", "relationship": "merged_from"}])
    assert "loop -> loop" in str(raised.value)
    with pytest.raises(ValidationFailed) as raised:
        add(ctx, "model", name="Wrong base", version="1",
            parents=[{"model_id": w["base"], "relationship": "adapter_on", "checkpoint_sha256": "ff" * 32}])
    assert "parents[0].checkpoint_sha256" in str(raised.value)


def test_a_cycle_through_the_lineage_is_named(ctx: Clearance) -> None:
    w = lineage_world(ctx, ["train"])
    with ctx.db.reader() as session:
        fields = KINDS["model"].fields.model_validate(
            {"name": "x", "version": "1", "parents": [{"model_id": w["tuned"], "relationship": "distilled_from"}]})
        problems = lineage.lineage_problems(session, w["base"], fields)
    assert [p.message for p in problems] == [f"lineage would have a cycle: {w['base']} -> {w['tuned']} -> {w['base']}"]


def test_an_offer_is_refused_by_a_training_license_that_does_not_permit_it(ctx: Clearance) -> None:
    w = lineage_world(ctx, ["train"])
    with pytest.raises(Conflict) as raised:
        offer(ctx, w)
    assert w["asset"] in raised.value.detail and w["license"] in raised.value.detail
    assert any("model.training-license-forbids-distribution" in r for r in raised.value.extra["reasons"])
    with ctx.db.reader() as session:
        assert session.exec(select(KINDS["model_license"].table)).first() is None
    logged = offers(ctx)
    assert [o.verdict for o in logged] == ["block"] and logged[0].assets == [w["asset"]]
    assert replay.verify(ctx).ok


def test_an_offer_is_allowed_by_a_license_that_permits_distribute_model(ctx: Clearance) -> None:
    w = lineage_world(ctx, ["train", "distribute_model"])
    record = offer(ctx, w)
    logged = offers(ctx)
    assert [o.verdict for o in logged] == ["pass"]
    assert logged[0].model_license_id == record["id"] and logged[0].lineage == [w["base"]]
    assert logged[0].relied_on == [f"license:{w['license']}"]
    assert replay.verify(ctx).ok


def test_widening_a_model_license_beyond_the_training_license_is_refused(ctx: Clearance) -> None:
    w = lineage_world(ctx, ["train", "distribute_model"])
    narrow = add(ctx, "license", licensor_id=w["studio"], licensee_id=w["studio"],
                 permitted_uses=["train", "distribute_model"], media=["any"], territories=["US"],
                 starts_on="2024-01-01", asset_ids=[w["asset"]])["id"]
    service.revoke(ctx, KINDS["license"], w["license"], "ended", "test")
    record = offer(ctx, w)
    with pytest.raises(Conflict) as raised:
        amendments.amend(ctx, KINDS["model_license"], record["id"], {"territories": ["US", "FR"]}, "wider", "test")
    assert narrow in raised.value.detail
    assert [o.verdict for o in offers(ctx)] == ["pass", "block"]
    assert replay.verify(ctx).ok


def test_revoking_a_model_license_lists_the_licensees_fine_tunes(ctx: Clearance) -> None:
    w = lineage_world(ctx, ["train", "distribute_model"])
    record = offer(ctx, w)
    mine = add(ctx, "model", name="Creator cut", version="1", developer_id=w["creator"],
               parents=[{"model_id": w["tuned"], "relationship": "adapter_on"}])["id"]
    _, affected = service.revoke(ctx, KINDS["model_license"], record["id"], "unpaid", "test")
    assert affected["models"] == [mine]


def test_the_dataset_audit_report_lists_every_model_that_learnt_from_the_version(ctx: Clearance,
                                                                               tmp_path: Path) -> None:
    w = lineage_world(ctx, ["train", "distribute_model"])
    grandchild = add(ctx, "model", name="Creator cut", version="2", developer_id=w["creator"],
                     parents=[{"model_id": w["tuned"], "relationship": "adapter_on"}])["id"]
    html = audit_dataset(ctx, w["version"], None, ["US"], "test", tmp_path).html.read_text()
    section = html[html.index("Models that learnt from this version"):html.index("The record behind this report")]
    for model, via in ((w["base"], "trained on this version"), (w["tuned"], f"fine_tuned_from {w['base']}"),
                       (grandchild, f"adapter_on {w['tuned']}")):
        assert f"<td>{model}</td>" in section and via in section
