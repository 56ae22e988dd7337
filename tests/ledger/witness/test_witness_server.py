"""``clearance witness serve`` as its own process: tlog-witness add-checkpoint answers and durable state."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.log.note import Checkpoint
from ledger.log.signer import LogKey
from ledger.witness.cosignature import CosignerKey, CosignerVerifier
from ledger.witness.state import origin_hash
from ledger.witness.wire import AddCheckpoint, SignedNote
from tests.ledger.witness.processes import Tree, WitnessProcess, get, post, run_cli, start_witness

LEAVES = [f"entry {i}".encode() for i in range(20)]
FORKED = [f"entry {i}".encode() if i < 6 else f"other {i}".encode() for i in range(20)]


@pytest.fixture
def log_key(tmp_path: Path) -> LogKey:
    return LogKey.create(tmp_path / "log-keys", "example.test/log")


@pytest.fixture
def witness(tmp_path: Path, log_key: LogKey) -> Iterator[tuple[WitnessProcess, CosignerVerifier]]:
    folder = tmp_path / "witness"
    made = run_cli("witness", "init", "--dir", str(folder), "--name", "witness.test/w1")
    assert made.returncode == 0, made.stderr
    verifier = CosignerVerifier.from_vkey(made.stdout.strip())
    process = start_witness(folder, [log_key.vkey])
    yield process, verifier
    process.stop()


def signed(key: LogKey, tree: Tree, size: int) -> str:
    return key.sign(Checkpoint(key.origin, size, tree.root(size)).body())


def submit(url: str, old: int, proof: list[bytes], note: str) -> tuple[int, str, str]:
    return post(url + "/add-checkpoint", AddCheckpoint(old, proof, note).render())


def test_cosigns_a_checkpoint_then_one_consistent_with_it(witness, log_key) -> None:
    process, verifier = witness
    tree = Tree(LEAVES)
    first = signed(log_key, tree, 5)
    status, _, body = submit(process.url, 0, [], first)
    assert status == 200
    assert body.startswith("\u2014 witness.test/w1 ") and body.endswith("\n")
    assert verifier.verify_line(body.rstrip("\n"), SignedNote.parse(first).text) is not None

    second = signed(log_key, tree, 13)
    status, _, body = submit(process.url, 5, tree.consistency(5, 13), second)
    assert status == 200
    assert verifier.verify_line(body.rstrip("\n"), SignedNote.parse(second).text)
    status, monitored = get(f"{process.url}/{origin_hash(log_key.origin)}/checkpoint")
    assert status == 200
    note = SignedNote.parse(monitored)
    assert note.checkpoint.size == 13 and len(note.signatures) == 2
    assert verifier.verify_line(note.signatures[1], note.text)


def test_a_stale_old_size_gets_409_with_the_witness_size(witness, log_key) -> None:
    process, _ = witness
    tree = Tree(LEAVES)
    assert submit(process.url, 0, [], signed(log_key, tree, 8))[0] == 200
    status, content_type, body = submit(process.url, 0, [], signed(log_key, tree, 10))
    assert (status, content_type, body) == (409, "text/x.tlog.size", "8\n")


def test_a_forked_log_is_refused_and_the_witness_keeps_its_view(witness, log_key) -> None:
    """Two different trees of one size, both signed by the log's key: the witness cosigns only the first."""
    process, _ = witness
    honest, fork = Tree(LEAVES), Tree(FORKED)
    assert submit(process.url, 0, [], signed(log_key, honest, 8))[0] == 200
    status, _, body = submit(process.url, 8, [], signed(log_key, fork, 8))
    assert status == 422 and "different roots" in body
    status, _, _ = submit(process.url, 8, fork.consistency(8, 12), signed(log_key, fork, 12))
    assert status == 422
    _, monitored = get(f"{process.url}/{origin_hash(log_key.origin)}/checkpoint")
    assert SignedNote.parse(monitored).checkpoint.root == honest.root(8)


def test_refusals_follow_the_spec(witness, log_key, tmp_path) -> None:
    process, _ = witness
    tree = Tree(LEAVES)
    stranger = LogKey.create(tmp_path / "other", "example.test/other")
    assert submit(process.url, 0, [], signed(stranger, tree, 3))[0] == 404
    impostor = LogKey.create(tmp_path / "impostor", log_key.origin)  # same origin, another key
    assert submit(process.url, 0, [], signed(impostor, tree, 3))[0] == 403
    good = signed(log_key, tree, 3)
    text, line = good.split("\n\n")
    tampered = text.replace("\n3\n", "\n4\n") + "\n\n" + line  # the log's key id, a signature of another text
    assert submit(process.url, 0, [], tampered)[0] == 403
    assert submit(process.url, 5, [], good)[0] == 400  # old size beyond the checkpoint
    assert post(process.url + "/add-checkpoint", b"nonsense")[0] == 400
    empty = log_key.sign(Checkpoint(log_key.origin, 0, tree.root(3)).body())
    assert submit(process.url, 0, [], empty)[0] == 422
    assert submit(process.url, 0, [tree.root(1)], good)[0] == 422  # a proof from size 0
    assert get(f"{process.url}/{'0' * 64}/checkpoint")[0] == 404


def test_state_survives_a_killed_witness(witness, log_key) -> None:
    process, _ = witness
    tree = Tree(LEAVES)
    assert submit(process.url, 0, [], signed(log_key, tree, 7))[0] == 200
    process.stop(signal.SIGKILL)
    restarted = start_witness(process.folder, [log_key.vkey])
    try:
        status, _, body = submit(restarted.url, 0, [], signed(log_key, tree, 9))
        assert (status, body) == (409, "7\n")
    finally:
        restarted.stop()


def test_a_witness_key_reads_back_as_its_vkey(tmp_path: Path) -> None:
    key = CosignerKey.create(tmp_path, "witness.test/k")
    assert CosignerVerifier.from_vkey(key.verifier.vkey).key_id == key.verifier.key_id
    assert run_cli("witness", "key", "--dir", str(tmp_path)).stdout.strip() == key.verifier.vkey
    missing = run_cli("witness", "serve", "--dir", str(tmp_path))
    assert missing.returncode != 0 and "--log" in missing.stderr
