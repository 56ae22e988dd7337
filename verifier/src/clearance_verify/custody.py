"""The signed chain-of-custody certificate, checked with nothing but ``cryptography`` (SPEC.md section S).

A PAdES signature is a CMS SignedData (RFC 5652) in the PDF's ``/Contents``, over the bytes its
``/ByteRange`` names. This reads just enough DER to find the signer's signed attributes, compares
their ``messageDigest`` with the SHA-256 of those bytes, and checks the signature over the attributes
with the public key of the production's certificate. It does not read the PDF's objects: it trusts
no PDF library, and it names what it checks in its findings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

CUSTODY_PDF = "EXPORT/chain-of-custody.pdf"
SIGNING_CERT = "REPORTS/production-signing-cert.pem"
UNSIGNED = "has no signature"
PARTIAL = "its signature does not cover the whole file (something was added after signing)"
INVALID = f"its signature does not verify with {SIGNING_CERT}"

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")  # OID 1.2.840.113549.1.9.4
_SHA256 = bytes.fromhex("0609608648016503040201")  # OID 2.16.840.1.101.3.4.2.1


class _Malformed(ValueError):
    pass


def _tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER element at ``at``."""
    if at + 2 > len(data):
        raise _Malformed("truncated")
    tag, length = data[at], data[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise _Malformed("length")
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    if start + length > len(data):
        raise _Malformed("truncated")
    return tag, start, start + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, element start, value start, value end) of each element in ``data[start:end]``."""
    found = []
    at = start
    while at < end:
        tag, value, stop = _tlv(data, at)
        found.append((tag, at, value, stop))
        at = stop
    return found


def _signer_info(cms: bytes) -> tuple[bytes, bytes, bytes]:
    """(DER of the signed attributes, re-tagged as a SET; the messageDigest; the signature) of the one signer."""
    tag, value, end = _tlv(cms, 0)
    content_info = _children(cms, value, end)
    if tag != 0x30 or len(content_info) != 2 or content_info[1][0] != 0xA0:
        raise _Malformed("not a ContentInfo")
    inner = content_info[1][2]
    tag, value, end = _tlv(cms, inner)
    signed_data = _children(cms, value, end)
    if tag != 0x30 or signed_data[-1][0] != 0x31:
        raise _Malformed("not a SignedData")
    signers = _children(cms, signed_data[-1][2], signed_data[-1][3])
    if len(signers) != 1:
        raise _Malformed("not one signer")
    parts = _children(cms, signers[0][2], signers[0][3])
    attributes = next((p for p in parts if p[0] == 0xA0), None)
    digest_algorithm = parts[2]
    signature = next((p for p in parts[3:] if p[0] == 0x04), None)
    if attributes is None or signature is None or _SHA256 not in cms[digest_algorithm[2]:digest_algorithm[3]]:
        raise _Malformed("no signed attributes, no signature, or not SHA-256")
    digest = None
    for _, _, attr_value, attr_end in _children(cms, attributes[2], attributes[3]):
        fields = _children(cms, attr_value, attr_end)
        if cms[fields[0][1]:fields[0][3]] == _MESSAGE_DIGEST:
            octets = _children(cms, fields[1][2], fields[1][3])[0]
            digest = cms[octets[2]:octets[3]]
    if digest is None:
        raise _Malformed("no messageDigest")
    signed = b"\x31" + cms[attributes[1] + 1:attributes[3]]
    return signed, digest, cms[signature[2]:signature[3]]


def _verify(public_key: object, signature: bytes, data: bytes) -> None:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise InvalidSignature


def check_custody_certificate(root: Path, summary: dict[str, object], report: Callable[[str, str], None]) -> bool:
    """Report through ``report(file, problem)``; True when the certificate's signature verifies (or none is due)."""
    if not summary.get("custody_certificate"):
        return True
    try:
        data = (root / SIGNING_CERT).read_bytes()
        certificate = x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else \
            x509.load_der_x509_certificate(data)
        public_key = certificate.public_key()
    except (OSError, ValueError):
        report(SIGNING_CERT, "missing or not a certificate")
        return False
    try:
        pdf = (root / CUSTODY_PDF).read_bytes()
    except OSError:
        report(CUSTODY_PDF, "missing")
        return False
    ranges = [tuple(int(n) for n in m.groups()) for m in _BYTE_RANGE.finditer(pdf)]
    if not ranges:
        report(CUSTODY_PDF, UNSIGNED)
        return False
    first, length, second, rest = ranges[0]
    if len(ranges) != 1 or first != 0 or second + rest != len(pdf) or length >= second:
        report(CUSTODY_PDF, PARTIAL)
        return False
    try:
        contents = pdf[length:second].strip()
        if not (contents.startswith(b"<") and contents.endswith(b">")):
            raise _Malformed("contents")
        signed, digest, signature = _signer_info(bytes.fromhex(contents[1:-1].decode("ascii")))
        if hashlib.sha256(pdf[:length] + pdf[second:]).digest() != digest:
            raise InvalidSignature
        _verify(public_key, signature, signed)
    except (_Malformed, ValueError, IndexError, InvalidSignature):
        report(CUSTODY_PDF, INVALID)
        return False
    return True

