"""A production from a log cosigned by a witness process and timestamped by a local TSA: both verifiers say
who vouched and when, ``openssl ts -verify`` accepts the token, and a policy requiring a quorum stops
exports while the witness is away."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.context import Clearance
from ledger.exports import layout
from ledger.exports.service import export
from ledger.exports.verify import verify_export
from ledger.log.signer import LogKey
from ledger.settings import Settings
from ledger.setup import initialise
from ledger.witness.policy import parse_policy
from ledger.witness.production_checks import check_production
from ledger.witness.publish import QuorumNotMet
from ledger.witness.status import witness_report
from ledger.witness.wire import SignedNote
from tests.ledger.exports.conftest import MATTER, build_world
from tests.ledger.witness.processes import WitnessProcess, run_cli, start_witness
from tests.ledger.witness.tsa import LocalTsa, start_tsa

from clearance_verify.cli import main as standalone_main  # noqa: I001 (put on the path by the exports conftest)


@dataclass
class Vouched:
    ctx: Clearance
    witness: WitnessProcess
    tsa: LocalTsa
    policy: Path


@pytest.fixture
def vouched(tmp_path: Path) -> Iterator[Vouched]:
    home = tmp_path / "home"
    log_key = LogKey.create(home / "keys", "clearance.test/log")
    made = run_cli("witness", "init", "--dir", str(tmp_path / "w"), "--name", "counsel.test/witness")
    witness = start_witness(tmp_path / "w", [log_key.vkey])
    tsa = start_tsa(tmp_path / "tsa")
    policy = tmp_path / "policy.txt"
    policy.write_text(f"log {log_key.vkey}\nwitness counsel {made.stdout.strip()} {witness.url}\nquorum counsel\n")
    ctx = Clearance(Settings.load(environ={
        "CLEARANCE_HOME": str(home), "CLEARANCE_WITNESS_POLICY": str(policy), "CLEARANCE_WITNESS_TIMEOUT_S": "2",
        "CLEARANCE_TSA_URL": tsa.url, "CLEARANCE_TSA_ROOT_CERT": str(tsa.root)}))
    try:
        initialise(ctx)
        yield Vouched(ctx, witness, tsa, policy)
    finally:
        witness.stop()
        tsa.stop()
        ctx.db.dispose()


def test_a_production_carries_cosignature_and_timestamp_and_both_verifiers_check_them(vouched, tmp_path) -> None:
    ctx = vouched.ctx
    build_world(ctx)
    out = tmp_path / "vol1"
    export(ctx, {"matter": MATTER}, out, "counsel", overrides={"bates_prefix": "NLP"})
    note = (out / layout.CHECKPOINT).read_text()
    assert len(SignedNote.parse(note).signatures) == 2  # the log's signature and the witness's cosignature
    assert (out / "LOG" / "checkpoint.tsr").is_file()
    assert verify_export(out, ctx.log_key.vkey).ok

    ours = check_production(out, parse_policy(vouched.policy.read_text()), vouched.tsa.root.read_bytes())
    assert not ours.problems and ours.vouching is not None and ours.vouching.quorum_met
    assert "1 of 1 witnesses" in ours.lines[-2] and ", timestamped" in ours.lines[-2]

    code = standalone_main([str(out), "--log-key", ctx.log_key.vkey, "--witness-policy", str(vouched.policy),
                            "--tsa-root", str(vouched.tsa.root)])
    assert code == 0
    tampered_policy = tmp_path / "other.txt"
    other = run_cli("witness", "init", "--dir", str(tmp_path / "other"), "--name", "someone.test/else").stdout
    tampered_policy.write_text(f"witness someone {other.strip()}\nquorum someone\n")
    assert standalone_main([str(out), "--log-key", ctx.log_key.vkey, "--witness-policy", str(tampered_policy)]) == 1

    body = tmp_path / "body.txt"
    body.write_text(SignedNote.parse(note).text)
    checked = subprocess.run(["openssl", "ts", "-verify", "-data", str(body), "-in", str(out / "LOG/checkpoint.tsr"),
                              "-CAfile", str(vouched.tsa.root)], capture_output=True, text=True)
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr


def test_exports_wait_for_the_quorum_and_gaps_show(vouched, tmp_path) -> None:
    ctx = vouched.ctx
    build_world(ctx)
    ctx.settings.export_requires_quorum = True
    vouched.witness.stop()
    vouched.tsa.stop()
    with pytest.raises(QuorumNotMet, match="counsel") as refused:
        export(ctx, {"matter": MATTER}, tmp_path / "vol1", "counsel", overrides={"bates_prefix": "NLP"})
    assert "0 of 1 witnesses" in refused.value.detail and not (tmp_path / "vol1").exists()
    report = witness_report(ctx)
    assert report.timestamped is False and report.timestamp_error and "unreachable" in report.timestamp_error
    assert not report.quorum_met and "counsel" in report.missing
    assert any("0 of 1 witnesses, no timestamp" in line for line in report.lines())
    status = json.dumps(report.as_json())
    assert "counsel" in status


def test_a_clip_checkpoint_is_vouched_for_by_a_later_consistent_cosignature(vouched) -> None:
    """What 'clearance verify' reports for a signed clip: its checkpoint is older than the cosigned one."""
    from ledger.log import store
    from ledger.log.note import Checkpoint
    from ledger.witness.status import vouching_for

    from sqlmodel import select

    from ledger.log.events import Event
    from ledger.log.tables import SignedCheckpoint

    ctx = vouched.ctx
    build_world(ctx)
    with ctx.db.transaction() as session:  # entries without receipts: heads no checkpoint was signed at
        ctx.record(session, [Event("log.initialized", {"note": f"unsigned {n}"}) for n in range(3)])
    with ctx.db.reader() as session:
        size = max(row.size for row in session.exec(select(SignedCheckpoint))) + 1
        early = Checkpoint(ctx.log_key.origin, size, store.root_at(session, size))
    ctx.checkpoint()
    assert ctx.cosigner is not None and ctx.cosigner.cosign_latest() is not None
    answer = vouching_for(ctx, early)
    assert answer is not None and answer["quorum_met"] and set(answer["vouched"]) == {"counsel"}
    assert answer["vouched"]["counsel"] > size
    assert f"1 of 1 witnesses vouched for checkpoint {size}" in answer["reason"]
    forged = Checkpoint(ctx.log_key.origin, size, bytes(32))
    refused = vouching_for(ctx, forged)
    assert refused is not None and not refused["vouched"] and not refused["quorum_met"]
