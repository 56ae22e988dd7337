"""Checks of clips made with a licensee's fine-tune, and of clips that edit earlier clips."""

from __future__ import annotations

from datetime import date

from typing import Any

from ledger.audit import replay
from ledger.checks import service
from ledger.checks.request import CheckRequest
from ledger.context import Clearance
from ledger.records.kinds import KINDS
from ledger.records.service import revoke
from tests.ledger.checks.fakes import matcher_returning, result_of
from tests.ledger.records.builders import add, lineage_world

NO_MATCHES = matcher_returning(result_of())


def licensee_world(ctx: Clearance, training_uses: list[str] | None = None) -> dict[str, Any]:
    w = lineage_world(ctx, training_uses or ["train", "distribute_model"])
    w["model_license"] = add(ctx, "model_license", licensor_id=w["studio"], licensee_id=w["creator"],
                             model_id=w["tuned"], permitted_uses=["fine_tune", "generate", "release"],
                             media=["streaming"], territories=["US"], starts_on="2025-06-01")["id"]
    w["creator_model"] = add(ctx, "model", name="Creator cut", version="1", developer_id=w["creator"],
                             parents=[{"model_id": w["tuned"], "relationship": "fine_tuned_from"}])["id"]
    return w


def check(ctx: Clearance, w: dict[str, Any], content: bytes = b"clip", **request: Any) -> service.CheckOutcome:
    fields: dict[str, Any] = {"service": "gen", "model_id": w.get("creator_model"), "project": "Short",
                              "media": ["streaming"], "territories": ["US"], "release_date": "2026-01-15", **request}
    body = CheckRequest.model_validate(fields)
    return service.check_clip(ctx, body, content, "clip.mp4", "test", NO_MATCHES)


def policy_ids(outcome: service.CheckOutcome) -> set[str]:
    return {r["policy_id"] for r in outcome.check["reasons"]}


def test_a_licensees_clip_inside_the_model_license_passes_and_relies_on_it(ctx: Clearance) -> None:
    w = licensee_world(ctx)
    outcome = check(ctx, w)
    assert outcome.verdict == "pass", outcome.check["reasons"]
    assert f"model_license:{w['model_license']}" in outcome.check["relied_on"]
    assert f"license:{w['license']}" in outcome.check["relied_on"]


def test_a_licensees_clip_outside_the_model_license_territory_blocks(ctx: Clearance) -> None:
    w = licensee_world(ctx)
    outcome = check(ctx, w, territories=["FR"])
    assert outcome.verdict == "block"
    reasons = [r for r in outcome.check["reasons"] if r["policy_id"] == "model.territory-outside-scope"]
    assert reasons and reasons[0]["subject_id"] == w["tuned"]
    assert reasons[0]["grant"] == {"kind": "model_license", "id": w["model_license"]}


def test_a_clip_made_with_a_model_held_by_another_party_needs_a_model_license(ctx: Clearance) -> None:
    w = licensee_world(ctx)
    stranger = add(ctx, "party", kind="person", name="Stranger")["id"]
    outcome = check(ctx, w, licensee_id=stranger)
    assert outcome.verdict == "block" and "model.license-required" in policy_ids(outcome)


def test_a_licensees_clip_is_judged_on_the_lineages_training_licenses(ctx: Clearance) -> None:
    w = licensee_world(ctx)
    # effective before the clip's release date (a revocation covers uses from its date on)
    revoke(ctx, KINDS["license"], w["license"], "licensor ended it", "test", date(2026, 1, 1))
    outcome = check(ctx, w)
    assert outcome.verdict == "block"
    assert {"license.revoked"} <= policy_ids(outcome)
    assert any(r["subject_id"] == w["asset"] for r in outcome.check["reasons"])


def test_revoking_the_grandparents_consent_lists_the_grandchild_and_its_released_clips(ctx: Clearance) -> None:
    w = licensee_world(ctx)
    released = check(ctx, w)
    assert released.verdict == "pass"
    _, affected = revoke(ctx, KINDS["consent"], w["consent"], "performer withdrew", "test")
    assert w["creator_model"] in affected["models"]
    assert affected["released_clips"] == [released.clip["id"]]
    assert replay.verify(ctx).ok


def test_an_edit_of_a_clip_is_checked_in_full_and_links_the_parents_check(ctx: Clearance) -> None:
    w = licensee_world(ctx)
    parent = check(ctx, w)
    edit = check(ctx, w, content=b"edited clip", parent_clip_id=parent.clip["id"], territories=["FR"])
    assert edit.verdict == "block"  # judged on its own request, not waved through by its parent
    answer = edit.as_json()
    assert answer["parent_check_id"] == parent.check["id"] and answer["parent_clip_id"] == parent.clip["id"]
    assert replay.verify(ctx).ok


def test_a_studios_own_fine_tune_inherits_its_bases_training_obligations(ctx: Clearance) -> None:
    """Revocation impact lists the studio's fine-tune; its clips are judged on the base's training licenses."""
    w = lineage_world(ctx, ["train", "distribute_model"])
    before = check(ctx, w, model_id=w["tuned"])
    assert before.verdict == "pass", before.check["reasons"]
    assert f"license:{w['license']}" in before.check["relied_on"]
    _, affected = revoke(ctx, KINDS["license"], w["license"], "licensor ended it", "test", date(2026, 1, 1))
    assert w["tuned"] in affected["models"]
    after = check(ctx, w, content=b"another clip", model_id=w["tuned"])
    assert after.verdict == "block"
    revoked = [r for r in after.check["reasons"] if r["policy_id"] == "license.revoked"]
    assert revoked and revoked[0]["subject_id"] == w["asset"] and revoked[0]["jurisdiction"] == "contract"
