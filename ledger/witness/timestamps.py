"""RFC 3161 trusted time for checkpoints (``rfc3161-client``): request a token over the checkpoint body,
verify one against a pinned TSA root, judging the TSA certificate's validity at the token's time."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime

from cryptography import x509

REQUEST_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_REPLY_BYTES = 256 * 1024


class TimestampError(Exception):
    """No token could be obtained, or a token does not verify; the message says why."""


def request_token(url: str, message: bytes, root_pem: bytes | None, timeout_s: float) -> bytes:
    """A DER ``TimeStampResp`` from the TSA at ``url`` over ``message`` (SHA-256 imprint, nonce, certificate
    requested), checked against the request and, when ``root_pem`` is given, against the pinned root."""
    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, VerificationError, VerifierBuilder
    from rfc3161_client import decode_timestamp_response

    request = (TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256)
               .nonce(nonce=True).cert_request(cert_request=True).build())
    http = urllib.request.Request(url, data=request.as_bytes(), method="POST",
                                  headers={"Content-Type": REQUEST_TYPE, "Accept": REPLY_TYPE})
    try:
        with urllib.request.urlopen(http, timeout=timeout_s) as response:  # noqa: S310 (the configured TSA)
            body = response.read(MAX_REPLY_BYTES)
    except urllib.error.HTTPError as exc:
        raise TimestampError(f"the TSA answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TimestampError(f"the TSA is unreachable: {getattr(exc, 'reason', exc)}") from None
    try:
        reply = decode_timestamp_response(body)
    except Exception as exc:  # noqa: BLE001 (the parser raises its own errors for any malformed reply)
        raise TimestampError(f"the TSA's answer is not an RFC 3161 response: {exc}") from None
    if root_pem is not None:
        try:
            builder = VerifierBuilder.from_request(request)
            for root in _roots(root_pem):
                builder = builder.add_root_certificate(root)
            builder.build().verify_message(reply, message)
        except (VerificationError, ValueError) as exc:
            raise TimestampError(f"the TSA's token does not verify: {exc}") from None
    return bytes(body)


def verify_token(token: bytes, message: bytes, root_pem: bytes) -> datetime:
    """When the TSA says ``message`` existed, if ``token`` verifies against the pinned root; else TimestampError."""
    from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

    try:
        reply = decode_timestamp_response(token)
    except Exception as exc:  # noqa: BLE001
        raise TimestampError(f"not an RFC 3161 TimeStampResp: {exc}") from None
    try:
        builder = VerifierBuilder()
        for root in _roots(root_pem):
            builder = builder.add_root_certificate(root)
        builder.build().verify_message(reply, message)
    except (VerificationError, ValueError) as exc:
        raise TimestampError(str(exc)) from None
    return reply.tst_info.gen_time


def _roots(pem: bytes) -> list[x509.Certificate]:
    try:
        roots = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise TimestampError(f"the pinned TSA root is not PEM certificates: {exc}") from None
    if not roots:
        raise TimestampError("the pinned TSA root file holds no certificate")
    return roots
