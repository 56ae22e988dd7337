"""A model's machine-readable bill of materials: CycloneDX 1.6 ML-BOM, validated before anyone sees it.

The document is built with ``cyclonedx-python-lib``: the model is the metadata
component (type ``machine-learning-model``), each dataset version a component of
type ``data`` carrying the licenses its assets rely on and, as ``clearance:*``
properties, its license coverage, training clearance and opt-out status from the
ledger. cyclonedx-python-lib 11 does not model ``modelCard`` nor a component's
``data`` yet, so those two objects (the model card's ``modelParameters.datasets``
pointing at the dataset components) are added to the serialised JSON, and the
whole document is then checked by the library's strict 1.6 JSON-schema validator.

SPDX 3.0 is not written: spdx-tools 0.8 implements a pre-release SPDX 3 model and
cannot validate SPDX 3 documents (see README).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from ledger.errors import InternalError, NotFound
from ledger.records import models as m
from ledger.reports.dataset_audit import NO_LICENSE, OWN_PRODUCTION, AuditRequest, Totals, run_audit
from ledger import clock
from policies import PolicyEngine


@dataclass(frozen=True)
class AuditBasis:
    """What every figure of a BOM or summary was computed for: the date, the territories, the log size."""

    use_date: date
    territories: tuple[str, ...]
    log_size: int | None = None
    audit_id: str | None = None
    totals: dict[str, Totals] = field(default_factory=dict)  # dataset version id -> totals already computed

    def words(self) -> str:
        where = ", ".join(self.territories)
        known = f", from what the ledger knew at log size {self.log_size}" if self.log_size is not None else ""
        return f"for training in {where} on {self.use_date.isoformat()}{known}"


@dataclass(frozen=True)
class DatasetEntry:
    version: m.DatasetVersion
    dataset: m.Dataset | None
    totals: Totals
    basis: AuditBasis

    @property
    def ref(self) -> str:
        return f"dataset-version:{self.version.id}"

    @property
    def license_coverage(self) -> float:
        uncovered = self.totals.licensors.get(NO_LICENSE, {}).get("assets", 0)
        return round(1 - uncovered / self.totals.assets, 4) if self.totals.assets else 0.0

    def properties(self) -> dict[str, str]:
        totals = self.totals
        with_opt_out = sum(e["assets"] for e in totals.opt_outs.values())
        excluded = sum(e["excluded"] for e in totals.opt_outs.values())
        return {
            "clearance:assets": str(totals.assets),
            "clearance:license_coverage": f"{self.license_coverage:.4f}",
            "clearance:cleared_for_training": str(totals.cleared),
            "clearance:cleared_for_training_territories": ", ".join(self.basis.territories),
            "clearance:cleared_on": self.basis.use_date.isoformat(),
            "clearance:without_license": str(totals.without_license),
            "clearance:own_production": str(totals.own_production),
            "clearance:cleared_share": f"{totals.share(totals.cleared):.4f}",
            "clearance:opt_out_assets": str(with_opt_out),
            "clearance:opt_out_excluded": str(excluded),
            "clearance:opt_out_status": ("no opt-out signals" if not with_opt_out else
                                         "all opted-out assets excluded" if excluded == with_opt_out else
                                         f"{with_opt_out - excluded} opted-out assets still cleared"),
            "clearance:revoked_grants": str(len(totals.revocations)),
            **({"clearance:log_size": str(self.basis.log_size)} if self.basis.log_size is not None else {}),
            **({"clearance:audit_id": self.basis.audit_id} if self.basis.audit_id else {}),
        }

    def classification(self) -> str:
        """What this data is, in the audit's figures (never a fixed label)."""
        t = self.totals
        opted = sum(e["assets"] for e in t.opt_outs.values())
        return (f"training data: {t.cleared} of {t.assets} assets cleared ({t.share(t.cleared):.1%}) "
                f"{self.basis.words()}; {t.without_license} without a license"
                f", {t.own_production} own production, {opted} opted out")


def audited_totals(engine: PolicyEngine, session: Session, model: m.AiModel, basis: AuditBasis) -> dict[str, Totals]:
    """Each dataset version of the model audited for ``basis`` (taking the totals it already holds)."""
    out: dict[str, Totals] = {}
    for version_id in model.dataset_version_ids:
        if session.get(m.DatasetVersion, version_id) is None:
            raise NotFound(f"model {model.id} names dataset version {version_id!r}, which does not exist")
        out[version_id] = basis.totals.get(version_id) or run_audit(
            engine, session, AuditRequest(version_id, model.id, basis.territories, basis.use_date), lambda row: None)
    return out


def _entries(engine: PolicyEngine, session: Session, model: m.AiModel, basis: AuditBasis) -> list[DatasetEntry]:
    entries = []
    for version_id, totals in audited_totals(engine, session, model, basis).items():
        version = session.get(m.DatasetVersion, version_id)
        assert version is not None  # checked by audited_totals
        entries.append(DatasetEntry(version, session.get(m.Dataset, version.dataset_id), totals, basis))
    return entries


def mitigation(entries: list[DatasetEntry]) -> str:
    """The model card's mitigation text, stating the audit's figures (what was evaluated, what is not cleared)."""
    assets = sum(e.totals.assets for e in entries)
    cleared = sum(e.totals.cleared for e in entries)
    review = sum(e.totals.by_status["review"] for e in entries)
    basis = entries[0].basis.words() if entries else "(no dataset versions)"
    text = (f"Clearance evaluated the {assets} assets of {len(entries)} dataset version(s) against licenses, "
            f"opt-out signals, performer consents (AB 2602) and estate permissions (AB 1836) {basis}: "
            f"{cleared} cleared, {assets - cleared} of {assets} not cleared ({review} to review, "
            f"{assets - cleared - review} blocked).")
    if assets - cleared:
        return text + (" The assets not cleared must be removed, or licensed and consented, before this model is "
                       "trained or kept in use; the dataset components' clearance:* properties give the figures.")
    return text + " Every asset was cleared."


def _build(model: m.AiModel, developer: str | None, entries: list[DatasetEntry]) -> Any:
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.contact import OrganizationalEntity
    from cyclonedx.model.license import DisjunctiveLicense

    bom = Bom()
    supplier = OrganizationalEntity(name=developer) if developer else None
    root = Component(type=ComponentType.MACHINE_LEARNING_MODEL, name=model.name, version=model.version,
                     bom_ref=f"model:{model.id}", supplier=supplier,
                     properties=[Property(name="clearance:model_id", value=model.id)]
                     + ([Property(name="clearance:trained_on", value=model.trained_on.isoformat())]
                        if model.trained_on else []))
    bom.metadata.component = root
    for entry in entries:
        licensors = sorted(v["name"] for k, v in entry.totals.licensors.items() if k not in (NO_LICENSE, OWN_PRODUCTION))
        component = Component(
            type=ComponentType.DATA, name=entry.dataset.name if entry.dataset else entry.version.dataset_id,
            version=entry.version.version, bom_ref=entry.ref,
            licenses=[DisjunctiveLicense(name=f"licensed by {name}") for name in licensors],
            properties=[Property(name=k, value=v) for k, v in entry.properties().items()])
        bom.components.add(component)
        bom.register_dependency(root, [component])
    return bom


def _add_model_card(document: dict[str, Any], entries: list[DatasetEntry]) -> None:
    """The two objects the library does not model yet: ``modelCard`` and each dataset's ``data``."""
    document["metadata"]["component"]["modelCard"] = {
        "modelParameters": {"datasets": [{"ref": e.ref} for e in entries]},
        "considerations": {"ethicalConsiderations": [
            {"name": "training rights", "mitigationStrategy": mitigation(entries)}]},
    }
    by_ref = {e.ref: e for e in entries}
    for component in document.get("components", []):
        entry = by_ref.get(component.get("bom-ref"))
        if entry is None:
            continue
        component["data"] = [{"type": "dataset", "name": component["name"],
                              "contents": {"properties": [{"name": k, "value": v}
                                                          for k, v in entry.properties().items()]},
                              "classification": entry.classification()}]


def cyclonedx_json(engine: PolicyEngine, session: Session, model_id: str,
                   territories: tuple[str, ...] = ("US",), use_date: date | None = None,
                   basis: AuditBasis | None = None) -> str:
    """The validated CycloneDX 1.6 JSON of the model's ML-BOM."""
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    model = session.get(m.AiModel, model_id)
    if model is None:
        raise NotFound(f"no model with id {model_id!r}")
    developer = session.get(m.Party, model.developer_id) if model.developer_id else None
    entries = _entries(engine, session, model, basis or AuditBasis(use_date or clock.today(), territories))
    document = json.loads(JsonV1Dot6(_build(model, developer.name if developer else None, entries)).output_as_string())
    _add_model_card(document, entries)
    text = json.dumps(document, indent=2)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise InternalError(f"the CycloneDX 1.6 BOM of model {model_id} does not validate: {error}")
    return text
