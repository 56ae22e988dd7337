"""Which witnesses of a policy vouched for a cosigned checkpoint, and whether their quorum is met."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ledger.log.note import NoteError
from ledger.witness.cosigning import summary
from ledger.witness.policy import Policy
from ledger.witness.wire import SignedNote


@dataclass
class Vouching:
    size: int
    witnesses: int
    quorum: str
    vouched: dict[str, str] = field(default_factory=dict)
    """Policy name of each witness with a valid cosignature: when it cosigned (UTC, ISO 8601)."""
    invalid: list[str] = field(default_factory=list)
    quorum_met: bool = False

    def sentence(self, timestamped: bool | None = None) -> str:
        names = ", ".join(sorted(self.vouched)) or "none"
        return (f"{summary(self.size, len(self.vouched), self.witnesses, timestamped)} ({names}); quorum "
                f"{self.quorum}: {'met' if self.quorum_met else 'NOT met'}")

    def as_json(self) -> dict[str, Any]:
        return {"checkpoint_size": self.size, "witnesses": self.witnesses, "vouched": self.vouched,
                "invalid": self.invalid, "quorum": self.quorum, "quorum_met": self.quorum_met}


def check_cosignatures(note: str, policy: Policy) -> Vouching:
    """Verify every cosignature line of ``note`` that a witness of ``policy`` claims; lines by unknown keys
    are ignored, a line by a known key that does not verify is reported in ``invalid``."""
    parsed = SignedNote.parse(note)
    result = Vouching(parsed.checkpoint.size, len(policy.witnesses), policy.describe_quorum())
    for witness in policy.witnesses.values():
        for line in parsed.signatures:
            try:
                stamp = witness.verifier.verify_line(line, parsed.text)
            except NoteError as exc:
                result.invalid.append(f"witness {witness.name}: {exc}")
                continue
            if stamp is not None:
                result.vouched[witness.name] = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    result.quorum_met = policy.met_by(set(result.vouched))
    return result
