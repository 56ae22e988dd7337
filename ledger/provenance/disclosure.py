"""The latent disclosure that a clip is AI-generated, field by field, with the law each field serves.

California's AI Transparency Act (SB 942 as amended by AB 853, Bus. & Prof. Code § 22757.3(b),
operative 2026-08-02) asks the latent disclosure of generated image, video and audio content to
convey the provider's name, the generating system's name and version, the time of creation or
alteration and a unique identifier ((b)(1)(A)-(D)); to be consistent with widely accepted industry
standards ((b)(3)); and to be permanent or extraordinarily difficult to remove as far as technically
feasible ((b)(4)). EU AI Act Art. 50(2) asks outputs of generative systems to be marked, machine-readably,
as artificially generated, detectably and as robustly as technically feasible. New York General
Business Law § 396-b(3) asks an advertisement with a synthetic performer to say so conspicuously: that
label is visible, so the manifest only records that it is required (:class:`VisibleLabel`).

Each field is written in the standard C2PA place where one exists and repeated in the
``dev.clearance.ai-disclosure`` assertion, which is also the only place the provider's name has
(C2PA defines no field for it):

=====================  ==========================================================  ==========================
field                  manifest places (standard first)                            law
=====================  ==========================================================  ==========================
``ai_generated``       ``c2pa.actions.v2`` created/edited ``digitalSourceType``;    Art. 50(2); SB 942 (b)(3)
                       disclosure ``digital_source_type``
``provider``           disclosure ``provider``                                     SB 942 (b)(1)(A)
``system_name``        action ``softwareAgent.name``; disclosure ``system_name``    SB 942 (b)(1)(B)
``system_version``     action ``softwareAgent.version``; disclosure                 SB 942 (b)(1)(B)
                       ``system_version``
``created_at``         action ``when``; disclosure ``created_at``                   SB 942 (b)(1)(C)
``identifier``         manifest ``instance_id``; disclosure ``identifier``          SB 942 (b)(1)(D)
``soft_binding``       ``c2pa.soft-binding`` (``io.iscc.v0``: a fingerprint of      Art. 50(2) (robust,
                       the content, no watermark in the pixels)                     detectable); SB 942 (b)(4)
=====================  ==========================================================  ==========================

The C2PA claim signature covers every place, so none can be changed unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ledger.errors import FieldProblem
from ledger.provenance.soft_binding import SOFT_BINDING_LABEL as SOFT_BINDING_ASSERTION

DISCLOSURE_LABEL = "dev.clearance.ai-disclosure"
DISCLOSURE_SCHEMA_VERSION = 2

SB942 = "Cal. Bus. & Prof. Code § 22757.3(b)"  # SB 942 (Ch. 291, Stats. 2024) as amended by AB 853 (Ch. 674, Stats. 2025)
EU_50_2 = "EU AI Act (Reg. (EU) 2024/1689) Art. 50(2)"
FRAMEWORKS = (f"{SB942} (SB 942 as amended by AB 853): latent disclosure, operative 2026-08-02",
              f"{EU_50_2}: machine-readable marking as artificially generated")


@dataclass(frozen=True)
class DisclosureField:
    """One element the laws ask of a generated clip's latent disclosure, and where the manifest carries it."""

    name: str
    element: str
    laws: tuple[str, ...]
    places: tuple[str, ...]


FIELDS: tuple[DisclosureField, ...] = (
    DisclosureField("ai_generated", "marked as AI-generated (machine-readable)",
                    (EU_50_2, f"{SB942}(3) (widely accepted industry standard: C2PA)"),
                    ("c2pa.actions digitalSourceType", f"{DISCLOSURE_LABEL} digital_source_type")),
    DisclosureField("provider", "provider's name", (f"{SB942}(1)(A)",), (f"{DISCLOSURE_LABEL} provider",)),
    DisclosureField("system_name", "generative AI system's name", (f"{SB942}(1)(B)",),
                    ("c2pa.actions softwareAgent.name", f"{DISCLOSURE_LABEL} system_name")),
    DisclosureField("system_version", "generative AI system's version", (f"{SB942}(1)(B)",),
                    ("c2pa.actions softwareAgent.version", f"{DISCLOSURE_LABEL} system_version")),
    DisclosureField("created_at", "time and date of creation or alteration", (f"{SB942}(1)(C)",),
                    ("c2pa.actions when", f"{DISCLOSURE_LABEL} created_at")),
    DisclosureField("identifier", "unique identifier", (f"{SB942}(1)(D)",),
                    ("manifest instance_id", f"{DISCLOSURE_LABEL} identifier")),
    DisclosureField("soft_binding", "recoverable when the metadata is stripped (content fingerprint, not a watermark)",
                    (f"{EU_50_2} (detectable, robust as far as technically feasible)",
                     f"{SB942}(4) (extraordinarily difficult to remove, as far as technically feasible)"),
                    (f"{SOFT_BINDING_ASSERTION} io.iscc.v0",)),
)
#: Every field the laws above require, as the names the verify report uses.
REQUIRED = tuple(f.name for f in FIELDS)
#: The fields whose value the signer must know before it signs (the soft binding is computed from the clip).
KNOWN_BEFORE_SIGNING = ("provider", "system_name", "system_version", "created_at", "identifier")


@dataclass(frozen=True)
class VisibleLabel:
    """A label a person must be able to see, which a latent disclosure cannot give (e.g. N.Y. GBL § 396-b(3))."""

    law: str
    jurisdiction: str
    label: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"law": self.law, "jurisdiction": self.jurisdiction, "label": self.label, "reason": self.reason}


@dataclass(frozen=True)
class AiDisclosure:
    """The disclosure written into a signed clip. A field left None is unknown: :func:`problems` names it,
    and :func:`ledger.provenance.sign_clip` refuses to sign."""

    provider: str | None
    system_name: str | None
    system_version: str | None
    created_at: str | None  # ISO 8601 UTC
    identifier: str | None
    digital_source_type: str
    visible_labels: tuple[VisibleLabel, ...] = field(default=())

    def problems(self) -> list[FieldProblem]:
        """The fields the law requires that are unknown, each with the law that asks for it."""
        laws = {f.name: "; ".join(f.laws) for f in FIELDS}
        return [FieldProblem(name, f"unknown; required by {laws[name]}") for name in KNOWN_BEFORE_SIGNING
                if not _text(getattr(self, name))]

    def as_assertion_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"schema_version": DISCLOSURE_SCHEMA_VERSION, "ai_generated": True,
                                "digital_source_type": self.digital_source_type, "provider": self.provider,
                                "system_name": self.system_name, "system_version": self.system_version,
                                "created_at": self.created_at, "identifier": self.identifier,
                                "frameworks": list(FRAMEWORKS)}
        if self.visible_labels:
            data["visible_labels_required"] = [label.as_dict() for label in self.visible_labels]
        return {k: v for k, v in data.items() if v is not None}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _source_action(assertions: Mapping[str, Any]) -> Mapping[str, Any]:
    """The action that made the clip: ``c2pa.created``, or ``c2pa.edited`` for an edit of an earlier clip
    (the one carrying a digitalSourceType)."""
    for label in ("c2pa.actions.v2", "c2pa.actions"):
        data = assertions.get(label)
        actions = data.get("actions") if isinstance(data, Mapping) else None
        for action in actions if isinstance(actions, list) else []:
            if isinstance(action, Mapping) and action.get("action") in ("c2pa.created", "c2pa.edited") \
                    and action.get("digitalSourceType"):
                return action
    return {}


def _soft_binding_alg(assertions: Mapping[str, Any]) -> str | None:
    data = assertions.get(SOFT_BINDING_ASSERTION)
    if not isinstance(data, Mapping) or not data.get("blocks"):
        return None
    return _text(data.get("alg"))


def _labels(data: Mapping[str, Any]) -> list[dict[str, str]]:
    raw = data.get("visible_labels_required")
    return [{k: str(v) for k, v in item.items()} for item in raw if isinstance(item, Mapping)] \
        if isinstance(raw, list) else []


def read_disclosure(assertions: Mapping[str, Any], instance_id: str | None = None) -> dict[str, Any]:
    """What a manifest (its assertions, label -> data, and its ``instance_id``) discloses, field by field.

    ``fields`` lists every field with its value, the places it was found in, and the laws it serves;
    ``missing`` names the absent ones and ``conflicts`` those whose places disagree (the standard place
    and the disclosure assertion saying different things); ``complete`` means neither.
    """
    data = assertions.get(DISCLOSURE_LABEL)
    data = data if isinstance(data, Mapping) else {}
    action = _source_action(assertions)
    raw_agent = action.get("softwareAgent")
    agent: Mapping[str, Any] = raw_agent if isinstance(raw_agent, Mapping) else {}
    standard: dict[str, str | None] = {
        "ai_generated": _text(action.get("digitalSourceType")), "provider": None,
        "system_name": _text(agent.get("name")), "system_version": _text(agent.get("version")),
        "created_at": _text(action.get("when")), "identifier": _text(instance_id),
        "soft_binding": _soft_binding_alg(assertions)}
    ours: dict[str, str | None] = {
        "ai_generated": _text(data.get("digital_source_type")), "provider": _text(data.get("provider")),
        "system_name": _text(data.get("system_name")), "system_version": _text(data.get("system_version")),
        "created_at": _text(data.get("created_at")), "identifier": _text(data.get("identifier")),
        "soft_binding": None}
    fields: list[dict[str, Any]] = []
    missing: list[str] = []
    conflicts: list[str] = []
    values: dict[str, str | None] = {}
    for spec in FIELDS:
        candidates = (ours[spec.name],) if spec.name == "provider" else (standard[spec.name], ours[spec.name])
        found = [(place, value) for place, value in zip(spec.places, candidates) if value is not None]
        # the ledger's own identifier is preferred to an instance id; both are unique, so both may stand
        value = (found[-1] if spec.name == "identifier" else found[0])[1] if found else None
        conflict = spec.name != "identifier" and len({v for _, v in found}) > 1
        values[spec.name] = value
        if value is None:
            missing.append(spec.name)
        if conflict:
            conflicts.append(spec.name)
        fields.append({"name": spec.name, "element": spec.element, "present": value is not None, "value": value,
                       "found_in": [place for place, _ in found], "laws": list(spec.laws), "conflict": conflict})
    source_type = values["ai_generated"]
    return {"present": bool(data), "label": DISCLOSURE_LABEL if data else None,
            "provider": values["provider"], "system_name": values["system_name"],
            "system_version": values["system_version"], "created_at": values["created_at"],
            "identifier": values["identifier"], "digital_source_type": source_type,
            "soft_binding": values["soft_binding"],
            "ai_generated": bool(source_type and "AlgorithmicMedia" in source_type),
            "fields": fields, "missing": missing, "conflicts": conflicts,
            "visible_labels_required": _labels(data), "complete": not missing and not conflicts}
