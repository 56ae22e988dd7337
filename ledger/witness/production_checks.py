"""What ``clearance verify-export`` adds for witnesses and trusted time: the cosignatures in a production's
checkpoint against a given tlog-policy, and its RFC 3161 token against a pinned TSA root."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ledger.log.note import NoteError
from ledger.witness.policy import Policy
from ledger.witness.vouching import Vouching, check_cosignatures

CHECKPOINT = "LOG/checkpoint.txt"
CHECKPOINT_TSR = "LOG/checkpoint.tsr"


@dataclass
class VouchingReport:
    lines: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    vouching: Vouching | None = None
    timestamp: str | None = None
    """When the TSA says the checkpoint existed (ISO 8601), if a token verified."""


def check_production(root: Path, policy: Policy | None, tsa_root_pem: bytes | None = None) -> VouchingReport:
    report = VouchingReport()
    try:
        note = (root / CHECKPOINT).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return report  # the main verification already reports it
    timestamped: bool | None = None
    if tsa_root_pem is not None:
        timestamped = _check_timestamp(root, note, tsa_root_pem, report)
    if policy is not None:
        try:
            vouching = check_cosignatures(note, policy)
        except NoteError as exc:
            report.problems.append((CHECKPOINT, f"cannot read its cosignatures: {exc}"))
            return report
        report.vouching = vouching
        report.lines.append(vouching.sentence(timestamped))
        report.lines += [f"  witness {name} cosigned at {when}" for name, when in sorted(vouching.vouched.items())]
        report.problems += [(CHECKPOINT, problem) for problem in vouching.invalid]
        if not vouching.quorum_met:
            report.problems.append((CHECKPOINT, f"the witness policy's quorum ({vouching.quorum}) is not met: "
                                                f"{len(vouching.vouched)} of {vouching.witnesses} witnesses vouched"))
    elif timestamped is not None and report.timestamp:
        report.lines.append(f"checkpoint timestamped {report.timestamp}")
    return report


def _check_timestamp(root: Path, note: str, tsa_root_pem: bytes, report: VouchingReport) -> bool:
    from ledger.witness.timestamps import TimestampError, verify_token
    from ledger.witness.wire import SignedNote

    path = root / CHECKPOINT_TSR
    if not path.is_file():
        report.problems.append((CHECKPOINT_TSR, "missing: a TSA root was given but the checkpoint has no timestamp"))
        return False
    try:
        when = verify_token(path.read_bytes(), SignedNote.parse(note).text.encode(), tsa_root_pem)
    except (TimestampError, NoteError) as exc:
        report.problems.append((CHECKPOINT_TSR, f"does not verify: {exc}"))
        return False
    report.timestamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    report.lines.append(f"timestamp: the TSA dates the checkpoint {report.timestamp}")
    return True
