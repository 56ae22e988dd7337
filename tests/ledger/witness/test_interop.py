"""Two implementations of cosignature/v1 and tlog-policy agree: the ledger's and the standalone verifier's
(which shares no code with it), on keys and cosignatures from the public witness network and on ours."""

from __future__ import annotations

import base64
import sys
from itertools import chain, combinations
from pathlib import Path

import pytest

from ledger.log.note import Checkpoint, NoteError
from ledger.log.signer import LogKey
from ledger.witness.cosignature import CosignerKey, CosignerVerifier
from ledger.witness.policy import PolicyError, parse_policy
from ledger.witness.vouching import check_cosignatures

try:
    from clearance_verify import witnesses as standalone
except ImportError:  # the standalone verifier's own distribution, used here without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "verifier" / "src"))
    from clearance_verify import witnesses as standalone

# A live Ed25519 cosignature/v1 witness key and a cosignature whose timestamp is 1727964367 (2024-10-03),
# as published in transparency-dev/formats' note tests.
PUBLIC_WITNESS = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
PUBLIC_COSIGNATURE = "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
LOG_KEY_AS_WITNESS = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"  # type 0x01: not a witness key


def test_a_public_witness_key_reads_the_same_in_both() -> None:
    ours, theirs = CosignerVerifier.from_vkey(PUBLIC_WITNESS), standalone.WitnessKey.parse(PUBLIC_WITNESS)
    assert ours.name == theirs.name == "remora.n621.de"
    assert ours.key_id == theirs.key_id == bytes.fromhex("da77ade7")
    assert ours.vkey == PUBLIC_WITNESS
    with pytest.raises(NoteError):
        CosignerVerifier.from_vkey(LOG_KEY_AS_WITNESS)
    with pytest.raises(standalone.PolicyInvalid):
        standalone.WitnessKey.parse(LOG_KEY_AS_WITNESS)
    with pytest.raises(NoteError):
        CosignerVerifier.from_vkey(PUBLIC_WITNESS.replace("+da77ade7+", "+00000000+"))


def test_the_public_cosignature_carries_its_timestamp_where_both_read_it() -> None:
    blob = base64.b64decode(PUBLIC_COSIGNATURE)
    assert len(blob) == 76 and int.from_bytes(blob[4:12], "big") == 1727964367
    witness = CosignerVerifier.from_vkey(PUBLIC_WITNESS)
    line = f"\u2014 remora.n621.de {base64.b64encode(witness.key_id + blob[4:]).decode()}"
    body = "example.test/log\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"  # not what it cosigned
    with pytest.raises(NoteError):
        witness.verify_line(line, body)
    with pytest.raises(standalone.PolicyInvalid):
        standalone.WitnessKey.parse(PUBLIC_WITNESS).cosigned_at(line, body)


@pytest.fixture
def keys(tmp_path: Path) -> tuple[LogKey, list[CosignerKey]]:
    return (LogKey.create(tmp_path / "log", "example.test/log"),
            [CosignerKey.create(tmp_path / f"w{i}", f"witness.test/w{i}") for i in range(3)])


def test_our_cosignatures_verify_in_the_standalone_and_tampering_fails_in_both(keys) -> None:
    log, witnesses = keys
    body = Checkpoint(log.origin, 42, bytes(range(32))).body()
    note = log.sign(body) + witnesses[0].cosign(body, 1_800_000_000) + witnesses[2].cosign(body, 1_800_000_100)
    policy_text = "\n".join([f"log {log.vkey}", *(f"witness W{i} {w.verifier.vkey}" for i, w in enumerate(witnesses)),
                             "group two 2 W0 W1 W2", "quorum two"]) + "\n"
    ours = check_cosignatures(note, parse_policy(policy_text))
    vouched, problems = standalone.cosignatures(note, standalone.read_policy(policy_text))
    assert set(ours.vouched) == set(vouched) == {"W0", "W2"} and not ours.invalid and not problems
    assert vouched["W2"] == 1_800_000_100 and ours.quorum_met
    assert standalone.read_policy(policy_text).satisfied(set(vouched))

    forged = note.replace("\n42\n", "\n43\n")  # another tree size under the same signature lines
    ours = check_cosignatures(forged, parse_policy(policy_text))
    vouched, problems = standalone.cosignatures(forged, standalone.read_policy(policy_text))
    assert not ours.vouched and not vouched and len(ours.invalid) == len(problems) == 2


def test_both_policies_decide_every_quorum_alike(keys) -> None:
    _, witnesses = keys
    lines = [f"witness W{i} {w.verifier.vkey}" for i, w in enumerate(witnesses)]
    text = "\n".join([*lines, "group pair all W0 W1", "group either any pair W2", "group two 2 W0 W1 W2",
                      "group nested 2 either two W1", "quorum nested", "# a comment", "  "]) + "\n"
    ours, theirs = parse_policy(text), standalone.read_policy(text)
    names = ["W0", "W1", "W2"]
    for subset in chain.from_iterable(combinations(names, n) for n in range(4)):
        assert ours.met_by(set(subset)) == theirs.satisfied(set(subset)), subset
    for bad in ["witness W0 nope\nquorum W0\n", "group g 3 W0\n", f"{lines[0]}\ngroup g 2 W0\nquorum g\n",
                f"{lines[0]}\nquorum W1\n", f"{lines[0]}\n{lines[0]}\nquorum W0\n", f"{lines[0]}\n"]:
        with pytest.raises(PolicyError):
            parse_policy(bad)
        with pytest.raises(standalone.PolicyInvalid):
            standalone.read_policy(bad)
