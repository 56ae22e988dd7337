"""The production-signing key: an ECDSA P-256 key and a self-issued X.509 certificate under ``keys/production/``.

The chain-of-custody PDF of every production is signed (PAdES) with this key, and the certificate
travels in the production (``REPORTS/production-signing-cert.pem``, listed in the manifest, so the
logged export event vouches for it). No certificate authority stands behind it: whoever checks a
production trusts the certificate because the log's key proves the manifest that lists it. Like the
log key, it is made once (at ``init``, or at the first export of an older installation), kept with
mode 0600, and never replaced by the ledger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ledger.errors import ConfigurationError
from ledger.fsutil import write_atomic

FOLDER = "production"
KEY_FILE = "signing-key.pem"
CERT_FILE = "signing-cert.pem"
VALIDITY = dt.timedelta(days=3650)


@dataclass(frozen=True)
class ProductionSigner:
    key_path: Path
    cert_path: Path

    @property
    def certificate_pem(self) -> bytes:
        return self.cert_path.read_bytes()

    def private_key(self) -> ec.EllipticCurvePrivateKey:
        try:
            key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read the production-signing key {self.key_path}: {exc}") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ConfigurationError(f"{self.key_path} is not an ECDSA key")
        return key


def _subject(organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} production signing"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)])


def ensure_signer(keys_dir: Path, organisation: str | None) -> ProductionSigner:
    """The production-signing key and certificate in ``keys_dir``, made when absent (never replaced)."""
    folder = keys_dir / FOLDER
    signer = ProductionSigner(folder / KEY_FILE, folder / CERT_FILE)
    if signer.key_path.exists() and signer.cert_path.exists():
        return signer
    if signer.key_path.exists() != signer.cert_path.exists():
        raise ConfigurationError(f"{folder} holds only one of {KEY_FILE} and {CERT_FILE}; restore the other "
                                 "(making a new pair would leave earlier productions under another certificate)")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _subject((organisation or "Clearance").strip() or "Clearance")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256()))
    write_atomic(signer.key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()), mode=0o600)
    write_atomic(signer.cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return signer
