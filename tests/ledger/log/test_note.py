"""Signed notes and verifier keys in the C2SP formats other tools read."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.log.note import Checkpoint, NoteError, Verifier, open_checkpoint, sign_note, verifier_key


def test_vkey_layout_and_key_id() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    name, key_hex, b64 = verifier_key("example.com/log", key.public_key()).split("+", 2)
    assert name == "example.com/log"
    assert key_hex == hashlib.sha256(b"example.com/log\n\x01" + public).digest()[:4].hex()
    assert base64.b64decode(b64) == b"\x01" + public


def test_checkpoint_round_trip_and_tampering() -> None:
    key = Ed25519PrivateKey.generate()
    body = Checkpoint("example.com/log", 42, bytes(range(32))).body()
    note = sign_note(body, "example.com/log", key)
    _text, _, sig = note.partition("\n\n")
    assert sig.startswith("\u2014 example.com/log ")
    verifier = Verifier.from_vkey(verifier_key("example.com/log", key.public_key()))
    assert open_checkpoint(note, verifier) == Checkpoint("example.com/log", 42, bytes(range(32)))
    with pytest.raises(NoteError):
        open_checkpoint(note.replace("\n42\n", "\n43\n"), verifier)
    other = Verifier.from_vkey(verifier_key("example.com/log", Ed25519PrivateKey.generate().public_key()))
    with pytest.raises(NoteError, match="no signature"):
        open_checkpoint(note, other)


def test_bad_vkey_is_rejected() -> None:
    key = Ed25519PrivateKey.generate()
    vkey = verifier_key("a.example/log", key.public_key())
    with pytest.raises(NoteError):
        Verifier.from_vkey(vkey.replace("a.example", "b.example"))
    with pytest.raises(NoteError):
        Verifier.from_vkey("not a key")
