"""Signing keys for C2PA manifests: a development CA, and the production seams.

Development
    :func:`create_dev_ca` writes a root CA and an end-entity signing certificate
    that c2pa-rs accepts, plus a trust-settings file whose only anchor is that
    root, so the project's own manifests verify as ``Trusted``. c2pa-rs is strict
    about the signing certificate: it must not be self-signed, must name an
    organisation (``O=``; without it c2pa-rs reports a misleading
    ``claimSignature.mismatch``), must carry key usage ``digitalSignature``, an
    allowed extended key usage (``emailProtection`` or ``documentSigning``), and
    both authority and subject key identifiers. :func:`signing_certificate_problems`
    checks exactly these, so a bad production certificate is refused with a
    readable list instead of an opaque error at signing time.

Production
    * a PEM certificate chain and a PEM private key on disk:
      ``SigningIdentity.from_pem_files(chain_path, key_path)``;
    * a KMS or HSM that never releases the key: ``SigningIdentity.from_callback(
      chain_pem, sign, alg)``. ``sign`` receives the bytes to be signed (the COSE
      ``Sig_structure``, at most a few kilobytes) and returns the raw signature:
      for ES256/ES384 the fixed-length ``r || s`` form (convert a DER signature, as
      most KMS APIs return, with :func:`ecdsa_der_to_raw`), for Ed25519 the 64
      bytes, for PS256 the RSASSA-PSS signature. For example, with AWS KMS::

          def kms_sign(data: bytes) -> bytes:
              der = kms.sign(KeyId=key_id, Message=data, MessageType="RAW",
                             SigningAlgorithm="ECDSA_SHA_256")["Signature"]
              return ecdsa_der_to_raw(der, "es256")

          identity = SigningIdentity.from_callback(chain_pem, kms_sign, "es256")

Private key material is kept out of reprs, logs and exception messages: errors
name the file and the problem, never the content.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, TypeVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ledger.errors import Conflict, ConfigurationError, ProvenanceError
from ledger.fsutil import write_atomic
from ledger.provenance.trust import TrustSettings

if TYPE_CHECKING:  # c2pa (~0.15 s to import) loads when a manifest is read or signed
    import c2pa

SignCallback = Callable[[bytes], bytes]

#: Algorithms this module issues and accepts; ES256 is what c2pa tooling supports best.
SUPPORTED_ALGS = ("es256", "es384", "ed25519", "ps256")

DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
ALLOWED_EKUS = (ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING)

ROOT_CERT_NAME = "root-ca.pem"
ROOT_KEY_NAME = "root-ca.key"
SIGNER_CHAIN_NAME = "signer-chain.pem"
SIGNER_KEY_NAME = "signer.key"
TRUST_SETTINGS_NAME = "trust-settings.json"

ExtensionT = TypeVar("ExtensionT", bound=x509.ExtensionType)


@dataclass(frozen=True)
class DevCredentials:
    """Where :func:`create_dev_ca` put things. Paths only: no key material."""

    directory: Path
    root_cert: Path
    root_key: Path
    signer_chain: Path
    signer_key: Path
    trust_settings: Path

    @classmethod
    def in_directory(cls, directory: Path) -> "DevCredentials":
        directory = Path(directory)
        return cls(directory, directory / ROOT_CERT_NAME, directory / ROOT_KEY_NAME,
                   directory / SIGNER_CHAIN_NAME, directory / SIGNER_KEY_NAME,
                   directory / TRUST_SETTINGS_NAME)

    def exists(self) -> bool:
        return all(p.is_file() for p in (self.root_cert, self.signer_chain,
                                         self.signer_key, self.trust_settings))

    def identity(self) -> "SigningIdentity":
        """The signer these files describe."""
        return SigningIdentity.from_pem_files(self.signer_chain, self.signer_key)

    def trust(self) -> TrustSettings:
        return TrustSettings.load(self.trust_settings)


def create_dev_ca(directory: Path, *, organization: str = "Clearance Development",
                  signer_name: str = "Clearance Dev Signer", overwrite: bool = False,
                  now: dt.datetime | None = None) -> DevCredentials:
    """Create a development root CA, an ES256 signing certificate and trust settings.

    Key files are written atomically with mode 0600; certificates and the trust
    settings with 0644. Refuses to replace existing credentials unless
    ``overwrite`` is true (replacing them makes earlier dev manifests untrusted).
    """
    creds = DevCredentials.in_directory(directory)
    if not overwrite and any(p.exists() for p in (creds.root_key, creds.signer_key)):
        raise Conflict(f"development signing keys already exist in {creds.directory}; "
                       "pass overwrite=True to replace them (earlier manifests become untrusted)")
    if not creds.directory.exists():
        creds.directory.mkdir(parents=True)
        os.chmod(creds.directory, 0o700)
    now = now or dt.datetime.now(dt.timezone.utc)
    start = now - dt.timedelta(hours=1)

    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"{organization} Root CA"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Development only"),
    ])
    root_ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    root_cert = (
        x509.CertificateBuilder()
        .subject_name(root_name).issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True,
            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(root_ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
                       critical=False)
        .sign(root_key, hashes.SHA256())
    )

    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, signer_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Development only"),
        ]))
        .issuer_name(root_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(ALLOWED_EKUS)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
                       critical=False)
        .sign(root_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    pkcs8, unencrypted = serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    root_pem = root_cert.public_bytes(pem)
    write_atomic(creds.root_key, root_key.private_bytes(pem, pkcs8, unencrypted), mode=0o600)
    write_atomic(creds.signer_key, signer_key.private_bytes(pem, pkcs8, unencrypted), mode=0o600)
    write_atomic(creds.root_cert, root_pem)
    # The chain holds the end-entity certificate only; the root is the trust anchor.
    write_atomic(creds.signer_chain, signer_cert.public_bytes(pem))
    TrustSettings(anchors_pem=root_pem.decode("ascii")).write(creds.trust_settings)
    return creds


def signing_certificate_problems(cert: x509.Certificate) -> list[str]:
    """What c2pa-rs would object to in an end-entity signing certificate (empty: none)."""
    problems: list[str] = []
    if cert.issuer == cert.subject:
        problems.append("it is self-signed; c2pa needs a certificate issued by a CA")
    if not cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME):
        problems.append("its subject has no organisation (O=)")
    ext = cert.extensions

    def get(cls: type[ExtensionT]) -> x509.Extension[ExtensionT] | None:
        try:
            return ext.get_extension_for_class(cls)
        except x509.ExtensionNotFound:
            return None

    basic = get(x509.BasicConstraints)
    if basic is not None and basic.value.ca:
        problems.append("it is a CA certificate, not an end-entity certificate")
    usage = get(x509.KeyUsage)
    if usage is None or not usage.value.digital_signature:
        problems.append("its key usage lacks digitalSignature")
    eku = get(x509.ExtendedKeyUsage)
    if eku is None or not any(oid in eku.value for oid in ALLOWED_EKUS):
        problems.append("its extended key usage has neither emailProtection nor documentSigning")
    if get(x509.SubjectKeyIdentifier) is None:
        problems.append("it has no subject key identifier")
    if get(x509.AuthorityKeyIdentifier) is None:
        problems.append("it has no authority key identifier")
    return problems


def _alg_for_key(public_key: object) -> str | None:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "es256", "secp384r1": "es384"}.get(public_key.curve.name)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "ed25519"
    if isinstance(public_key, rsa.RSAPublicKey):
        return "ps256"
    return None


def _load_chain(chain_pem: bytes, source: str) -> list[x509.Certificate]:
    try:
        chain = x509.load_pem_x509_certificates(chain_pem)
    except ValueError:
        raise ConfigurationError(f"{source}: not a PEM certificate chain") from None
    if not chain:
        raise ConfigurationError(f"{source}: contains no certificate")
    problems = signing_certificate_problems(chain[0])
    if problems:
        raise ConfigurationError(
            f"{source}: the signing certificate (first in the chain) will not be accepted by "
            "C2PA validators: " + "; ".join(problems))
    return chain


def ecdsa_der_to_raw(der_signature: bytes, alg: str) -> bytes:
    """Convert a DER ECDSA signature (what most KMS APIs return) to COSE's ``r || s``."""
    size = {"es256": 32, "es384": 48, "es512": 66}[alg]
    r, s = decode_dss_signature(der_signature)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


class _Secret:
    """Holds key bytes; prints as ``<redacted>`` wherever it ends up (repr, asdict, logs)."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__

    def __copy__(self) -> "_Secret":
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> "_Secret":
        return self

    def __reduce__(self) -> NoReturn:  # never pickle key material by accident
        raise TypeError("signing keys cannot be pickled")


@dataclass(frozen=True, repr=False)
class SigningIdentity:
    """A certificate chain plus the means to sign with its key.

    Exactly one of ``_key_pem`` (a key held in memory, from a PEM file) or
    ``_callback`` (a KMS/HSM seam) is set. Neither appears in ``repr``.
    """

    chain_pem: str
    alg: str
    subject: str
    tsa_url: str | None = None  # RFC 3161 timestamp authority; None: no timestamp (offline)
    _key_pem: _Secret | None = field(default=None, compare=False)
    _callback: SignCallback | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        kind = "callback" if self._callback is not None else "pem-key"
        return f"SigningIdentity(subject={self.subject!r}, alg={self.alg!r}, key=<{kind}>)"

    @classmethod
    def from_pem_files(cls, chain_path: Path, key_path: Path,
                       tsa_url: str | None = None) -> "SigningIdentity":
        """Load a PEM chain (end-entity first) and its unencrypted PEM private key."""
        chain_path, key_path = Path(chain_path), Path(key_path)
        try:
            chain_pem = chain_path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"cannot read signing certificate chain {chain_path}: "
                                     f"{exc.strerror}") from None
        try:
            key_pem = key_path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"cannot read signing key {key_path}: {exc.strerror}") from None
        chain = _load_chain(chain_pem, str(chain_path))
        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            # Deliberately no detail: the parser's message could echo key bytes.
            raise ConfigurationError(f"{key_path}: not an unencrypted PEM private key") from None
        leaf_public = chain[0].public_key()
        if key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo) != \
                leaf_public.public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo):
            raise ConfigurationError(f"{key_path} does not belong to the certificate in {chain_path}")
        alg = _alg_for_key(leaf_public)
        if alg is None:
            raise ConfigurationError(f"{chain_path}: unsupported key type for C2PA signing")
        return cls(chain_pem=chain_pem.decode("ascii"), alg=alg,
                   subject=chain[0].subject.rfc4514_string(), tsa_url=tsa_url,
                   _key_pem=_Secret(key_pem))

    @classmethod
    def from_callback(cls, chain_pem: str, sign: SignCallback, alg: str,
                      tsa_url: str | None = None) -> "SigningIdentity":
        """A signer whose private key stays in a KMS/HSM; see the module docstring."""
        alg = alg.lower()
        if alg not in SUPPORTED_ALGS:
            raise ConfigurationError(f"signing algorithm {alg!r} is not one of {SUPPORTED_ALGS}")
        chain = _load_chain(chain_pem.encode("ascii"), "callback signer certificate chain")
        return cls(chain_pem=chain_pem, alg=alg, subject=chain[0].subject.rfc4514_string(),
                   tsa_url=tsa_url, _callback=sign)

    def c2pa_signer(self) -> c2pa.Signer:
        """A fresh native signer; the caller closes it (``with identity.c2pa_signer() as s``)."""
        import c2pa

        tsa_url = self.tsa_url
        try:
            if self._callback is not None:
                return c2pa.Signer.from_callback(self._callback, getattr(c2pa.C2paSigningAlg, _C2PA_ALGS[self.alg]),
                                                 self.chain_pem, tsa_url)
            assert self._key_pem is not None
            info = c2pa.C2paSignerInfo(self.alg.encode(), self.chain_pem.encode("ascii"),
                                       self._key_pem.reveal(), tsa_url)
            return c2pa.Signer.from_info(info)
        except c2pa.C2paError:
            # No native detail: it is not needed to act, and must never risk echoing a key.
            raise ProvenanceError(f"could not create a C2PA signer for {self.subject} "
                                  f"({self.alg}): the chain or key was rejected; check that the "
                                  "chain is PEM with the end-entity certificate first") from None


def local_key_callback(key_pem: bytes, alg: str) -> SignCallback:
    """A signing callback backed by an in-memory key: a stand-in for a KMS in tests."""
    key = serialization.load_pem_private_key(key_pem, password=None)

    def sign(data: bytes) -> bytes:
        if isinstance(key, ec.EllipticCurvePrivateKey):
            digest = hashes.SHA256() if alg == "es256" else hashes.SHA384()
            return ecdsa_der_to_raw(key.sign(data, ec.ECDSA(digest)), alg)
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        raise ConfigurationError("unsupported key type for a signing callback")

    return sign


#: Our algorithm names -> members of c2pa.C2paSigningAlg (looked up when a signer is made).
_C2PA_ALGS = {"es256": "ES256", "es384": "ES384", "ed25519": "ED25519", "ps256": "PS256"}
