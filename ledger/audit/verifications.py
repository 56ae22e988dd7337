"""Full verifications run from the console, logged (``log.verified``) so their results outlive the server.

Who ran it, when, how large the log was and what was found: the log page shows
the latest. The event is written after the verification, so it is never part of
the tree it speaks about.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from ledger.audit.replay import VerifyReport
from ledger.audit.verification_events import LogVerification
from ledger.context import Clearance, Receipt
from ledger.log.events import Event

MAX_FINDINGS_LOGGED = 50


def record_verification(ctx: Clearance, report: VerifyReport, seconds: float, by: str, actor: str) -> Receipt:
    result = report.as_json()
    payload = {"by": by, "ok": result["ok"], "size": result["size"], "checkpoints": result["checkpoints"],
               "rows_compared": result["rows_compared"], "seconds": round(seconds, 3),
               "findings": result["findings"][:MAX_FINDINGS_LOGGED]}
    with ctx.db.transaction() as session:
        appended = ctx.record(session, [Event("log.verified", payload, "log", ctx.log_key.origin, actor)])[0]
    return ctx.receipt(appended)


def latest(ctx: Clearance) -> dict[str, Any] | None:
    with ctx.db.reader() as session:
        row = session.exec(select(LogVerification).order_by(col(LogVerification.log_index).desc()).limit(1)).first()
        return None if row is None else row.model_dump()
