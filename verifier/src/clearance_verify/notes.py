"""C2SP signed notes (Ed25519 signatures only), verifier keys, tlog-checkpoint bodies and tlog-proof files."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = 0x01
DASH = "\u2014"


class NoteInvalid(Exception):
    """A note, key, checkpoint or proof file is malformed or not signed by the key."""


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteInvalid(f"{what} is not standard base64") from exc


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        parts = text.strip().split("+", 2)  # the name has no "+", base64 may
        if len(parts) != 3 or not parts[0] or len(parts[1]) != 8:
            raise NoteInvalid("a verifier key reads <name>+<8 hex digits>+<base64 key>")
        name, hex_id, encoded = parts
        try:
            key_id = bytes.fromhex(hex_id)
        except ValueError as exc:
            raise NoteInvalid("the verifier key's id is not hex") from exc
        raw = _b64(encoded, "the verifier key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteInvalid("the verifier key is not an Ed25519 key")
        expected = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
        if expected != key_id:
            raise NoteInvalid("the verifier key's id does not match its name and key")
        return cls(name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:]))


def open_note(note: str, key: VerifierKey) -> str:
    """The signed text of ``note`` (ending in a newline) when ``key`` signed it."""
    if not note.endswith("\n"):
        raise NoteInvalid("a note ends in a newline")
    text, sep, block = note.partition("\n\n")
    if not sep or not text:
        raise NoteInvalid("a note needs its text, a blank line and signature lines")
    text += "\n"
    verified = False
    for line in block[:-1].split("\n"):
        if not line.startswith(DASH + " "):
            raise NoteInvalid("a signature line starts with an em dash and a space")
        name, space, encoded = line[2:].rpartition(" ")
        if not space or not name:
            raise NoteInvalid("a signature line names its signer and gives the signature")
        blob = _b64(encoded, "a signature")
        if len(blob) < 5:
            raise NoteInvalid("a signature is too short")
        if name != key.name or blob[:4] != key.key_id:
            continue
        try:
            key.public_key.verify(blob[4:], text.encode("utf-8"))
        except InvalidSignature as exc:
            raise NoteInvalid(f"the signature by {name} does not verify") from exc
        verified = True
    if not verified:
        raise NoteInvalid(f"no valid signature by {key.name}")
    return text


@dataclass(frozen=True)
class SignedCheckpoint:
    origin: str
    size: int
    root: bytes


def open_checkpoint(note: str, key: VerifierKey) -> SignedCheckpoint:
    """tlog-checkpoint: origin line, decimal size, base64 root hash (extension lines allowed after)."""
    lines = open_note(note, key).split("\n")[:-1]
    if len(lines) < 3:
        raise NoteInvalid("a checkpoint has an origin, a size and a root hash")
    origin, size, root_text = lines[0], lines[1], lines[2]
    if origin != key.name:
        raise NoteInvalid(f"the checkpoint's origin {origin!r} is not the key's name {key.name!r}")
    if not size.isascii() or not size.isdigit() or (len(size) > 1 and size[0] == "0"):
        raise NoteInvalid("the checkpoint's size is not a decimal number")
    root = _b64(root_text, "the checkpoint's root")
    if len(root) != 32:
        raise NoteInvalid("the checkpoint's root is not 32 bytes")
    return SignedCheckpoint(origin, int(size), root)


@dataclass(frozen=True)
class TlogProof:
    index: int
    hashes: list[bytes]
    checkpoint: str


def parse_tlog_proof(text: str) -> TlogProof:
    """c2sp.org/tlog-proof@v1: header, optional extra line, ``index N``, base64 hashes, blank line, checkpoint."""
    head, sep, checkpoint = text.partition("\n\n")
    if not sep:
        raise NoteInvalid("a proof file has a blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        raise NoteInvalid("a proof file starts with c2sp.org/tlog-proof@v1")
    rest = lines[1:]
    if rest and rest[0].startswith("extra "):
        _b64(rest[0][6:], "the extra data")
        rest = rest[1:]
    if not rest or not rest[0].startswith("index "):
        raise NoteInvalid("a proof file has an 'index N' line")
    number = rest[0][6:]
    if not number.isascii() or not number.isdigit():
        raise NoteInvalid("the proof file's index is not a number")
    hashes = [_b64(line, "a proof hash") for line in rest[1:]]
    if any(len(h) != 32 for h in hashes):
        raise NoteInvalid("a proof hash is not 32 bytes")
    return TlogProof(int(number), hashes, checkpoint)
