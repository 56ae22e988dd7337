"""How well the latest checkpoint is vouched for: witnesses that cosigned it, those that did not and why,
and whether it carries a timestamp. ``clearance doctor`` and the console's log page show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger.errors import ClearanceError
from ledger.log import merkle, sql
from ledger.log.note import Checkpoint
from ledger.witness import records
from ledger.witness.cosigning import cosigned_note, summary

if TYPE_CHECKING:
    from ledger.context import Clearance


@dataclass
class WitnessReport:
    size: int | None
    witnesses: int
    vouched: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    quorum: str = "no witness policy"
    quorum_met: bool = True
    timestamped: bool | None = None
    """None when no timestamp authority is configured."""
    timestamp_error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"checkpoint_size": self.size, "witnesses": self.witnesses, "vouched": self.vouched,
                "missing": self.missing, "quorum": self.quorum, "quorum_met": self.quorum_met,
                "timestamped": self.timestamped, "timestamp_error": self.timestamp_error}

    def lines(self) -> list[str]:
        if self.size is None:
            return ["witnesses: the log has no signed checkpoint yet"]
        out = [summary(self.size, len(self.vouched), self.witnesses, self.timestamped)
               + f" (quorum: {self.quorum}, {'met' if self.quorum_met else 'NOT met'})"]
        out += [f"  witness {name}: {why}" for name, why in sorted(self.missing.items())]
        if self.timestamp_error:
            out.append(f"  timestamp authority: {self.timestamp_error}")
        return out


def witness_report(ctx: Clearance) -> WitnessReport:
    policy, cosigner = ctx.witness_policy, ctx.cosigner
    with ctx.log_reader() as conn:
        latest = sql.latest_checkpoint(conn)
        has_token = latest is not None and records.timestamp_token(conn, latest.size) is not None
        tsa_attempt = records.attempts(conn).get(records.TSA_STATUS)
    report = WitnessReport(None if latest is None else latest.size, 0 if policy is None else len(policy.witnesses))
    if policy is not None:
        report.quorum = policy.describe_quorum()
    if ctx.settings.tsa_url:
        report.timestamped = has_token
        if not has_token and tsa_attempt is not None and tsa_attempt.error:
            report.timestamp_error = f"{tsa_attempt.error} (at {tsa_attempt.attempted_at})"
    if latest is None or cosigner is None:
        report.quorum_met = policy is None or policy.met_by(set())
        return report
    gathered = cosigner.gathered(latest.size, latest.note)
    report.vouched, report.missing = gathered.vouched, gathered.missing
    report.quorum_met = cosigner.policy.met_by(set(gathered.vouched))
    return report


def vouching_for(ctx: Clearance, checkpoint: Checkpoint) -> dict[str, Any] | None:
    """Which witnesses of the configured policy vouched for ``checkpoint`` (a signed clip's, say): each by its
    cosignature of that checkpoint or of a later one that the log proves consistent with it. None when no
    witnesses are configured."""
    from ledger.witness.vouching import check_cosignatures

    policy = ctx.witness_policy
    if policy is None or not policy.witnesses:
        return None
    vouched: dict[str, int] = {}
    with ctx.log_reader() as conn:
        for _key_name, (size, lines) in records.first_cosigned_from(conn, checkpoint.size).items():
            note = records.checkpoint_note(conn, size)
            if note is None:
                continue
            later = Checkpoint.parse(note.partition("\n\n")[0] + "\n")
            try:
                if later.size != checkpoint.size:
                    proof = sql.consistency_proof(conn, checkpoint.size, later.size)
                    merkle.verify_consistency(checkpoint.size, later.size, checkpoint.root, later.root, proof)
                elif later.root != checkpoint.root:
                    continue
            except (merkle.ProofError, ClearanceError):  # not provably consistent: no vouching
                continue
            for name in check_cosignatures(cosigned_note(note, {"": lines}), policy).vouched:
                vouched[name] = size
    met = policy.met_by(set(vouched))
    names = ", ".join(f"{name} (at checkpoint {size:,})" for name, size in sorted(vouched.items())) or "none"
    return {"checkpoint_size": checkpoint.size, "vouched": vouched, "witnesses": len(policy.witnesses),
            "quorum": policy.describe_quorum(), "quorum_met": met,
            "reason": f"{len(vouched)} of {len(policy.witnesses)} witnesses vouched for checkpoint "
                      f"{checkpoint.size:,}: {names}; quorum {policy.describe_quorum()}: {'met' if met else 'NOT met'}"}
