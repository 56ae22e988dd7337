"""Run a dataset audit: sign a checkpoint, decide every asset, write the CSV, log the audit, write the HTML.

The audit is an ``audit.recorded`` event whose payload holds the checkpoint it was
computed at, its totals and the SHA-256 of its CSV, so what was known on that date
can be proved later; the HTML page names that log entry (the CSV cannot: its hash
is in the entry).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ledger.audit.as_of import check_size, knowledge_at
from ledger.context import Clearance
from ledger.fsutil import write_atomic
from ledger.errors import FieldProblem, NotFound, ValidationFailed
from ledger.log.events import Event
from ledger.log.note import open_checkpoint
from ledger.observability import log_context
from ledger.records import models as m
from ledger.records.lineage import models_trained_on
from ledger.reports import audit_csv, audit_html
from ledger.reports.bom import AuditBasis
from ledger.reports.dataset_audit import AssetRow, AuditRequest, run_audit
from ledger.reports.models import DatasetAudit
from ledger import clock

logger = logging.getLogger(__name__)
AUDIT_ID = re.compile(r"^aud_[0-9a-f]{20}$")
TERRITORY = re.compile(r"^(?:[A-Z]{2}|WORLD)$")


@dataclass(frozen=True)
class AuditFiles:
    audit_id: str
    html: Path
    csv: Path
    totals: dict[str, Any]
    log: dict[str, Any]
    companions: dict[str, Path] = field(default_factory=dict)  # EU summary and BOM of the same run
    use_date: str = ""
    knowledge_size: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"audit_id": self.audit_id, "html": str(self.html), "csv": str(self.csv), "totals": self.totals,
                "log": self.log, **{k: str(v) for k, v in self.companions.items()}}


@dataclass(frozen=True)
class AuditOptions:
    """When and what the audit is for: the date of the use, the log size whose knowledge counts, the project."""

    use_date: date | None = None
    at_checkpoint: int | None = None
    project: str | None = None


def audits_dir(ctx: Clearance) -> Path:
    return ctx.settings.home / "reports" / "audits"


def report_paths(directory: Path, audit_id: str) -> tuple[Path, Path]:
    return directory / f"audit-{audit_id}.html", directory / f"audit-{audit_id}.csv"


def stored_report(ctx: Clearance, audit_id: str, suffix: str) -> Path:
    """The stored HTML or CSV of an audit run through the API; the id is checked before any path is built."""
    if not AUDIT_ID.match(audit_id):
        raise ValidationFailed("invalid audit id", problems=[FieldProblem("audit_id", "aud_ and 20 hex digits")])
    with ctx.db.reader() as session:
        if session.get(DatasetAudit, audit_id) is None:
            raise NotFound(f"no audit with id {audit_id!r}")
    html, csv_path = report_paths(audits_dir(ctx) / audit_id, audit_id)
    path = html if suffix == "html" else csv_path
    if not path.is_file():
        raise NotFound(f"audit {audit_id} was logged but its {suffix.upper()} is not stored here (written elsewhere)")
    return path


def _check_territories(territories: list[str]) -> tuple[str, ...]:
    bad = [t for t in territories if not TERRITORY.match(t)]
    if bad or not territories:
        raise ValidationFailed("invalid territory", problems=[FieldProblem("territory", f"{bad or territories!r}: "
                                                                           "ISO 3166 alpha-2 codes or WORLD")])
    return tuple(dict.fromkeys(territories))


@contextmanager
def _records(ctx: Clearance, at_checkpoint: int | None) -> Iterator[Session]:
    """The live tables, or those the log's first ``at_checkpoint`` entries make."""
    if at_checkpoint is None:
        with ctx.db.reader() as session:
            yield session
    else:
        with knowledge_at(ctx, at_checkpoint) as session:
            yield session


def _companions(ctx: Clearance, session: Session, model_id: str, basis: AuditBasis, directory: Path,
                audit_id: str) -> dict[str, Path]:
    """The model's EU training summary and CycloneDX BOM, computed from this audit's run."""
    from ledger.reports.bom import cyclonedx_json
    from ledger.reports.training_summary import build_summary, to_markdown

    summary = build_summary(ctx.policy_engine, session, model_id, ctx.settings.provider_name, basis=basis)
    paths = {"training_summary": directory / f"audit-{audit_id}-training-summary.md",
             "training_summary_json": directory / f"audit-{audit_id}-training-summary.json",
             "bom": directory / f"audit-{audit_id}-bom.cdx.json"}
    write_atomic(paths["training_summary"], to_markdown(summary).encode())
    write_atomic(paths["training_summary_json"], json.dumps(summary, indent=2).encode())
    write_atomic(paths["bom"], cyclonedx_json(ctx.policy_engine, session, model_id, basis=basis).encode())
    return paths


def audit_dataset(ctx: Clearance, dataset_version_id: str, model_id: str | None, territories: list[str],
                  actor: str, out_dir: Path | None = None, use_date: date | None = None,
                  options: AuditOptions | None = None) -> AuditFiles:
    """Audit the dataset version and write ``audit-<id>.html`` and ``.csv`` into ``out_dir``.

    With a model, the model's EU training summary and BOM are written beside them from the same
    run: the same date, territories and log knowledge.
    """
    options = options or AuditOptions(use_date=use_date)
    use_date = options.use_date or use_date or clock.today()
    knowledge = check_size(ctx, options.at_checkpoint) if options.at_checkpoint is not None else None
    request = AuditRequest(dataset_version_id, model_id, _check_territories(territories), use_date, options.project)
    audit_id = f"aud_{uuid.uuid4().hex[:20]}"
    directory = Path(out_dir) if out_dir is not None else audits_dir(ctx) / audit_id
    directory.mkdir(parents=True, exist_ok=True)
    html_path, csv_path = report_paths(directory, audit_id)
    engine = ctx.policy_engine
    note = ctx.checkpoint()
    checkpoint = open_checkpoint(note, ctx.log_key.verifier)
    with log_context(audit_id=audit_id), tempfile.TemporaryFile("w+", encoding="utf-8", dir=directory) as rows_html:
        with open(csv_path, "w", encoding="utf-8-sig", newline="") as csv_handle:
            csv_out = audit_csv.writer(csv_handle)

            def on_row(row: AssetRow) -> None:
                csv_out.writerow(audit_csv.asset_row(row))
                rows_html.write(audit_html.asset_row(row))

            with _records(ctx, options.at_checkpoint) as session:
                totals = run_audit(engine, session, request, on_row)
                lineage = models_trained_on(session, dataset_version_id)
                model_row = session.get(m.AiModel, model_id) if model_id else None
                basis = AuditBasis(use_date, request.territories, knowledge[0] if knowledge else checkpoint.size,
                                   audit_id, {dataset_version_id: totals})
                companions = _companions(ctx, session, model_id, basis, directory, audit_id) if model_id else {}
            csv_out.writerows(audit_csv.summary_rows(totals, checkpoint.size, note))
        csv_sha256 = hashlib.sha256(csv_path.read_bytes()).hexdigest()
        summary = {"assets": totals.assets, **{s: totals.by_status[s] for s in audit_csv.STATUSES}}
        payload = {"dataset_version_id": dataset_version_id, "model_id": model_id,
                   "territories": list(request.territories), "use_date": use_date.isoformat(),
                   "policy_set_hash": engine.policy_set_hash, "checkpoint_size": checkpoint.size,
                   "checkpoint": note, "totals": summary, "csv_sha256": csv_sha256, "project": totals.project,
                   "knowledge_size": knowledge[0] if knowledge else None,
                   "knowledge_root": knowledge[1] if knowledge else None}
        with ctx.db.transaction() as session:
            appended = ctx.record(session, [Event("audit.recorded", payload, "audit", audit_id, actor)])[0]
        receipt = ctx.receipt(appended).as_json()
        knows = (f"log size {knowledge[0]} (root {knowledge[1][:16]}...)" if knowledge
                 else f"everything up to log size {checkpoint.size}")
        model_label = f"{model_row.name} {model_row.version}".strip() if model_row else "a model"
        meta = {"dataset_version": dataset_version_id, "model_label": model_label,
                "territories": ", ".join(request.territories), "use_date": payload["use_date"],
                "policy_set": engine.policy_set_hash, "checkpoint_size": checkpoint.size,
                "knowledge_size": knowledge[0] if knowledge else None, "project": totals.project,
                "project_stated": totals.project_stated,
                "shown": {"dataset version": dataset_version_id, "model": model_id or "(any model trained on it)",
                          "territories": ", ".join(request.territories), "as of (date of the use)": payload["use_date"],
                          "what the ledger knew": knows, "project": totals.project,
                          "policy set": engine.policy_set_hash, "audit id": audit_id, "run by": actor,
                          "CSV SHA-256": csv_sha256,
                          **{name.replace("_", " "): p.name for name, p in companions.items()}}}
        tmp = html_path.with_suffix(".html.tmp")
        with open(tmp, "w", encoding="utf-8") as html_handle:
            audit_html.write(html_handle, audit_html.head(meta, totals, note, receipt, lineage), rows_html)
        os.replace(tmp, html_path)
        logger.info("dataset audit of %s written: %d assets, %d cleared", dataset_version_id, totals.assets,
                    totals.cleared)
    return AuditFiles(audit_id, html_path, csv_path, summary, receipt, companions, use_date.isoformat(),
                      knowledge[0] if knowledge else None)
