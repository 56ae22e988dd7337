"""C2SP ``tlog-cosignature`` ``cosignature/v1`` lines, Ed25519 only.

A cosigner signs ``cosignature/v1\\ntime <t>\\n`` followed by the checkpoint body; its note signature
line carries ``key id (4) || timestamp (8, big-endian) || Ed25519 signature (64)``. The key id is
SHA-256(name || 0x0A || 0x04 || public key)[:4]; the verifier key is ``<name>+<hex id>+<base64(0x04 || key)>``.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding, NoEncryption, PrivateFormat, PublicFormat, load_pem_private_key)

from ledger.fsutil import write_atomic
from ledger.log.note import SIGNATURE_PREFIX, NoteError

ALG_COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def cosigner_key_id(name: str, key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + _raw(key)).digest()[:4]


def signed_message(body: str, timestamp: int) -> bytes:
    """What a ``cosignature/v1`` signature covers: header, time line, then the checkpoint body."""
    return f"{HEADER}time {timestamp}\n{body}".encode()


def check_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"cosigner name {name!r} must be non-empty, without spaces or '+'")
    return name


@dataclass(frozen=True)
class CosignerVerifier:
    """A witness as a verifier knows it: its name and Ed25519 public key."""

    name: str
    public_key: Ed25519PublicKey

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignerVerifier:
        try:
            name, hex_id, b64 = vkey.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except (ValueError, TypeError) as exc:
            raise NoteError("witness key must read <name>+<8 hex digits>+<base64 key>") from exc
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise NoteError(f"witness key {name!r} is not an Ed25519 cosignature/v1 key (type 0x04)")
        key = Ed25519PublicKey.from_public_bytes(raw[1:])
        if cosigner_key_id(name, key).hex() != hex_id.lower():
            raise NoteError(f"witness key id of {name!r} does not match its name and key")
        return cls(check_name(name), key)

    @property
    def key_id(self) -> bytes:
        return cosigner_key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + _raw(self.public_key)).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def raw_key(self) -> bytes:
        return _raw(self.public_key)

    def verify_line(self, line: str, body: str) -> int | None:
        """The timestamp of ``line`` if it is this witness's valid cosignature of ``body``; None if the line
        is another signer's; NoteError if it claims to be this witness's and does not verify."""
        name, blob = split_signature_line(line)
        if name != self.name or blob[:4] != self.key_id:
            return None
        if len(blob) != 4 + 8 + 64:
            raise NoteError(f"cosignature by {name} has the wrong length")
        (timestamp,) = struct.unpack(">Q", blob[4:12])
        if timestamp > MAX_TIMESTAMP:
            raise NoteError(f"cosignature by {name} has an impossible timestamp")
        try:
            self.public_key.verify(blob[12:], signed_message(body, timestamp))
        except InvalidSignature as exc:
            raise NoteError(f"cosignature by {name} does not verify") from exc
        return int(timestamp)


def split_signature_line(line: str) -> tuple[str, bytes]:
    """``— <name> <base64>`` as (name, decoded bytes); NoteError if malformed."""
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"malformed signature line: {line[:40]!r}")
    try:
        name, b64 = line[len(SIGNATURE_PREFIX):].split(" ")
        blob = base64.b64decode(b64, validate=True)
    except (ValueError, TypeError) as exc:
        raise NoteError(f"malformed signature line: {line[:40]!r}") from exc
    if len(blob) < 5 or not name:
        raise NoteError(f"malformed signature line: {line[:40]!r}")
    return name, blob


KEY_FILE = "witness-ed25519.pem"
NAME_FILE = "witness-name.txt"


@dataclass(frozen=True)
class CosignerKey:
    """A witness's signing key and name, kept in its own folder (never the ledger's)."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def verifier(self) -> CosignerVerifier:
        return CosignerVerifier(self.name, self.private_key.public_key())

    def cosign(self, body: str, timestamp: int) -> str:
        """The note signature line cosigning checkpoint ``body`` at POSIX time ``timestamp`` (> 0)."""
        if not 0 < timestamp <= MAX_TIMESTAMP:
            raise NoteError("a cosignature's timestamp must be positive")
        signature = self.private_key.sign(signed_message(body, timestamp))
        blob = self.verifier.key_id + struct.pack(">Q", timestamp) + signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"

    @classmethod
    def create(cls, folder: Path, name: str) -> CosignerKey:
        if (folder / KEY_FILE).exists():
            raise NoteError(f"a witness key already exists in {folder}; refusing to replace it")
        key = Ed25519PrivateKey.generate()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(folder / NAME_FILE, check_name(name).encode() + b"\n")
        write_atomic(folder / KEY_FILE, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()),
                     mode=0o600)
        return cls(name, key)

    @classmethod
    def load(cls, folder: Path) -> CosignerKey:
        key_path, name_path = folder / KEY_FILE, folder / NAME_FILE
        if not key_path.is_file() or not name_path.is_file():
            raise NoteError(f"no witness key in {folder}; run 'clearance witness init --dir {folder} --name NAME'")
        try:
            key = load_pem_private_key(key_path.read_bytes(), password=None)
        except (ValueError, TypeError):
            raise NoteError(f"witness key file {key_path} is not an unencrypted PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise NoteError(f"witness key file {key_path} does not hold an Ed25519 key")
        return cls(check_name(name_path.read_text().strip()), key)
