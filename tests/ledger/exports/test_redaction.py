"""Field-level privilege: a check produced with its reviewer's reason redacted, and the redaction proved.

The review entry commits to each field apart (envelope version 2, salted): the production shows the
reason as its commitment, both verifiers still prove the entry, and an edit to that commitment fails.
"""

from __future__ import annotations

import base64
import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from clearance_verify import verify_production
from clearance_verify.loadfiles import read_dat

from ledger.audit.replay import verify as verify_log
from ledger.checks.reviews import Reviewer, decide
from ledger.context import Clearance
from ledger.errors import Conflict, ValidationFailed
from ledger.exports import layout
from ledger.exports.people import Person
from ledger.exports.privilege import assert_privilege
from ledger.exports.service import export
from ledger.exports.verify import verify_export
from ledger.log import store
from ledger.log.events import Envelope, Event, field_commitment
from tests.ledger.review_studio import review_studio

REASON = "Counsel advised the resemblance is fair use; see memo of 3 March"


def _reviewed(ctx: Clearance) -> str:
    studio = review_studio(ctx)
    decide(ctx, studio.check_id, "approve", REASON, "key:legal", Reviewer("Priya Natarajan", "legal"))
    return studio.check_id


def _produce(ctx: Clearance, check_id: str, out: Path, mode: str = "document") -> Path:
    export(ctx, {"checks": [check_id]}, out, "counsel",
           overrides={"image_format": "png", "privilege_log": mode, "bates_prefix": "RED"})
    return out


def _review_line(root: Path) -> dict[str, Any]:
    lines = [json.loads(line) for line in (root / layout.EVENTS).read_text("utf-8").splitlines()]
    return next(line for line in lines if line["envelope"]["type"] == "check.reviewed")


def test_a_reviews_reason_is_produced_redacted_and_proved(ctx: Clearance, tmp_path: Path) -> None:
    check_id = _reviewed(ctx)
    designated = assert_privilege(ctx, "check", check_id, "attorney-client", "legal advice on the review",
                                  "key:legal", Person("Priya Natarajan", "legal"), fields=["review_reason"])
    assert designated["fields"] == ["review_reason"]
    root = _produce(ctx, check_id, tmp_path / "vol")

    rows = read_dat((root / layout.DAT).read_bytes()).rows
    check_row = next(r for r in rows if r["RECORDTYPE"] == "check")
    assert check_row["F_REVIEW_REASON"] == "REDACTED"
    assert check_row["F_REVIEW_STATE"] == "approved"  # the rest of the record is produced
    text = (root / check_row["TEXTPATH"].replace("\\", "/")).read_text("utf-8")
    assert "review_reason: REDACTED" in text
    produced = (root).rglob("*")
    assert not any(REASON.encode() in p.read_bytes() for p in produced if p.is_file())  # nowhere in the volume

    line = _review_line(root)
    assert line["envelope"]["v"] == 2 and line["redacted"] == ["reason"]
    marker = line["payload"]["reason"]
    assert list(marker) == ["redacted"] and "reason" not in line["payload"]["_salts"]
    with ctx.db.reader() as session:  # the marker is the commitment the log holds for the reason
        logged = json.loads(store.get_entry(session, line["index"]).payload or b"{}")
    assert marker["redacted"] == field_commitment(logged["_salts"]["reason"], "reason", REASON)

    with (root / layout.PRIVILEGE_LOG).open(encoding="utf-8") as stream:
        listed = list(csv.DictReader(stream))
    assert [(r["BEGDOC"], r["RECORDTYPE"], r["WITHHELD"], r["PRIVILEGE"]) for r in listed] == [
        (check_row["BEGDOC"], "check", "fields: review_reason", "attorney-client")]

    standalone, ours = verify_production(root, ctx.log_key.vkey), verify_export(root, ctx.log_key.vkey)
    assert standalone.ok and ours.ok, (standalone.findings, ours.problems)
    summary = json.loads((root / layout.SUMMARY).read_text("utf-8"))
    assert summary["redactions"] == [{"bates": check_row["BEGDOC"], "record_kind": "check",
                                      "fields": ["review_reason"]}]
    assert verify_log(ctx).ok


def test_the_categorical_log_lists_the_redaction(ctx: Clearance, tmp_path: Path) -> None:
    check_id = _reviewed(ctx)
    assert_privilege(ctx, "check", check_id, "work-product", "counsel's view", "counsel", fields=["review_reason"])
    root = _produce(ctx, check_id, tmp_path / "vol", "categorical")
    with (root / layout.PRIVILEGE_LOG).open(encoding="utf-8") as stream:
        listed = list(csv.DictReader(stream))
    assert [(r["RECORDTYPE"], r["WITHHELD"], r["COUNT"]) for r in listed] == [("check", "fields: review_reason", "1")]


def _rewrite(root: Path, edit: Any) -> None:
    """Edit the review line's payload (and its base64) as a forger would, with the manifest rewritten."""
    from tests.ledger.exports.conftest import rewrite_manifest

    lines = (root / layout.EVENTS).read_text("utf-8").splitlines(keepends=True)
    for number, text in enumerate(lines):
        line = json.loads(text)
        if line["envelope"]["type"] == "check.reviewed":
            edit(line["payload"])
            line["payload_b64"] = base64.b64encode(json.dumps(line["payload"]).encode()).decode()
            lines[number] = json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n"
    (root / layout.EVENTS).write_text("".join(lines), encoding="utf-8")
    rewrite_manifest(root)


def _flip_commitment(payload: dict[str, Any]) -> None:
    digest = payload["reason"]["redacted"]
    payload["reason"]["redacted"] = ("0" if digest[0] != "0" else "1") + digest[1:]


def _guess_the_reason(payload: dict[str, Any]) -> None:
    """Without the salt, a guessed value cannot be made to match: put a value where the marker was."""
    payload["reason"] = REASON


@pytest.mark.parametrize("edit", [_flip_commitment, _guess_the_reason])
def test_an_edited_redaction_fails_in_both_verifiers(ctx: Clearance, tmp_path: Path, edit: Any) -> None:
    check_id = _reviewed(ctx)
    assert_privilege(ctx, "check", check_id, "attorney-client", "legal advice", "counsel", fields=["review_reason"])
    root = _produce(ctx, check_id, tmp_path / "vol")
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    _rewrite(copy, edit)
    entry = _review_line(copy)["index"]
    standalone = sorted((f.file, f.problem) for f in verify_production(copy, ctx.log_key.vkey).findings)
    ours = sorted(verify_export(copy, ctx.log_key.vkey).problems)
    assert standalone == ours
    assert any(file == layout.EVENTS and f"(entry {entry}): payload does not match the leaf's hash" in problem
               for file, problem in ours), ours


def test_what_cannot_be_redacted_is_refused_by_name(ctx: Clearance, tmp_path: Path) -> None:
    check_id = _reviewed(ctx)
    with pytest.raises(ValidationFailed) as caught:
        assert_privilege(ctx, "check", check_id, "attorney-client", "x", "counsel", fields=["verdict"])
    assert [p.field for p in caught.value.problems] == ["fields"] and "review_reason" in str(caught.value)
    with pytest.raises(ValidationFailed, match="withhold the whole record"):
        assert_privilege(ctx, "asset", check_id, "attorney-client", "x", "counsel", fields=["title"])


def test_a_review_logged_before_per_field_commitments_cannot_be_redacted(ctx: Clearance) -> None:
    """A review entry of envelope version 1 commits to its payload whole: redacting a field would not prove."""
    studio = review_studio(ctx)
    with ctx.db.transaction() as session:  # a review as logged before this version: one hash for the payload
        ctx.record(session, [Event("check.reviewed", {"decision": "approved", "reason": REASON,
                                                      "reviewer": {"name": "Old", "role": "legal"}},
                                   "check", studio.check_id, "key:legal")])
    with ctx.db.reader() as session:
        assert Envelope.parse(store.get_entry(session, store.tree_size(session) - 1).leaf).version == 1
    with pytest.raises(Conflict, match="withhold the whole check"):
        assert_privilege(ctx, "check", studio.check_id, "attorney-client", "x", "counsel", fields=["review_reason"])
