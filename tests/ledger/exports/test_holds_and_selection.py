"""Holds on generated outputs: a held clip is produced as the signed file it was released as, readable by a C2PA
reader; a held check brings its clip; holds on other kinds are refused by name."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import c2pa
import pytest
from clearance_verify import verify_production
from clearance_verify.loadfiles import read_dat

from ledger.checks import service as checks
from ledger.checks.request import CheckRequest
from ledger.context import Clearance
from ledger.errors import ValidationFailed
from ledger.exports import layout
from ledger.exports.service import export
from ledger.exports.verify import verify_export
from ledger.records import service
from ledger.records.kinds import KINDS
from ledger.signing import sign_check
from tests.ledger.checks.fakes import matcher_returning, result_of
from tests.ledger.disclosing import name_generative_system
from tests.ledger.provenance.conftest import make_image

MATTER = "Estate of Vance v. Northlight"


def _cleared_clip(ctx: Clearance, tmp_path: Path, seed: int) -> tuple[str, str, Path]:
    name_generative_system(ctx, "gen")  # what the signed clip's AI disclosure names
    request = CheckRequest.model_validate({"service": "gen", "project": "Short", "media": ["streaming"],
                                           "territories": ["US"]})
    data = make_image(tmp_path / f"clip-{seed}.png", seed=seed).read_bytes()
    outcome = checks.check_clip(ctx, request, data, f"clip-{seed}.png", "generator:test",
                                matcher_returning(result_of()))
    assert outcome.verdict == "pass"
    signed = tmp_path / f"clip-{seed}.signed.png"
    sign_check(ctx, outcome.check["id"], signed, "test")
    return outcome.clip["id"], outcome.check["id"], signed


def _hold(ctx: Clearance, hold_id: str, kind: str, record_id: str) -> None:
    service.create_record(ctx, KINDS["legal_hold"], {"id": hold_id, "matter": MATTER, "record_kind": kind,
                                                     "record_id": record_id, "placed_by": "Priya Natarajan",
                                                     "placed_on": "2026-02-01"}, "counsel")


def _files(root: Path, rows: list[dict[str, str]], docid: str) -> Path:
    row = next(r for r in rows if r["DOCID"] == docid)
    return root / row["NATIVEPATH"].replace("\\", "/")


def test_a_held_clip_is_produced_as_its_signed_file(ctx: Clearance, tmp_path: Path) -> None:
    clip_id, check_id, signed = _cleared_clip(ctx, tmp_path, 5)
    other_clip, other_check, _ = _cleared_clip(ctx, tmp_path, 6)
    _hold(ctx, "hold-clip", "clip", clip_id)
    _hold(ctx, "hold-check", "check", other_check)  # a held check brings the clip it decided on
    root = tmp_path / "vol"
    export(ctx, {"matter": MATTER}, root, "counsel", overrides={"image_format": "png"})
    rows = read_dat((root / layout.DAT).read_bytes()).rows
    records = {(r["RECORDTYPE"], r["RECORDID"]) for r in rows if r["RECORDTYPE"] not in ("still", "native")}
    assert records == {("clip", clip_id), ("check", check_id), ("clip", other_clip), ("check", other_check)}
    produced = _files(root, rows, f"{clip_id}.signed")
    assert produced.read_bytes() == signed.read_bytes()
    assert not any(r["DOCID"] == f"{clip_id}.native" for r in rows)  # the pre-signing file only when asked
    with c2pa.Reader(str(produced)) as reader:  # any C2PA reader finds the release's manifest
        manifest = json.loads(reader.json())
    active = manifest["manifests"][manifest["active_manifest"]]
    assert any(check_id in json.dumps(assertion) for assertion in active["assertions"])
    assert verify_production(root, ctx.log_key.vkey).ok and verify_export(root, ctx.log_key.vkey).ok

    both = tmp_path / "both"
    export(ctx, {"clips": [clip_id]}, both, "counsel",
           overrides={"image_format": "none", "natives": True, "presigned_clips": True})
    rows = read_dat((both / layout.DAT).read_bytes()).rows
    assert {r["DOCID"] for r in rows if r["RECORDTYPE"] == "native"} == {f"{clip_id}.signed", f"{clip_id}.native"}
    assert _files(both, rows, f"{clip_id}.native").read_bytes() != signed.read_bytes()


def test_a_swapped_signed_file_is_named(ctx: Clearance, tmp_path: Path) -> None:
    from tests.ledger.exports.conftest import rewrite_manifest

    clip_id, _, _ = _cleared_clip(ctx, tmp_path, 7)
    root = tmp_path / "vol"
    export(ctx, {"clips": [clip_id]}, root, "counsel", overrides={"image_format": "none"})
    rows = read_dat((root / layout.DAT).read_bytes()).rows
    produced = _files(root, rows, f"{clip_id}.signed")
    row = next(r for r in rows if r["DOCID"] == f"{clip_id}.signed")
    forged = make_image(tmp_path / "other.png", seed=99).read_bytes()
    produced.write_bytes(forged)
    dat = (root / layout.DAT).read_bytes()
    for name, algorithm in (("SHA256HASH", "sha256"), ("MD5HASH", "md5"), ("SHA1HASH", "sha1")):
        dat = dat.replace(row[name].encode(), hashlib.new(algorithm, forged).hexdigest().encode())
    (root / layout.DAT).write_bytes(dat)  # the forger fixes the DAT's hashes and the manifest too
    rewrite_manifest(root)
    relative = produced.relative_to(root).as_posix()
    standalone = {(f.file, f.problem) for f in verify_production(root, ctx.log_key.vkey).findings}
    assert standalone == set(verify_export(root, ctx.log_key.vkey).problems)
    assert (relative, "is not a signed file the log records for its clip") in standalone
    assert any(file == layout.DAT for file, _ in standalone)


def test_a_hold_on_an_unknown_kind_is_refused(ctx: Clearance) -> None:
    with pytest.raises(ValidationFailed):
        _hold(ctx, "hold-x", "planet", "mars")
    with pytest.raises(ValidationFailed):
        _hold(ctx, "hold-y", "clip", "no-such-clip")
