"""An edit of a signed clip: its parent found in its C2PA manifest, and carried as a parentOf ingredient."""

from __future__ import annotations

from pathlib import Path

from ledger.audit import replay
from ledger.checks import service
from ledger.checks.request import CheckRequest
from ledger.context import Clearance
from ledger.provenance import verify_file
from ledger.signing import sign_check
from tests.ledger.checks.fakes import matcher_returning, result_of
from tests.ledger.disclosing import name_generative_system
from tests.ledger.provenance.conftest import make_image

NO_MATCHES = matcher_returning(result_of())


def checked(ctx: Clearance, data: bytes, name: str, **fields: object) -> service.CheckOutcome:
    request = CheckRequest.model_validate({"service": "gen", "project": "Short", "media": ["streaming"],
                                           "territories": ["US"], **fields})
    return service.check_clip(ctx, request, data, name, "test", NO_MATCHES)


def test_an_edits_signed_manifest_carries_its_parent_and_a_resubmission_finds_it(ctx: Clearance,
                                                                                   tmp_path: Path) -> None:
    name_generative_system(ctx, "gen")  # what the signed clips' AI disclosure names
    parent = checked(ctx, make_image(tmp_path / "first.png", seed=3).read_bytes(), "first.png")
    parent_signed = sign_check(ctx, parent.check["id"], tmp_path / "first.signed.png", "test")

    edit = checked(ctx, make_image(tmp_path / "edit.png", seed=4).read_bytes(), "edit.png",
                   parent_clip_id=parent.clip["id"])
    assert edit.verdict == "pass" and edit.check["parent_check_id"] == parent.check["id"]
    sign_check(ctx, edit.check["id"], tmp_path / "edit.signed.png", "test")

    manifest = verify_file(tmp_path / "edit.signed.png", trust=None).active_manifest
    assert manifest is not None
    parents = [i for i in manifest.ingredients if i.relationship == "parentOf"]
    assert [p.active_manifest for p in parents] == [parent_signed["manifest_label"]]
    assert [a.action for a in manifest.actions][:2] == ["c2pa.opened", "c2pa.edited"]

    # The signed edit, submitted again without naming its parent, is linked through its manifest.
    again = checked(ctx, (tmp_path / "edit.signed.png").read_bytes(), "again.png")
    assert again.clip["parent_clip_id"] == parent.clip["id"]
    assert again.check["parent_check_id"] == parent.check["id"]
    assert replay.verify(ctx).ok
