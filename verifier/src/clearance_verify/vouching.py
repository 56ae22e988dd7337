"""Which witnesses vouched for a production's checkpoint (given a trust policy), and when a timestamp
authority dates it (given its root certificate; needs the optional ``rfc3161-client``)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from clearance_verify.witnesses import TrustPolicy, cosignatures

CHECKPOINT = "LOG/checkpoint.txt"
TIMESTAMP = "LOG/checkpoint.tsr"


def check(root: Path, policy: TrustPolicy | None, tsa_root: bytes | None) -> tuple[list[str], list[tuple[str, str]]]:
    """(lines to print, findings as (file, problem))."""
    lines: list[str] = []
    findings: list[tuple[str, str]] = []
    try:
        note = (root / CHECKPOINT).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return lines, findings
    text = note.partition("\n\n")[0] + "\n"
    size = text.split("\n")[1] if text.count("\n") >= 2 else "?"
    stamp = "no timestamp"
    if tsa_root is not None:
        tsr = root / TIMESTAMP
        if not tsr.is_file():
            findings.append((TIMESTAMP, "missing, though a TSA root was given"))
        else:
            try:
                when = _timestamp(tsr.read_bytes(), text.encode("utf-8"), tsa_root)
                stamp = f"timestamped {when:%Y-%m-%dT%H:%M:%SZ}"
            except ValueError as exc:
                findings.append((TIMESTAMP, f"does not verify: {exc}"))
    if policy is None:
        if tsa_root is not None:
            lines.append(f"checkpoint {size}: {stamp}")
        return lines, findings
    vouched, problems = cosignatures(note, policy)
    findings += [(CHECKPOINT, problem) for problem in problems]
    names = ", ".join(sorted(vouched)) or "none"
    met = policy.satisfied(set(vouched))
    lines.append(f"checkpoint {size}: {len(vouched)} of {len(policy.witnesses)} witnesses ({names}), {stamp}; "
                 f"quorum {policy.quorum_text()}: {'met' if met else 'NOT met'}")
    for name, when in sorted(vouched.items()):
        lines.append(f"  witness {name} cosigned at "
                     f"{datetime.fromtimestamp(when, timezone.utc):%Y-%m-%dT%H:%M:%SZ}")
    if not met:
        findings.append((CHECKPOINT, f"the policy's quorum ({policy.quorum_text()}) is not met"))
    return lines, findings


def _timestamp(token: bytes, body: bytes, root_pem: bytes) -> datetime:
    try:
        from cryptography import x509
        from rfc3161_client import VerifierBuilder, decode_timestamp_response
    except ImportError as exc:
        raise ValueError("checking timestamps needs rfc3161-client (pip install 'clearance-verify[timestamps]')") \
            from exc
    try:
        response = decode_timestamp_response(token)
        builder = VerifierBuilder()
        for certificate in x509.load_pem_x509_certificates(root_pem):
            builder = builder.add_root_certificate(certificate)
        builder.build().verify_message(response, body)
    except Exception as exc:  # the library's VerificationError, or a malformed token or root
        raise ValueError(str(exc)) from exc
    return response.tst_info.gen_time
