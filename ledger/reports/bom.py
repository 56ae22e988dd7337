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
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ledger.errors import InternalError, NotFound
from ledger.records import models as m
from ledger.reports.dataset_audit import NO_LICENSE, AuditRequest, Totals, run_audit
from policies import PolicyEngine


@dataclass(frozen=True)
class DatasetEntry:
    version: m.DatasetVersion
    dataset: m.Dataset | None
    totals: Totals

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
            "clearance:cleared_share": f"{totals.share(totals.cleared):.4f}",
            "clearance:opt_out_assets": str(with_opt_out),
            "clearance:opt_out_excluded": str(excluded),
            "clearance:opt_out_status": ("no opt-out signals" if not with_opt_out else
                                         "all opted-out assets excluded" if excluded == with_opt_out else
                                         f"{with_opt_out - excluded} opted-out assets still cleared"),
            "clearance:revoked_grants": str(len(totals.revocations)),
        }


def _entries(engine: PolicyEngine, session: Session, model: m.AiModel,
             territories: tuple[str, ...]) -> list[DatasetEntry]:
    entries = []
    for version_id in model.dataset_version_ids:
        version = session.get(m.DatasetVersion, version_id)
        if version is None:
            raise NotFound(f"model {model.id} names dataset version {version_id!r}, which does not exist")
        totals = run_audit(engine, session, AuditRequest(version_id, model.id, territories), lambda row: None)
        entries.append(DatasetEntry(version, session.get(m.Dataset, version.dataset_id), totals))
    return entries


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
        licensors = sorted(v["name"] for k, v in entry.totals.licensors.items() if k != NO_LICENSE)
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
            {"name": "training rights", "mitigationStrategy":
             "every asset is evaluated against licenses, opt-outs, performer consents (AB 2602) and estate "
             "permissions (AB 1836) before training; see the dataset components' clearance:* properties"}]},
    }
    by_ref = {e.ref: e for e in entries}
    for component in document.get("components", []):
        entry = by_ref.get(component.get("bom-ref"))
        if entry is None:
            continue
        component["data"] = [{"type": "dataset", "name": component["name"],
                              "contents": {"properties": [{"name": k, "value": v}
                                                          for k, v in entry.properties().items()]},
                              "classification": "licensed training data"}]


def cyclonedx_json(engine: PolicyEngine, session: Session, model_id: str,
                   territories: tuple[str, ...] = ("US",)) -> str:
    """The validated CycloneDX 1.6 JSON of the model's ML-BOM."""
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    model = session.get(m.AiModel, model_id)
    if model is None:
        raise NotFound(f"no model with id {model_id!r}")
    developer = session.get(m.Party, model.developer_id) if model.developer_id else None
    entries = _entries(engine, session, model, territories)
    document = json.loads(JsonV1Dot6(_build(model, developer.name if developer else None, entries)).output_as_string())
    _add_model_card(document, entries)
    text = json.dumps(document, indent=2)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise InternalError(f"the CycloneDX 1.6 BOM of model {model_id} does not validate: {error}")
    return text
