"""How well the latest checkpoint is vouched for: witnesses that cosigned it, those that did not and why,
and whether it carries a timestamp. ``clearance doctor`` and the console's log page show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger.log import sql
from ledger.witness import records
from ledger.witness.cosigning import summary

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
