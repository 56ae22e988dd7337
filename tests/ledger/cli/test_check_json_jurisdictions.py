"""``clearance check --json`` names the jurisdiction and the clause of each reason: Tennessee's ELVIS Act for a
living Tennessean released elsewhere, and the SAG-AFTRA strike term for a union-prong consent (issue 21)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ledger.cli.test_cli import run


@pytest.mark.slow   # whole CLI processes end to end (7-12 s): CI's slow step runs it
def test_check_json_names_tennessee_and_the_union_agreement(tmp_path: Path) -> None:
    from PIL import Image

    home = tmp_path / "home"
    run(home, "init")
    run(home, "party", "add", "--id", "hank", "kind=person", "name=Hank Lowe", "domicile=US-TN")
    run(home, "party", "add", "--id", "rosa", "kind=person", "name=Rosa Imai")
    use = json.dumps({"project": "Tidewater", "uses": ["generate", "release"], "media": ["streaming"],
                      "territories": ["US"],
                      "determination": {"specific": True, "reviewer": "L. Ortiz", "determined_on": "2026-01-05"}})
    strike = json.dumps({"starts_on": "2026-05-20", "union": "SAG-AFTRA"})
    run(home, "consent", "add", "--id", "c1", "performer_id=rosa", "contract_ref=C-1", "executed_on=2026-01-02",
        "replica_type=employment_based", "replaces_in_person_work=true", f"intended_uses=[{use}]",
        "representation=union", "union_name=SAG-AFTRA", "union_agreement=2026 TV/Theatrical",
        "union_agreement_covers_replicas=true", "union_agreement_version=sag_aftra_tv_2026",
        "scan_business_reason=reshoots", "no_use_during_strike=true", f"strike_periods=[{strike}]")
    clip = tmp_path / "clip.png"
    Image.new("RGB", (64, 48), (90, 140, 200)).save(clip)
    result = run(home, "check", str(clip), "--service", "svc", "--project", "Tidewater", "--medium", "streaming",
                 "--territory", "US-GA", "--person", "hank", "--person", "rosa", "--release-date", "2026-06-01",
                 "--json", check=False)
    body = json.loads(result.stdout)
    assert body["verdict"] == "block", result.stderr.decode()
    assert all(r["jurisdiction"] and r["clause"] for r in body["reasons"]), body["reasons"]
    by_id = {r["policy_id"]: r for r in body["reasons"]}
    elvis = by_id["elvis.authorization-required"]
    assert elvis["jurisdiction"] == "US-TN" and elvis["clause"].startswith("Tenn. Code Ann.")
    assert elvis["subject_id"] == "hank"
    strike_reason = by_id["sag.replica-use-during-strike"]
    assert strike_reason["jurisdiction"] == "contract" and strike_reason["clause"].startswith("SAG-AFTRA")
    assert {f["name"]: f["value"] for f in strike_reason["facts"]}["context.consent.strike_started_ymd"] == "2026-05-20"
