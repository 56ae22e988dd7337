"""Production volumes: read back strictly, verified by the standalone verifier, every edit named, privilege kept."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from clearance_verify import verify_production
from clearance_verify.loadfiles import read_dat, read_opt

from ledger.audit.replay import verify as verify_log
from ledger.context import Clearance
from ledger.errors import ValidationFailed
from ledger.exports import layout
from ledger.exports.protocol import save_protocol, ProtocolSettings
from ledger.exports.service import export
from ledger.exports.verify import verify_export
from tests.ledger.exports.conftest import MATTER, World, rewrite_manifest


def _produce(ctx: Clearance, out: Path, **overrides: Any) -> dict[str, Any]:
    settings = {"bates_prefix": "NLP", "bates_padding": 6, "natives": True, **overrides}
    return export(ctx, {"matter": MATTER}, out, "counsel", overrides=settings)


def _dat_rows(root: Path) -> list[dict[str, str]]:
    return read_dat((root / layout.DAT).read_bytes()).rows


def _events(root: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (root / layout.EVENTS).read_text("utf-8").splitlines()]


def test_a_matter_production_reads_back_and_verifies(ctx: Clearance, world: World, tmp_path: Path) -> None:
    result = _produce(ctx, tmp_path / "vol1")
    root = tmp_path / "vol1"
    rows = _dat_rows(root)
    parents = [r for r in rows if r["RECORDTYPE"] not in ("still", "native")]
    # the holds name work-0, work-1 (privileged), lic-1, ds-v1 (whose assets come with it) and mdl
    assert sorted((r["RECORDTYPE"], r["RECORDID"]) for r in parents) == [
        ("asset", "work-0"), ("asset", "work-2"), ("dataset_version", "ds-v1"), ("license", "lic-1"),
        ("model", "mdl")]
    assert [r["BEGDOC"] for r in rows] == [f"NLP{n:06d}" for n in range(1, len(rows) + 1)]
    assert result["bates"]["begin"] == "NLP000001" and result["bates"]["end"] == rows[-1]["BEGDOC"]
    work = next(r for r in parents if r["RECORDID"] == "work-0")
    children = [r for r in rows if r["PARENTID"] == "work-0"]
    assert {c["RECORDTYPE"] for c in children} == {"still", "native"}
    assert work["ATTACHIDS"] == "; ".join(c["DOCID"] for c in children)
    assert work["HOLDS"] == "hold-0" and work["CUSTODIAN"] == "librarian"
    license_row = next(r for r in parents if r["RECORDID"] == "lic-1")
    assert license_row["F_GOVERNING_LAW"] == "California\u00aeUSA"  # the in-field newline
    document = next(r for r in rows if r["PARENTID"] == "lic-1")
    assert (root / document["NATIVEPATH"].replace("\\", "/")).read_bytes() == world.license_document
    still = next(c for c in children if c["RECORDTYPE"] == "still")
    # every document has an image: the still of work-0, a slip-sheet for each other document
    opt = read_opt((root / layout.OPT).read_bytes())
    assert [(line.image_key, line.path) for line in opt] == [(r["BEGDOC"], r["IMAGEPATH"]) for r in rows]
    assert (root / still["IMAGEPATH"].replace("\\", "/")).read_bytes()[:3] == b"\xff\xd8\xff"
    assert sorted(result["holds"]) == ["hold-0", "hold-2", "hold-3", "hold-4"]
    assert [(h["id"], h["placed_by"], h["recorded_by"]) for h in result["hold_details"]] == [
        (f"hold-{n}", "counsel", "counsel") for n in (0, 2, 3, 4)]
    assert result["counts"]["asset"] == 2

    report = verify_production(root, ctx.log_key.vkey)
    assert report.ok, report.findings
    assert report.checked["proofs"] == report.checked["events"] == len(_events(root))
    assert verify_export(root, ctx.log_key.vkey).ok
    assert verify_log(ctx).ok  # the production's event replays, Bates counter included


def test_privileged_records_never_leave(ctx: Clearance, world: World, tmp_path: Path) -> None:
    from ledger.records.models import Asset

    _produce(ctx, tmp_path / "vol")
    root = tmp_path / "vol"
    with ctx.db.reader() as session:
        secret = session.get(Asset, "work-1")
        assert secret is not None
        secret_hash = secret.sha256
    # its content never leaves (its id may, as a reference inside a produced record such as the dataset version)
    secret_bytes = (ctx.settings.media_dir / secret_hash[:2] / secret_hash[2:4] / secret_hash).read_bytes()
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"Work 1" not in data and secret_hash.encode() not in data and data != secret_bytes, path
    assert all(r["RECORDID"] != "work-1" for r in _dat_rows(root))
    assert all(e["envelope"]["subject"]["id"] != "work-1" for e in _events(root))
    with (root / layout.PRIVILEGE_LOG).open(encoding="utf-8") as stream:
        withheld = list(csv.DictReader(stream))
    assert withheld == [{"PRIVID": "PRIV-000001", "BEGDOC": "", "RECORDTYPE": "asset", "DATE": withheld[0]["DATE"],
                         "AUTHOR": "librarian", "PRIVILEGE": "work-product",
                         "DESCRIPTION": "counsel's annotated copy of a reference work", "WITHHELD": "document",
                         "ASSERTED_BY": "counsel", "ASSERTED_AT": withheld[0]["ASSERTED_AT"]}]


def _flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    position = len(data) // 2 if at is None else at
    data[position] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_one_byte_edit_to_any_kind_of_file_is_detected_and_named(ctx: Clearance, world: World,
                                                                     tmp_path: Path) -> None:
    _produce(ctx, tmp_path / "vol")
    root = tmp_path / "vol"
    rows = _dat_rows(root)
    proof = sorted((root / layout.PROOFS).iterdir())[0].relative_to(root).as_posix()
    native = next(r["NATIVEPATH"] for r in rows if r["NATIVEPATH"]).replace("\\", "/")
    image = next(r["IMAGEPATH"] for r in rows if r["IMAGEPATH"]).replace("\\", "/")
    targets = [layout.DAT, layout.OPT, layout.EVENTS, proof, layout.CHECKPOINT, native, image, layout.CUSTODY_PDF,
               layout.SUMMARY, layout.PRIVILEGE_LOG]
    for name in targets:
        copy = tmp_path / f"edit-{name.replace('/', '_')}"
        shutil.copytree(root, copy)
        _flip(copy / name)
        standalone = verify_production(copy, ctx.log_key.vkey)
        assert not standalone.ok and name in standalone.files, (name, standalone.findings)
        ours = verify_export(copy, ctx.log_key.vkey)
        assert not ours.ok and name in {n for n, _ in ours.problems}, (name, ours.problems)


def test_an_edit_that_also_rewrites_the_manifest_is_still_caught(ctx: Clearance, world: World,
                                                                   tmp_path: Path) -> None:
    """A forger who fixes the manifest too is caught by the proofs: a payload, a DAT hash, a proof hash."""
    _produce(ctx, tmp_path / "vol")
    root = tmp_path / "vol"
    proof_file = sorted((root / layout.PROOFS).iterdir())[0]
    lines = proof_file.read_text("utf-8").split("\n")
    hash_line = next(i for i, line in enumerate(lines) if i > 1 and len(line) == 44)
    lines[hash_line] = base64.b64encode(bytes(32)).decode()
    proof_file.write_text("\n".join(lines), encoding="utf-8")
    rewrite_manifest(root)
    name = proof_file.relative_to(root).as_posix()
    report = verify_production(root, ctx.log_key.vkey)
    assert report.files == sorted([name, layout.MANIFEST]) and "inclusion proof fails" in report.findings[0].problem
    # and the rewritten manifest is not the one the logged export committed to
    assert "is not the one logged export entry" in report.findings[1].problem


def test_the_custody_report_names_matter_range_and_checkpoint(ctx: Clearance, world: World, tmp_path: Path) -> None:
    from pypdf import PdfReader

    result = _produce(ctx, tmp_path / "vol")
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "vol" / layout.CUSTODY_PDF).pages)
    flat = " ".join(text.split())
    assert MATTER in flat
    assert f"{result['bates']['begin']} - {result['bates']['end']}" in flat
    assert result["checkpoint"]["root"] in flat.replace(" ", "") and str(result["checkpoint"]["size"]) in flat
    assert "counsel" in flat and "clearance-ledger" in flat
    # the selection in words, the verifier key, a certification, and the dates it was written
    assert f"every record the active legal holds of matter {MATTER} name" in flat
    assert ctx.log_key.vkey in flat.replace(" ", "") and "902(14)" in flat and "Signature:" in flat
    assert "placed by counsel on 2026-01-05" in flat
    reader = PdfReader(tmp_path / "vol" / layout.CUSTODY_PDF)
    created = reader.metadata.creation_date if reader.metadata else None
    exported = datetime.fromisoformat(result["exported_at"].replace("Z", "+00:00"))
    assert created is not None and abs(created.replace(tzinfo=created.tzinfo or UTC) - exported) < timedelta(days=1)


def test_a_second_production_continues_numbering_with_a_consistency_proof(ctx: Clearance, world: World,
                                                                           tmp_path: Path) -> None:
    first = _produce(ctx, tmp_path / "one")
    save_protocol(ctx, "doe-v-northlight", ProtocolSettings(bates_prefix="NLP", bates_padding=6,
                                                            image_format="none"), "counsel")
    from ledger.records import service as records
    from ledger.records.kinds import KINDS

    records.create_record(ctx, KINDS["party"], {"id": "late", "kind": "person", "name": "Late Witness"}, "registrar")
    second = export(ctx, {"matter": MATTER}, tmp_path / "two", "counsel", protocol="doe-v-northlight")
    assert second["bates"]["first"] == first["bates"]["last"] + 1
    assert second["previous"]["production_id"] == first["production_id"]
    assert second["checkpoint"]["size"] > first["checkpoint"]["size"]
    assert second["protocol"]["name"] == "doe-v-northlight" and second["counts"].get("stills") is None
    root = tmp_path / "two"
    report = verify_production(root, ctx.log_key.vkey)
    assert report.ok and report.checked["consistency proofs"] == 1, report.findings
    _flip(root / layout.CONSISTENCY, at=-3)
    assert layout.CONSISTENCY in verify_production(root, ctx.log_key.vkey).files
    assert verify_log(ctx).ok


def test_a_selection_that_reaches_nothing_is_refused(ctx: Clearance, world: World, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="reaches no producible records"):
        export(ctx, {"assets": ["work-1"]}, tmp_path / "none", "counsel")
    with pytest.raises(ValidationFailed, match="do not exist"):
        export(ctx, {"clips": ["nope"]}, tmp_path / "none", "counsel")
    with pytest.raises(ValidationFailed, match="protocol"):
        export(ctx, {}, tmp_path / "none", "counsel", overrides={"bates_prefix": "lower case"})


def test_selection_by_dataset_custodian_and_dates(ctx: Clearance, world: World, tmp_path: Path) -> None:
    result = export(ctx, {"datasets": ["ds"]}, tmp_path / "a", "counsel", overrides={"image_format": "none"})
    # the version's assets come as its attachments (work-1 is privileged)
    assert {r["RECORDID"] for r in _dat_rows(tmp_path / "a")} == {"ds", "ds-v1", "work-0", "work-2"}
    assert result["counts"] == {"asset": 2, "dataset": 1, "dataset_version": 1, "events": 4}
    export(ctx, {"custodians": ["librarian"]}, tmp_path / "b", "counsel", overrides={"image_format": "none"})
    # work-1 is privileged; work-2 records the person who acquired it, its custodian
    assert {r["RECORDID"] for r in _dat_rows(tmp_path / "b")} == {"work-0"}
    export(ctx, {"custodians": ["Mara Okafor"]}, tmp_path / "b2", "counsel", overrides={"image_format": "none"})
    assert {r["RECORDID"] for r in _dat_rows(tmp_path / "b2")} == {"work-2"}
    with pytest.raises(ValidationFailed):
        export(ctx, {"date_from": "2001-01-01", "date_to": "2001-12-31"}, tmp_path / "c", "counsel")


def test_a_failure_half_way_leaves_no_volume_and_no_event(ctx: Clearance, world: World, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.exports import privilege_log
    from ledger.log import store

    def broken(*_: Any, **__: Any) -> None:
        raise OSError("disk full")

    # the last file written before the export is logged (the custody certificate comes after: it names the entry)
    monkeypatch.setattr(privilege_log, "write", broken)
    with ctx.db.reader() as session:
        size = store.tree_size(session)
    with pytest.raises(OSError, match="disk full"):
        _produce(ctx, tmp_path / "vol")
    assert not (tmp_path / "vol").exists()
    with ctx.db.reader() as session:
        assert store.tree_size(session) == size


def test_a_missing_or_malformed_load_file_is_named(ctx: Clearance, world: World, tmp_path: Path) -> None:
    _produce(ctx, tmp_path / "vol")
    root = tmp_path / "vol"
    (root / layout.DAT).unlink()
    (root / layout.OPT).write_bytes(b"\xff\xfe not a load file")
    findings: dict[str, list[str]] = {}
    for finding in verify_production(root, ctx.log_key.vkey).findings:
        findings.setdefault(finding.file, []).append(finding.problem)
    assert "missing" in findings[layout.DAT]
    assert layout.OPT in findings and "missing" not in findings[layout.OPT]
