"""Issue 25: an audit as of a date (was training lawful that day?) and at a log size (what did we know then?)."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest

from ledger import clock
from ledger.context import Clearance
from ledger.errors import ValidationFailed
from ledger.log import store
from ledger.records.kinds import KINDS
from ledger.records.service import create_record, revoke
from ledger.reports.audit_service import AuditOptions, audit_dataset
from ledger.reports.models import DatasetAudit

from .test_audit_content import build_studio


def _status(result: object, asset: str) -> str:
    rows = list(csv.DictReader(Path(result.csv).open(encoding="utf-8-sig")))  # type: ignore[attr-defined]
    return next(r["status"] for r in rows if r["section"] == "asset" and r["key"] == asset)


def test_as_of_and_at_checkpoint_answer_different_questions_across_a_revocation(ctx: Clearance,
                                                                                 tmp_path: Path) -> None:
    studio = build_studio(ctx)
    today = clock.today()
    with ctx.db.reader() as session:
        before_revocation = store.tree_size(session)
        license_id = session.get(KINDS["asset"].table, studio.robots_allowed).license_id  # type: ignore[union-attr]
    revoke(ctx, KINDS["license"], license_id, "archive withdrew the catalogue", "legal", today - timedelta(days=10))
    create_record(ctx, KINDS["opt_out"], {"asset_id": studio.own, "source": "tdmrep", "entry": "tdm-reservation",
                                          "value": "1", "read_from": "tdmrep.json",
                                          "read_at": "2026-01-01T00:00:00Z"}, "test")

    def audit(name: str, options: AuditOptions) -> object:
        return audit_dataset(ctx, studio.version, studio.model, ["US"], "legal", tmp_path / name, options=options)

    now = audit("now", AuditOptions())
    on_training_day = audit("day", AuditOptions(use_date=today - timedelta(days=20)))
    known_then = audit("then", AuditOptions(at_checkpoint=before_revocation))
    # today, with all we know: the license is revoked and the own footage now carries a TDM reservation
    assert _status(now, studio.robots_allowed) == "block" and _status(now, studio.own) == "block"
    # on a day before the revocation took effect, the license still covered the work ...
    assert _status(on_training_day, studio.robots_allowed) == "cleared"
    # ... and with only what the log held before the revocation and the new signal, both are cleared today
    assert _status(known_then, studio.robots_allowed) == "cleared" and _status(known_then, studio.own) == "cleared"
    with ctx.db.reader() as session:
        then = session.get(DatasetAudit, known_then.audit_id)  # type: ignore[attr-defined]
        day = session.get(DatasetAudit, on_training_day.audit_id)  # type: ignore[attr-defined]
        root = store.root_at(session, before_revocation).hex()
    assert then is not None and (then.knowledge_size, then.knowledge_root) == (before_revocation, root)
    assert day is not None and day.use_date == (today - timedelta(days=20)).isoformat() and day.knowledge_size is None
    html = Path(known_then.html).read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert f"log size {before_revocation}" in html and today.isoformat() in html


def test_a_log_size_the_log_has_not_reached_is_refused(ctx: Clearance, tmp_path: Path) -> None:
    studio = build_studio(ctx)
    with pytest.raises(ValidationFailed) as refused:
        audit_dataset(ctx, studio.version, None, ["US"], "legal", tmp_path, options=AuditOptions(at_checkpoint=10**6))
    assert refused.value.problems[0].field == "at_checkpoint"
