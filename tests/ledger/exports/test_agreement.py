"""One tamper set through both verifiers (verifier/SPEC.md): each copy fails, with the same findings in both.

Every tamper below is made as a forger would, rewriting ``MANIFEST.sha256`` afterwards, so only
the logged export event (``EXPORT/``) can tell what was added, dropped or edited.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clearance_verify import verify_production
from clearance_verify.loadfiles import read_dat

from ledger.context import Clearance
from ledger.exports import layout
from ledger.exports.service import export
from ledger.exports.verify import verify_export
from ledger.records import service
from ledger.records.kinds import KINDS
from tests.ledger.exports.conftest import MATTER, World, rewrite_manifest

Tamper = Callable[[Path], None]


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").splitlines(keepends=True)


def _events(root: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _lines(root / layout.EVENTS)]


def _drop_events(root: Path, keep: Callable[[dict[str, Any]], bool]) -> None:
    lines = _lines(root / layout.EVENTS)
    kept = [line for line in lines if keep(json.loads(line))]
    for line in lines:
        if line not in kept:
            (root / layout.proof_path(json.loads(line)["index"])).unlink()
    (root / layout.EVENTS).write_bytes("".join(kept).encode("utf-8"))


def _edit_dat(root: Path, old: str, new: str) -> None:
    data = (root / layout.DAT).read_bytes()
    assert old.encode() in data, old
    (root / layout.DAT).write_bytes(data.replace(old.encode(), new.encode(), 1))


def drop_the_revocation(root: Path) -> None:
    """The license's revocation event and its proof removed, the DAT's revocation fields cleared."""
    _drop_events(root, lambda e: e["envelope"]["type"] != "record.revoked")
    dat = read_dat((root / layout.DAT).read_bytes())
    license_row = next(r for r in dat.rows if r["RECORDID"] == "lic-1" and not r["PARENTID"])
    _edit_dat(root, "\u00fe" + license_row["F_REVOKED_AT"] + "\u00fe", "\u00fe\u00fe")


def drop_the_last_document(root: Path) -> None:
    """The last record, its attachments' files, its events and proofs, and its OPT lines removed."""
    data = (root / layout.DAT).read_bytes()
    dat = read_dat(data)
    last = next(r for r in reversed(dat.rows) if not r["PARENTID"])
    family = [r for r in dat.rows if last["DOCID"] in (r["DOCID"], r["PARENTID"])]
    lines = data.split(b"\r\n")
    keep = lines[:len(lines) - 1 - len(family)] + [b""]
    (root / layout.DAT).write_bytes(b"\r\n".join(keep))
    for row in family:
        for path in (row.get("NATIVEPATH"), row.get("IMAGEPATH")):
            if path:
                (root / path.replace("\\", "/")).unlink()
    _drop_events(root, lambda e: e["docid"] != last["DOCID"])
    opt = [line for line in _lines(root / layout.OPT) if not any(r["BEGDOC"] in line for r in family)]
    (root / layout.OPT).write_bytes("".join(opt).encode("utf-8"))


def add_a_file(root: Path) -> None:
    (root / layout.NATIVES / "NOTE.txt").write_text("added after the export\n", encoding="utf-8")


def edit_a_dat_field(root: Path) -> None:
    _edit_dat(root, "NL-Video", "NL-Video-Licensed")


def edit_an_opt_path(root: Path) -> None:
    data = (root / layout.OPT).read_bytes()
    (root / layout.OPT).write_bytes(data.replace(b"IMAGES\\", b"IMAGES\\X", 1))


def remove_the_export_event(root: Path) -> None:
    (root / layout.EXPORT_EVENT).unlink()


def edit_the_logged_counts(root: Path) -> None:
    event = json.loads((root / layout.EXPORT_EVENT).read_text("utf-8"))
    event["payload"]["contents"]["documents"] += 1
    import base64

    event["payload_b64"] = base64.b64encode(json.dumps(event["payload"]).encode()).decode()
    (root / layout.EXPORT_EVENT).write_text(json.dumps(event), encoding="utf-8")


def edit_the_custody_certificate(root: Path) -> None:
    """A byte changed inside what the PDF's signature covers (its header comment)."""
    data = bytearray((root / layout.CUSTODY_PDF).read_bytes())
    data[12] ^= 0x01
    (root / layout.CUSTODY_PDF).write_bytes(bytes(data))


def append_to_the_custody_certificate(root: Path) -> None:
    """An incremental update after signing (here a comment): the signature no longer covers the whole file."""
    with (root / layout.CUSTODY_PDF).open("ab") as stream:
        stream.write(b"\n% a later revision\n")


def remove_the_custody_certificate(root: Path) -> None:
    (root / layout.CUSTODY_PDF).unlink()


def resign_the_custody_certificate(root: Path) -> None:
    """A forger's own key signs a new certificate and replaces the production's signing certificate."""
    from ledger.exports import custody
    from ledger.exports.signing_key import ensure_signer

    signer = ensure_signer(root.parent / "forger-keys", "Forger")
    unsigned = custody.render(json.loads((root / layout.SUMMARY).read_text("utf-8")),
                              {"manifest_sha256": "0" * 64, "log_index": 0, "certificate_sha256": "0" * 64,
                               "checkpoint": {"origin": "forged", "size": 0, "root": ""}})
    (root / layout.CUSTODY_PDF).write_bytes(custody.sign(unsigned, signer, "forged"))
    (root / layout.SIGNING_CERT).write_bytes(signer.certificate_pem)


TAMPERS: dict[str, tuple[Tamper, list[tuple[str, str]]]] = {
    "dropped revocation event": (drop_the_revocation, [
        (layout.EVENTS, "holds {events_less} events where logged export entry {entry} produced {events}"),
        (layout.MANIFEST, "lists {files_less} files where logged export entry {entry} produced {files}"),
        (layout.DAT, "differs from the file logged export entry {entry} produced")]),
    "dropped document": (drop_the_last_document, [
        (layout.DAT, "holds {documents_less_family} documents where logged export entry {entry} produced "
                     "{documents}")]),
    "extra file": (add_a_file, [
        (layout.MANIFEST, "lists {files_more} files where logged export entry {entry} produced {files}")]),
    "edited DAT field": (edit_a_dat_field, [
        (layout.DAT, "differs from the file logged export entry {entry} produced")]),
    "edited OPT path": (edit_an_opt_path, [
        (layout.OPT, "line 1: image {first_image} is not a DAT image document"),
        (layout.OPT, "line 1: volume or path does not name a file in this production"),
        (layout.OPT, "differs from the file logged export entry {entry} produced")]),
    "export event removed": (remove_the_export_event, [
        (layout.EXPORT_EVENT, "missing: nothing proves the production complete")]),
    "logged counts edited": (edit_the_logged_counts, [
        (layout.EXPORT_EVENT, "its payload does not match the leaf's hash")]),
    "custody certificate edited": (edit_the_custody_certificate, [
        (layout.CUSTODY_PDF, f"its signature does not verify with {layout.SIGNING_CERT}")]),
    "custody certificate appended to": (append_to_the_custody_certificate, [
        (layout.CUSTODY_PDF, "its signature does not cover the whole file (something was added after signing)")]),
    "custody certificate removed": (remove_the_custody_certificate, [(layout.CUSTODY_PDF, "missing")]),
    "custody certificate re-signed with another key": (resign_the_custody_certificate, [
        (layout.MANIFEST, "its SHA-256 is not the one logged export entry {entry} commits to")]),
}


@pytest.fixture
def production(ctx: Clearance, world: World, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    service.revoke(ctx, KINDS["license"], "lic-1", "the archive withdrew the grant", "counsel")
    result = export(ctx, {"matter": MATTER}, tmp_path / "vol", "counsel",
                    overrides={"bates_prefix": "NLP", "bates_padding": 6, "natives": True})
    root = Path(result["path"])
    dat = read_dat((root / layout.DAT).read_bytes())
    last = next(r for r in reversed(dat.rows) if not r["PARENTID"])
    family = [r for r in dat.rows if last["DOCID"] in (r["DOCID"], r["PARENTID"])]
    files = len(_lines(root / layout.MANIFEST))
    revocations = sum(1 for e in _events(root) if e["envelope"]["type"] == "record.revoked")
    assert revocations == 1
    facts = {"entry": result["log_index"], "events": result["counts"]["events"],
             "events_less": result["counts"]["events"] - 1, "files": files, "files_less": files - 1,
             "files_more": files + 1, "documents": len(dat.rows), "documents_less_family": len(dat.rows) - len(family),
             "first_image": next(r["BEGDOC"] for r in dat.rows if r.get("IMAGEPATH"))}
    return root, facts


def _both(root: Path, vkey: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    standalone = verify_production(root, vkey)
    ours = verify_export(root, vkey)
    return sorted((f.file, f.problem) for f in standalone.findings), sorted(ours.problems)


def test_the_untouched_production_verifies_in_both(ctx: Clearance, production: tuple[Path, dict[str, Any]]) -> None:
    root, facts = production
    standalone, ours = _both(root, ctx.log_key.vkey)
    assert standalone == ours == []
    event = json.loads((root / layout.EXPORT_EVENT).read_text("utf-8"))
    assert event["envelope"]["type"] == "export.produced" and event["index"] == facts["entry"]
    contents = event["payload"]["contents"]
    assert (contents["documents"], contents["events"], contents["files"]) == (
        facts["documents"], facts["events"], facts["files"])
    assert (root / layout.EXPORT_CHECKPOINT).read_text("utf-8").startswith(ctx.log_key.origin + "\n")


def test_a_witness_cosignature_appended_to_the_export_checkpoint_is_accepted(
        ctx: Clearance, production: tuple[Path, dict[str, Any]]) -> None:
    """EXPORT/checkpoint.txt is a signed note: witnesses' cosignature lines may be appended after the export."""
    import base64

    root, _ = production
    note = root / layout.EXPORT_CHECKPOINT
    cosignature = base64.b64encode(bytes(range(4)) + bytes(8) + bytes(64)).decode()
    note.write_text(note.read_text("utf-8") + f"\u2014 witness.example/w1 {cosignature}\n", encoding="utf-8")
    standalone, ours = _both(root, ctx.log_key.vkey)
    assert standalone == ours == []


@pytest.mark.parametrize("name", list(TAMPERS))
def test_each_tamper_fails_in_both_with_the_same_findings(ctx: Clearance, production: tuple[Path, dict[str, Any]],
                                                          tmp_path: Path, name: str) -> None:
    root, facts = production
    tamper, expected = TAMPERS[name]
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    tamper(copy)
    rewrite_manifest(copy)
    standalone, ours = _both(copy, ctx.log_key.vkey)
    assert standalone == ours, name
    for file, problem in expected:
        assert (file, problem.format(**facts)) in standalone, (name, standalone)


def test_both_command_lines_say_what_verified_covers(ctx: Clearance, production: tuple[Path, dict[str, Any]],
                                                     tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ledger.cli.app import app

    root, facts = production
    source = Path(__file__).resolve().parents[3] / "verifier" / "src"
    done = subprocess.run([sys.executable, "-m", "clearance_verify", str(root), "--log-key", ctx.log_key.vkey],
                          env={"PYTHONPATH": str(source)}, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    sentence = f"the export event logged at entry {facts['entry']}"
    assert "VERIFIED" in done.stdout and sentence in done.stdout and "It does not cover" in done.stdout
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    add_a_file(copy)
    rewrite_manifest(copy)
    failed = subprocess.run([sys.executable, "-m", "clearance_verify", str(copy), "--log-key", ctx.log_key.vkey],
                            env={"PYTHONPATH": str(source)}, capture_output=True, text=True, timeout=120,
                            check=False)
    assert failed.returncode == 1
    assert f"FAIL {layout.MANIFEST}: lists {facts['files_more']} files where logged export entry {facts['entry']} " \
           f"produced {facts['files']}" in failed.stdout.splitlines()
    ours = CliRunner().invoke(app, ["verify-export", str(copy), "--log-key", ctx.log_key.vkey], env={"COLUMNS": "300"})
    assert ours.exit_code == 7
    assert f"FAIL {layout.MANIFEST}: lists {facts['files_more']} files" in ours.output
