"""A log and two witnesses as separate processes on 127.0.0.1: cosigned checkpoints, gaps and recovery."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.context import Clearance
from ledger.log.events import Event
from ledger.log.proof_file import ProofFile
from ledger.settings import Settings
from ledger.setup import initialise
from ledger.witness.cosignature import CosignerVerifier
from ledger.witness.wire import AddCheckpoint, SignedNote
from tests.ledger.witness.processes import WitnessProcess, post, run_cli, start_witness


@pytest.fixture
def log(settings: Settings) -> Iterator[Clearance]:
    """An installation (SQLite, or PostgreSQL) made in this process without witnesses; the CLI processes
    get the policy."""
    ctx = Clearance(settings)
    initialise(ctx)
    yield ctx
    ctx.db.dispose()


@pytest.fixture
def witnesses(tmp_path: Path, log: Clearance) -> Iterator[dict[str, tuple[WitnessProcess, CosignerVerifier]]]:
    started: dict[str, tuple[WitnessProcess, CosignerVerifier]] = {}
    try:
        for name in ("w1", "w2"):
            folder = tmp_path / name
            vkey = run_cli("witness", "init", "--dir", str(folder), "--name", f"witness.test/{name}").stdout.strip()
            started[name] = (start_witness(folder, [log.log_key.vkey]), CosignerVerifier.from_vkey(vkey))
        yield started
    finally:
        for process, _ in started.values():
            process.stop()


def write_policy(log: Clearance, tmp_path: Path,
                 witnesses: dict[str, tuple[WitnessProcess, CosignerVerifier]]) -> dict[str, str]:
    lines = [f"witness {name} {verifier.vkey} {process.url}" for name, (process, verifier) in witnesses.items()]
    (tmp_path / "policy.txt").write_text("\n".join([*lines, "group both all w1 w2", "quorum both"]) + "\n")
    return {"CLEARANCE_HOME": str(log.settings.home), "CLEARANCE_DATABASE_URL": log.settings.resolved_database_url,
            "CLEARANCE_WITNESS_POLICY": str(tmp_path / "policy.txt"), "CLEARANCE_WITNESS_TIMEOUT_S": "2"}


def append(log: Clearance, count: int) -> None:
    with log.db.transaction() as session:
        log.record(session, [Event("log.initialized", {"note": f"entry {i}"}) for i in range(count)])


def cosigners(note: str, witnesses: dict[str, tuple[WitnessProcess, CosignerVerifier]]) -> set[str]:
    parsed = SignedNote.parse(note)
    return {name for name, (_, verifier) in witnesses.items()
            if any(verifier.verify_line(line, parsed.text) for line in parsed.signatures)}


def test_checkpoints_are_cosigned_and_a_lost_witness_is_a_visible_gap(tmp_path, log, witnesses) -> None:
    env = write_policy(log, tmp_path, witnesses)
    append(log, 3)
    first = run_cli("log", "checkpoint", env=env)
    assert first.returncode == 0, first.stderr
    assert cosigners(first.stdout, witnesses) == {"w1", "w2"}
    assert SignedNote.parse(first.stdout).signatures[0].startswith(f"\u2014 {log.log_key.origin} ")

    w2, _ = witnesses["w2"]
    os.kill(w2.process.pid, signal.SIGSTOP)  # w2 takes the request and never answers, then dies
    append(log, 4)
    second = run_cli("log", "checkpoint", env=env)
    os.kill(w2.process.pid, signal.SIGKILL)
    w2.process.wait(timeout=10)
    assert second.returncode == 0, second.stderr  # the log goes on without w2
    assert cosigners(second.stdout, witnesses) == {"w1"}
    size = SignedNote.parse(second.stdout).checkpoint.size
    assert f"checkpoint {size:,}: 1 of 2 witnesses" in second.stderr and "witness w2:" in second.stderr

    report = run_cli("doctor", "--json", env=env)
    assert report.returncode == 0, report.stderr
    import json

    status = json.loads(report.stdout)["witnesses"]
    assert status["vouched"] == ["w1"] and not status["quorum_met"] and "w2" in status["missing"]

    port = int(w2.url.rsplit(":", 1)[1])
    restarted = start_witness(w2.folder, [log.log_key.vkey], port=port)
    witnesses["w2"] = (restarted, witnesses["w2"][1])
    third = run_cli("log", "checkpoint", env=env)  # the same checkpoint: the retry fills the gap
    assert third.returncode == 0, third.stderr
    assert SignedNote.parse(third.stdout).checkpoint.size == size
    assert cosigners(third.stdout, witnesses) == {"w1", "w2"} and third.stderr == ""
    proved = run_cli("log", "prove", "2", env=env)  # a tlog-proof file carries the cosigned checkpoint
    assert proved.returncode == 0, proved.stderr
    assert cosigners(ProofFile.parse(proved.stdout).checkpoint_note, witnesses) == {"w1", "w2"}


def test_a_witness_ahead_of_what_the_log_knows_answers_409_and_the_log_resubmits(tmp_path, log, witnesses) -> None:
    """The witness persisted a cosignature whose answer the log never got: the 409 names its size."""
    append(log, 5)
    note = log.checkpoint()  # no policy in this process: signed, not submitted
    w1, _ = witnesses["w1"]
    assert post(w1.url + "/add-checkpoint", AddCheckpoint(0, [], note).render())[0] == 200
    env = write_policy(log, tmp_path, witnesses)
    append(log, 2)
    result = run_cli("log", "checkpoint", env=env)
    assert result.returncode == 0, result.stderr
    assert cosigners(result.stdout, witnesses) == {"w1", "w2"}
    assert SignedNote.parse(result.stdout).checkpoint.size == 8
