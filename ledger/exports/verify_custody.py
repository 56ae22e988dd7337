"""Check the signed chain-of-custody certificate with pyHanko, the production's certificate as the one trust root.

SPEC.md section S: the certificate (``EXPORT/chain-of-custody.pdf``) lies outside the manifest and is
protected by its PAdES signature; the signing certificate (``REPORTS/production-signing-cert.pem``) is
in the manifest, so the logged export vouches for it. A production made before certificates were signed
names no ``custody_certificate`` in ``production.json`` and is not checked here.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ledger.exports import layout
from ledger.exports.verify_report import ExportReport

UNSIGNED = "has no signature"
PARTIAL = "its signature does not cover the whole file (something was added after signing)"
INVALID = f"its signature does not verify with {layout.SIGNING_CERT}"


def check_custody_certificate(root: Path, summary: dict[str, Any], report: ExportReport) -> None:
    if not summary.get("custody_certificate"):
        return
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    try:
        data = (root / layout.SIGNING_CERT).read_bytes()
        der = pem.unarmor(data)[2] if pem.detect(data) else data
        certificate = asn1_x509.Certificate.load(der)
        certificate.public_key  # noqa: B018 (parses the certificate, raising when it is not one)
    except (OSError, ValueError, TypeError):
        report.fail(layout.SIGNING_CERT, "missing or not a certificate")
        return
    try:
        pdf = (root / layout.CUSTODY_PDF).read_bytes()
    except OSError:
        report.fail(layout.CUSTODY_PDF, "missing")
        return
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError):  # bytes changed inside what was signed
        report.fail(layout.CUSTODY_PDF, INVALID)
        return
    if not signatures:
        report.fail(layout.CUSTODY_PDF, UNSIGNED)
        return
    if len(signatures) != 1 or _coverage_short(signatures[0], len(pdf)):
        report.fail(layout.CUSTODY_PDF, PARTIAL)
        return
    try:
        status = validate_pdf_signature(signatures[0], ValidationContext(trust_roots=[certificate]), skip_diff=True)
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError):
        report.fail(layout.CUSTODY_PDF, INVALID)
        return
    if not (status.intact and status.valid and status.trusted):
        report.fail(layout.CUSTODY_PDF, INVALID)
        return
    report.count("signed custody certificates")


def _coverage_short(signature: Any, size: int) -> bool:
    """True unless the signature's byte range is the whole file but its own /Contents."""
    ranges = list(signature.sig_object["/ByteRange"])
    return not (len(ranges) == 4 and ranges[0] == 0 and ranges[2] + ranges[3] == size and ranges[1] < ranges[2])
