"""The ``clearance`` command as users and other tools run it (real subprocesses)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from ledger.log import merkle
from ledger.log.note import Verifier, open_checkpoint
from ledger.log.proof_file import ProofFile
from tests.dates import TODAY

CLI = [sys.executable, "-c", "from ledger.cli import main; main()"]


def run(home: Path, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CLEARANCE_HOME": str(home), "COLUMNS": "200"}
    env.pop("CLEARANCE_DATABASE_URL", None)
    result = subprocess.run(CLI + list(args), env=env, input=input, capture_output=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"clearance {' '.join(args)} exited {result.returncode}:\n"
                             f"{result.stdout.decode()}\n{result.stderr.decode()}")
    return result


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo") / "home"
    out = run(home, "demo").stdout.decode()
    (home / "demo-output.txt").write_text(out)
    verdicts = re.findall(r"^\S+\.mp4: (PASS|BLOCK|REVIEW) \(check", out, re.MULTILINE)
    assert verdicts == ["PASS", "BLOCK", "REVIEW", "BLOCK"], out
    assert "ab1836.permission-required" in out and "similarity.grey-match-unlicensed" in out
    assert "-> verified" in out and "-> NOT verified" in out
    assert "cleared by the union prong of AB 2602" in out and "demo-consent-rosa is a blanket grant" in out
    # every clip (the New York ones and the creator's too)
    assert out.count("voice: no enrolled voice heard") == 7, out
    # the signed clip's AI disclosure, each field with its law; the New York advertisement's label
    assert "AI disclosure (SB 942 latent disclosure, EU AI Act Art. 50(2) marking): complete" in out, out
    assert "  provider's name: present: Northlight Pictures" in out, out
    assert "serves Cal. Bus. & Prof. Code § 22757.3(b)(1)(D)" in out and "serves EU AI Act" in out, out
    # the advertisement: its training licenses do not cover advertising (block); the label is answered beside it
    assert "pier-ad.mp4 (advertising, US-NY): BLOCK" in out and "license.media-outside-scope" in out, out
    assert "VISIBLE LABEL REQUIRED (US-NY, N.Y. Gen. Bus. Law § 396-b(3))" in out, out
    assert "june-tribute.mp4 (territory US-NY): BLOCK" in out and "ny50f.permission-required" in out, out
    assert "judged under: US-NY" in out, out
    # the production: the held clip as its signed file, verified with its load files, a forged copy caught
    assert "is produced as the signed file it was released as" in out and "clearance-verify: production verified" in out
    assert "VERIFIED covers:" in out and "LOAD FILES WELL FORMED" in out
    assert re.search(r"FAIL MANIFEST.sha256: lists \d+ files where logged export entry \d+ produced \d+", out), out
    # the reviewed check with its reason redacted, provably; the custody certificate signed and validated
    assert re.search(r"check \S+ \(NLDEMO\d+\) is produced with review_reason REDACTED", out), out
    assert "is signed (PAdES); pyHanko, with REPORTS/production-signing-cert.pem as the only trust root: validates" \
        in " ".join(out.split()), out
    return home


@pytest.mark.slow   # whole CLI processes end to end (12-23 s): CI's slow step runs it
def test_log_contract_for_other_tools(demo_home: Path) -> None:
    vkey = run(demo_home, "log", "key").stdout.decode().strip()
    name, key_id, b64 = vkey.split("+", 2)
    public = base64.b64decode(b64)[1:]
    assert key_id == hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4].hex()
    verifier = Verifier.from_vkey(vkey)
    checkpoint = open_checkpoint(run(demo_home, "log", "checkpoint").stdout.decode(), verifier)
    leaf = run(demo_home, "log", "entry", "5").stdout
    proof = ProofFile.parse(run(demo_home, "log", "prove", "5").stdout.decode())
    assert proof.index == 5
    assert proof.verify(leaf, verifier) == checkpoint
    merkle.verify_inclusion(5, checkpoint.size, hashlib.sha256(b"\x00" + leaf).digest(), proof.proof, checkpoint.root)


def _story(out: str) -> list[str]:
    """What the demo concludes, without the ids and paths that differ between runs."""
    verdicts = re.findall(r"^(\S+\.mp4(?: \([^)]*\))?: (?:PASS|BLOCK|REVIEW))", out, re.MULTILINE)
    audits = re.findall(r"dataset audit of \S+ \((\d+/\d+) cleared", out)
    return verdicts + audits + re.findall(r"judged as of (\S+),", out)


@pytest.mark.slow
def test_the_demo_tells_the_same_story_two_years_from_today(demo_home: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 29: the demo judges as of its stated use date, whatever the clock says."""
    monkeypatch.setenv("CLEARANCE_TODAY", (TODAY + timedelta(days=730)).isoformat())
    moved = run(tmp_path / "home", "demo").stdout.decode()
    story = _story((demo_home / "demo-output.txt").read_text())
    # six verdicts (the New York advertisement's included), the audit, the use date
    assert len(story) == 8 and story[-1] == "2026-12-01", story
    assert _story(moved) == story


@pytest.mark.slow   # whole CLI processes end to end (12-23 s): CI's slow step runs it
def test_the_demo_production_is_cosigned_by_its_witness_and_timestamped(demo_home: Path, tmp_path: Path) -> None:
    """The demo runs counsel's witness and a local TSA: its production carries their cosignature and token."""
    from ledger.witness.cosignature import CosignerVerifier

    production = sorted((demo_home / "exports").glob("prd_*"))[0]
    note = (production / "LOG" / "checkpoint.txt").read_text()
    body, _, signatures = note.partition("\n\n")
    witness = CosignerVerifier.from_vkey(run(demo_home, "witness", "key", "--dir",
                                             str(demo_home / "demo" / "witness")).stdout.decode().strip())
    assert any(witness.verify_line(line, body + "\n") for line in signatures.splitlines())
    (tmp_path / "body.txt").write_text(body + "\n")
    checked = subprocess.run(["openssl", "ts", "-verify", "-data", str(tmp_path / "body.txt"), "-in",
                              str(production / "LOG" / "checkpoint.tsr"), "-CAfile",
                              str(demo_home / "demo" / "tsa" / "root.pem")], capture_output=True, text=True)
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr


@pytest.mark.slow   # whole CLI processes end to end (12-23 s): CI's slow step runs it
def test_demo_runs_twice_and_log_verifies(demo_home: Path) -> None:
    run(demo_home, "demo")
    assert b"OK" in run(demo_home, "log", "verify").stdout


@pytest.mark.slow   # builds the demo world and tampers with it through CLI processes (~18 s)
def test_verify_exits_non_zero_naming_the_tampered_row(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "demo")
    with sqlite3.connect(home / "clearance.db") as db:
        db.execute("UPDATE licenses SET territories = '[\"US\"]' WHERE id = 'demo-license-harbor'")
    result = run(home, "log", "verify", check=False)
    assert result.returncode == 7
    assert b"licenses record demo-license-harbor" in result.stdout and b"territories" in result.stdout


@pytest.mark.slow   # whole CLI processes end to end (12-23 s): CI's slow step runs it
def test_records_add_list_show_revoke(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init")
    out = run(home, "party", "add", "kind=organisation", "name=Harbor Archive", "--id", "harbor").stdout.decode()
    assert "added party harbor" in out
    run(home, "license", "add", "--id", "lic1", "licensor_id=harbor", "licensee_id=harbor",
        'permitted_uses=["train"]', 'media=["any"]', 'territories=["WORLD"]', "starts_on=2024-01-01")
    media = tmp_path / "work.png"
    media.write_bytes(b"\x89PNG not really, but bytes are bytes")
    added = json.loads(run(home, "asset", "add", "--file", str(media), "--json", "role=training_asset",
                           "title=Work", "acquisition_method=licensed", "license_id=lic1").stdout)
    assert added["record"]["sha256"] == hashlib.sha256(media.read_bytes()).hexdigest()
    shown = json.loads(run(home, "license", "show", "lic1").stdout)
    assert shown["territories"] == ["WORLD"]
    listing = json.loads(run(home, "party", "list", "--json").stdout)
    assert listing["total"] == 1
    revoked = run(home, "license", "revoke", "lic1", "--reason", "terminated").stdout.decode()
    assert added["record"]["id"] in revoked


@pytest.mark.slow   # whole CLI processes end to end (12-23 s): CI's slow step runs it
def test_consent_amend_prints_what_changed_and_what_relied_on_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init")
    run(home, "party", "add", "--id", "ann", "kind=person", "name=Ann")
    run(home, "consent", "add", "--id", "c1", "performer_id=ann", "contract_ref=C-1", "executed_on=2025-01-02",
        "replica_type=employment_based", "replaces_in_person_work=false", "representation=union",
        "union_name=SAG-AFTRA", "union_agreement=2023 TV/Theatrical")
    use = json.dumps({"project": "Harbor Lights", "media": ["theatrical"], "territories": ["US"]})
    out = run(home, "consent", "amend", "c1", f"intended_uses=[{use}]", "covers_voice=true",
              "--reason", "rider signed", "--on", "2026-02-01").stdout.decode()
    assert "amended consent c1: intended_uses, covers_voice" in out and "assets affected: none" in out
    shown = json.loads(run(home, "consent", "show", "c1").stdout)
    assert shown["covers_voice"] is True and shown["amendments"][0]["effective_on"] == "2026-02-01"
    refused = run(home, "consent", "amend", "c1", "performer_id=bob", "--reason", "x", check=False)
    assert refused.returncode == 2 and b"changes.performer_id" in refused.stderr
    assert b"OK" in run(home, "log", "verify").stdout


@pytest.mark.slow   # whole CLI processes end to end (7-12 s): CI's slow step runs it
def test_check_json_names_the_policy_and_the_fact_that_decided_it(tmp_path: Path) -> None:
    """Issue 11: counsel without signed terms is recorded, and the check says which policy and fact blocked it."""
    from PIL import Image

    home = tmp_path / "home"
    run(home, "init")
    run(home, "party", "add", "--id", "ann", "kind=person", "name=Ann Vale")
    use = json.dumps({"project": "Tidewater", "uses": ["generate", "release"], "media": ["streaming"],
                      "territories": ["US"]})
    run(home, "consent", "add", "--id", "c1", "performer_id=ann", "contract_ref=C-1", "executed_on=2025-01-02",
        "performance_fixed_on=2025-01-10", "replica_type=employment_based", "replaces_in_person_work=true",
        f"intended_uses=[{use}]", "representation=counsel", "counsel_name=D. Whitfield", "counsel_bar_number=CA-1")
    clip = tmp_path / "clip.png"
    Image.new("RGB", (64, 48), (90, 140, 200)).save(clip)
    result = run(home, "check", str(clip), "--service", "svc", "--project", "Tidewater", "--medium", "streaming",
                 "--territory", "US", "--person", "ann", "--release-date", "2026-06-01", "--json", check=False)
    assert result.returncode == 20, result.stderr.decode()
    body = json.loads(result.stdout)
    decided = [r for r in body["reasons"] if r["policy_id"] == "ab2602.unenforceable-consent"]
    assert decided and decided[0]["clause"].startswith("Cal. Lab. Code § 927(a)")
    facts = {f["name"]: f["value"] for f in decided[0]["facts"]}
    assert facts["context.consent.representation"] == "counsel"
    assert facts["context.consent.counsel_signed_terms_sha256"] is None


@pytest.mark.slow   # whole CLI processes end to end (7-12 s): CI's slow step runs it
def test_bad_input_exit_codes_and_messages(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init")
    bad = run(home, "party", "add", "kind=robot", "name=X", check=False)
    assert bad.returncode == 2 and b"kind" in bad.stderr
    missing = run(home, "license", "show", "nope", check=False)
    assert missing.returncode == 3 and b"nope" in missing.stderr
    uninitialised = run(tmp_path / "empty", "party", "list", check=False)
    assert uninitialised.returncode == 6 and b"clearance init" in uninitialised.stderr


@pytest.mark.slow   # whole CLI processes end to end (7-12 s): CI's slow step runs it
def test_keys_create_prints_the_key_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init")
    key = run(home, "keys", "create", "--role", "auditor").stdout.decode().strip()
    assert key.startswith("clr_")
    listing = run(home, "keys", "list").stdout.decode()
    assert "auditor" in listing and key.split("_", 2)[2] not in listing
    bad = run(home, "keys", "create", "--role", "emperor", check=False)
    assert bad.returncode == 2 and b"role" in bad.stderr


@pytest.mark.slow   # whole CLI processes end to end (7-12 s): CI's slow step runs it
def test_import_commits_good_rows_and_reports_bad_ones(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init")
    rows = [
        {"record_type": "party", "id": "studio", "kind": "organisation", "name": "Studio"},
        {"record_type": "party", "id": "broken", "kind": "organisation"},
        {"record_type": "license", "id": "l1", "licensor_id": "studio", "licensee_id": "studio",
         "permitted_uses": ["train"], "media": ["any"], "territories": ["US"], "starts_on": "2024-01-01"},
        {"record_type": "license", "id": "l2", "licensor_id": "ghost", "licensee_id": "studio",
         "permitted_uses": ["train"], "media": ["any"], "territories": ["US"], "starts_on": "2024-01-01"},
    ]
    source = tmp_path / "rights.json"
    source.write_text(json.dumps(rows))
    result = run(home, "import", str(source), "--json", check=False)
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["accepted"] == 2 and report["rejected"] == 2
    errors = {e["row"]: e for e in report["errors"]}
    assert errors[2]["problems"][0]["field"] == "name"
    assert errors[4]["problems"][0]["field"] == "licensor_id"
    assert json.loads(run(home, "party", "list", "--json").stdout)["total"] == 1
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("kind,name,aliases,died_on\nperson,Ann,A.;Annie,\nperson,Old Star,,1970-01-01\n"
                        "person,,,\n")
    result = run(home, "import", str(csv_file), "--kind", "party", "--json", check=False)
    report = json.loads(result.stdout)
    assert report["accepted"] == 2 and report["errors"][0]["row"] == 3
    parties = json.loads(run(home, "party", "list", "--json").stdout)["items"]
    assert ["A.", "Annie"] in [p["aliases"] for p in parties]
    assert b"OK" in run(home, "log", "verify").stdout


@pytest.mark.slow   # whole CLI processes end to end (12-23 s): CI's slow step runs it
def test_a_review_from_the_command_line_names_its_reviewer_and_the_signed_clip_proves_it(
        demo_home: Path, tmp_path: Path) -> None:
    pending = json.loads(run(demo_home, "review", "list", "--json").stdout)
    check = next(item for item in pending if item["evidence"])
    shown = run(demo_home, "check", "show", check["id"]).stdout.decode()
    assert "REVIEW" in shown and "a person must compare them" in shown
    assert re.search(r"evidence: clip at \d+\.\d s ~ asset \S+ at \d+\.\d s via perceptual/", shown), shown
    assert "check.decided" in shown and "proved" in shown
    anonymous = run(demo_home, "review", "decide", check["id"], "approve", "--reason", "fine", check=False)
    assert anonymous.returncode == 2 and b"--reviewer" in anonymous.stderr
    run(demo_home, "review", "decide", check["id"], "approve", "--reason", "a homage, not a copy",
        "--reviewer", "R. Alvarez")
    detail = json.loads(run(demo_home, "check", "show", check["id"], "--json").stdout)
    assert detail["check"]["reviewer"] == "R. Alvarez" and detail["check"]["reviewer_role"] == "cli"
    assert [e["envelope"]["type"] for e in detail["history"]["entries"]][-1] == "check.reviewed"
    signed = tmp_path / "signed.mp4"
    run(demo_home, "sign", check["id"], "--out", str(signed))
    report = json.loads(run(demo_home, "verify", str(signed), "--json").stdout)
    assert report["ok"] and report["log"]["review"]["ok"] and report["log"]["review"]["reviewer"] == "R. Alvarez"
