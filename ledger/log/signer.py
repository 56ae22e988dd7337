"""The log's Ed25519 key and origin, kept in ``$CLEARANCE_HOME/keys``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding, NoEncryption, PrivateFormat, load_pem_private_key)

from ledger.errors import ConfigurationError
from ledger.fsutil import write_atomic
from ledger.log.note import Verifier, sign_note, verifier_key

KEY_FILE = "log-ed25519.pem"
ORIGIN_FILE = "log-origin.txt"


@dataclass(frozen=True)
class LogKey:
    origin: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.origin, self.private_key.public_key())

    @property
    def vkey(self) -> str:
        return verifier_key(self.origin, self.private_key.public_key())

    def sign(self, text: str) -> str:
        return sign_note(text, self.origin, self.private_key)

    @classmethod
    def create(cls, keys_dir: Path, origin: str | None = None) -> LogKey:
        """Create a new key (refusing to overwrite one) and return it."""
        if (keys_dir / KEY_FILE).exists():
            raise ConfigurationError(f"a log key already exists in {keys_dir}; refusing to replace it")
        origin = origin or f"clearance.local/log/{secrets.token_hex(4)}"
        if not origin or any(c.isspace() for c in origin) or "+" in origin:
            raise ConfigurationError("log origin must be non-empty, without spaces or '+'")
        key = Ed25519PrivateKey.generate()
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(keys_dir / ORIGIN_FILE, origin.encode() + b"\n")
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        write_atomic(keys_dir / KEY_FILE, pem, mode=0o600)
        return cls(origin, key)

    @classmethod
    def load(cls, keys_dir: Path) -> LogKey:
        key_path, origin_path = keys_dir / KEY_FILE, keys_dir / ORIGIN_FILE
        if not key_path.is_file() or not origin_path.is_file():
            raise ConfigurationError(f"no log key in {keys_dir}; run 'clearance init' (CLEARANCE_HOME)")
        try:
            key = load_pem_private_key(key_path.read_bytes(), password=None)
        except (ValueError, TypeError):
            raise ConfigurationError(f"log key file {key_path} is not an unencrypted PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigurationError(f"log key file {key_path} does not hold an Ed25519 key")
        return cls(origin_path.read_text().strip(), key)
