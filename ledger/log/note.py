"""C2SP signed notes and ``tlog-checkpoint`` bodies, Ed25519 only.

A note is a UTF-8 text of non-empty lines ending in a newline, a blank line, and
one or more signature lines ``— <name> <base64(key id || signature)>``. The
signature covers the text before the blank line, trailing newline included.
The key id is the first four bytes of SHA-256(name || 0x0A || 0x01 || public key),
0x01 being the Ed25519 signature type. A verifier key is written
``<name>+<hex key id>+<base64(0x01 || public key)>``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "


class NoteError(ValueError):
    """A note, checkpoint or verifier key is malformed or its signature does not verify."""


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    material = name.encode() + b"\n" + bytes([ALG_ED25519]) + _raw_public(public_key)
    return hashlib.sha256(material).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The ``vkey`` string other tools use to verify this log's notes."""
    encoded = base64.b64encode(bytes([ALG_ED25519]) + _raw_public(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: Ed25519PublicKey

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        try:
            name, hex_id, b64 = vkey.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except (ValueError, TypeError) as exc:
            raise NoteError("verifier key must read <name>+<8 hex digits>+<base64 key>") from exc
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("verifier key is not an Ed25519 key")
        public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
        if key_id(name, public_key).hex() != hex_id.lower():
            raise NoteError("verifier key id does not match its name and key")
        return cls(name, public_key)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign ``text`` (which must end in a newline) and return the whole note."""
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("note text must be non-empty lines, each ending in a newline")
    signature = private_key.sign(text.encode())
    blob = base64.b64encode(key_id(name, private_key.public_key()) + signature).decode()
    return f"{text}\n{SIGNATURE_PREFIX}{name} {blob}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """Return the signed text of ``note`` if ``verifier`` signed it, else raise NoteError."""
    text, sep, signatures = note.partition("\n\n")
    if not sep or not signatures:
        raise NoteError("note has no signature block")
    text += "\n"
    found = False
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"malformed signature line: {line[:40]!r}")
        try:
            name, b64 = line[len(SIGNATURE_PREFIX):].split(" ")
            blob = base64.b64decode(b64, validate=True)
        except (ValueError, TypeError) as exc:
            raise NoteError("malformed signature line") from exc
        if name != verifier.name or blob[:4] != verifier.key_id:
            continue
        try:
            verifier.public_key.verify(blob[4:], text.encode())
        except InvalidSignature as exc:
            raise NoteError(f"signature by {name} does not verify") from exc
        found = True
    if not found:
        raise NoteError(f"note carries no signature by {verifier.name}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    """The body of a ``tlog-checkpoint`` note."""

    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4:
            raise NoteError("checkpoint needs an origin, a size and a root hash")
        origin, size_text, root_text = lines[0], lines[1], lines[2]
        if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
            raise NoteError(f"checkpoint size {size_text!r} is not a decimal number")
        try:
            root = base64.b64decode(root_text, validate=True)
        except ValueError as exc:
            raise NoteError("checkpoint root is not base64") from exc
        if len(root) != 32:
            raise NoteError("checkpoint root is not a SHA-256 hash")
        return cls(origin, int(size_text), root)


def open_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """Verify a signed checkpoint note and parse its body."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    if checkpoint.origin != verifier.name:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the log {verifier.name!r}")
    return checkpoint
