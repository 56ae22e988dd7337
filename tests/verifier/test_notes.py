"""C2SP signed notes, checkpoints and tlog-proof files, signed here with ``cryptography`` directly."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from clearance_verify.notes import NoteInvalid, VerifierKey, open_checkpoint, parse_tlog_proof

ORIGIN = "example.test/log"


def _key(name: str = ORIGIN) -> tuple[Ed25519PrivateKey, str, bytes]:
    private = Ed25519PrivateKey.generate()
    raw = b"\x01" + private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    return private, f"{name}+{key_id.hex()}+{base64.b64encode(raw).decode()}", key_id


def _sign(text: str, private: Ed25519PrivateKey, key_id: bytes, name: str = ORIGIN) -> str:
    blob = base64.b64encode(key_id + private.sign(text.encode())).decode()
    return f"{text}\n\u2014 {name} {blob}\n"


def _body(size: int = 5) -> str:
    return f"{ORIGIN}\n{size}\n{base64.b64encode(bytes(32)).decode()}\n"


def test_a_signed_checkpoint_opens() -> None:
    private, vkey, key_id = _key()
    checkpoint = open_checkpoint(_sign(_body(), private, key_id), VerifierKey.parse(vkey))
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (ORIGIN, 5, bytes(32))


def test_a_changed_size_or_another_key_fails() -> None:
    private, vkey, key_id = _key()
    note = _sign(_body(5), private, key_id)
    with pytest.raises(NoteInvalid, match="does not verify"):
        open_checkpoint(note.replace("\n5\n", "\n6\n", 1), VerifierKey.parse(vkey))
    _, other, _ = _key()
    with pytest.raises(NoteInvalid, match="no valid signature"):
        open_checkpoint(note, VerifierKey.parse(other))


def test_a_key_whose_id_does_not_match_is_refused() -> None:
    _, vkey, _ = _key()
    name, key_id, material = vkey.split("+", 2)
    with pytest.raises(NoteInvalid, match="id does not match"):
        VerifierKey.parse(f"{name}+{'0' * 8 if key_id != '0' * 8 else '1' * 8}+{material}")


def test_a_proof_file_parses_with_and_without_extra() -> None:
    hashes = [bytes([i]) * 32 for i in range(3)]
    lines = ["c2sp.org/tlog-proof@v1", "extra " + base64.b64encode(b"x").decode(), "index 7",
             *(base64.b64encode(h).decode() for h in hashes)]
    proof = parse_tlog_proof("\n".join(lines) + "\n\n" + "note\n")
    assert (proof.index, proof.hashes, proof.checkpoint) == (7, hashes, "note\n")
    with pytest.raises(NoteInvalid, match="index"):
        parse_tlog_proof("c2sp.org/tlog-proof@v1\nindex x\n\nnote\n")
