"""The chain-of-custody certificate: what it states, its dates, and its PAdES signature checked by readers
that are not the code that wrote it (pyHanko's validator; the byte ranges and CMS digest read with asn1crypto)."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from clearance_verify import verify_production

from ledger.context import Clearance
from ledger.exports import layout
from ledger.exports.service import export
from ledger.exports.verify import verify_export
from tests.ledger.exports.conftest import MATTER, World


def _produce(ctx: Clearance, out: Path) -> dict[str, Any]:
    return export(ctx, {"matter": MATTER}, out, "counsel", overrides={"bates_prefix": "NLP", "image_format": "none"})


def _validate(pdf: bytes, certificate_pem: bytes) -> Any:
    """pyHanko's validation of the one signature, with the production's certificate as the only trust root."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(pem.unarmor(certificate_pem)[2])
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1
    return validate_pdf_signature(signatures[0], ValidationContext(trust_roots=[root]))


def test_the_certificate_states_what_a_court_needs(ctx: Clearance, world: World, tmp_path: Path) -> None:
    from pypdf import PdfReader

    result = _produce(ctx, tmp_path / "vol")
    root = Path(result["path"])
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(root / layout.CUSTODY_PDF).pages).split())
    squeezed = text.replace(" ", "")
    assert MATTER in text and "Exported by" in text and result["exported_at"] in text
    assert f"every record the active legal holds of matter {MATTER} name" in text  # the selection in words
    assert ctx.log_key.vkey in squeezed  # the verifier key
    assert result["manifest_sha256"] in squeezed
    assert f"export.produced, log index {result['log_index']}" in text
    covering = result["export_checkpoint"]
    assert covering["size"] > result["log_index"] and covering["root"] in squeezed
    assert result["signing_certificate"]["sha256"] in squeezed
    assert "902(14)" in text and "Signature:" in text and "Signed electronically (PAdES)" in text


def test_the_metadata_dates_are_the_exports_even_in_a_reproducible_build(
        ctx: Clearance, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ReportLab dates a PDF 2000-01-01 in invariant mode, or SOURCE_DATE_EPOCH when set: neither may leak in."""
    from pypdf import PdfReader

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    result = _produce(ctx, tmp_path / "vol")
    info = PdfReader(Path(result["path"]) / layout.CUSTODY_PDF).metadata
    exported = datetime.strptime(result["exported_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert info is not None and info.creation_date is not None
    created = info.creation_date.replace(tzinfo=info.creation_date.tzinfo or UTC)
    assert created == exported
    assert info.modification_date is not None
    modified = info.modification_date.replace(tzinfo=info.modification_date.tzinfo or UTC)
    assert modified >= exported and modified.year > 2000  # the signing revision: when it was signed


def test_the_signature_validates_with_the_productions_certificate(ctx: Clearance, world: World,
                                                                   tmp_path: Path) -> None:
    from asn1crypto import cms
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    result = _produce(ctx, tmp_path / "vol")
    root = Path(result["path"])
    pdf = (root / layout.CUSTODY_PDF).read_bytes()
    certificate = (root / layout.SIGNING_CERT).read_bytes()
    status = _validate(pdf, certificate)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.sha256_fingerprint.replace(" ", "").lower() == result["signing_certificate"]["sha256"]
    # the byte ranges and digest, read by hand: the ranges are the whole file but the /Contents hole
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match is not None
    start, length, second, rest = (int(n) for n in match.groups())
    assert start == 0 and second + rest == len(pdf)
    signed_data = cms.ContentInfo.load(bytes.fromhex(pdf[length + 1:second - 1].decode()))["content"]
    signer = signed_data["signer_infos"][0]
    digest = next(a["values"][0].native for a in signer["signed_attrs"] if a["type"].native == "message_digest")
    assert digest == hashlib.sha256(pdf[:length] + pdf[second:]).digest()
    assert signed_data["encap_content_info"]["content"].native is None  # detached, as PAdES has it
    # a certificate of another key is no trust root for it
    from ledger.exports.signing_key import ensure_signer

    other = ensure_signer(tmp_path / "other-keys", "Someone else")
    try:
        assert not _validate(pdf, other.certificate_pem).trusted
    except SignatureValidationError:
        pass


def test_tampering_with_the_certificate_fails_validation_and_both_verifiers(ctx: Clearance, world: World,
                                                                             tmp_path: Path) -> None:
    result = _produce(ctx, tmp_path / "vol")
    root = Path(result["path"])
    assert verify_export(root, ctx.log_key.vkey).counts["signed custody certificates"] == 1
    assert verify_production(root, ctx.log_key.vkey).checked["signed custody certificates"] == 1
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    pdf = bytearray((copy / layout.CUSTODY_PDF).read_bytes())
    position = pdf.index(b"/Producer") + 2  # inside the first revision: covered by the signature
    pdf[position] ^= 0x20
    (copy / layout.CUSTODY_PDF).write_bytes(bytes(pdf))
    status = _validate(bytes(pdf), (copy / layout.SIGNING_CERT).read_bytes())
    assert not status.intact
    problem = (layout.CUSTODY_PDF, f"its signature does not verify with {layout.SIGNING_CERT}")
    assert verify_export(copy, ctx.log_key.vkey).problems == [problem]
    assert [(f.file, f.problem) for f in verify_production(copy, ctx.log_key.vkey).findings] == [problem]
