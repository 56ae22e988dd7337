"""The latent disclosure that a clip is AI-generated: California SB 942 (as amended by AB 853), EU AI Act Art. 50(2).

SB 942's latent disclosure needs four elements: the provider's name, the generating
system's name and version, the time of creation or alteration, and a unique
identifier. Art. 50(2) needs the output to be marked, machine-readably, as
artificially generated. In the signed manifest:

=====================================  =================================================================
element                                manifest field
=====================================  =================================================================
AI-generated (Art. 50(2), SB 942)      ``c2pa.actions.v2`` ``c2pa.created`` ``digitalSourceType`` =
                                       ``trainedAlgorithmicMedia``; repeated in the disclosure assertion
provider name                          ``dev.clearance.ai-disclosure`` ``provider``
system name and version                ``c2pa.created`` ``softwareAgent`` ``name``/``version`` and the
                                       disclosure assertion's ``system_name``/``system_version``
time of creation                       ``c2pa.created`` ``when`` and the disclosure's ``created_at``
unique identifier                      the disclosure's ``identifier`` (the ledger's clip id)
=====================================  =================================================================

The C2PA claim signature covers all of it, so none can be changed unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

DISCLOSURE_LABEL = "dev.clearance.ai-disclosure"
DISCLOSURE_SCHEMA_VERSION = 1
FRAMEWORKS = ("US-CA SB 942 (Business and Professions Code 22757), as amended by AB 853: latent disclosure",
              "EU AI Act (Regulation (EU) 2024/1689) Article 50(2): machine-readable marking")
#: What SB 942 requires, as the names the verify report uses.
REQUIRED = ("provider", "system_name", "system_version", "created_at", "identifier")


@dataclass(frozen=True)
class AiDisclosure:
    """The disclosure written into a signed clip (``provider`` may be unknown: then it is reported missing)."""

    provider: str | None
    system_name: str
    system_version: str | None
    created_at: str  # ISO 8601 UTC
    identifier: str
    digital_source_type: str

    def as_assertion_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"schema_version": DISCLOSURE_SCHEMA_VERSION, "ai_generated": True,
                                "digital_source_type": self.digital_source_type, "provider": self.provider,
                                "system_name": self.system_name, "system_version": self.system_version,
                                "created_at": self.created_at, "identifier": self.identifier,
                                "frameworks": list(FRAMEWORKS)}
        return {k: v for k, v in data.items() if v is not None}


def _created_action(assertions: Mapping[str, Any]) -> Mapping[str, Any]:
    for label in ("c2pa.actions.v2", "c2pa.actions"):
        data = assertions.get(label)
        actions = data.get("actions") if isinstance(data, Mapping) else None
        for action in actions if isinstance(actions, list) else []:
            if isinstance(action, Mapping) and action.get("action") == "c2pa.created":
                return action
    return {}


def read_disclosure(assertions: Mapping[str, Any]) -> dict[str, Any]:
    """What a manifest's assertions (label -> data) disclose, element by element, and what is missing.

    The ``c2pa.created`` action supplies ``when``, ``softwareAgent`` and ``digitalSourceType``
    where the disclosure assertion lacks them.
    """
    data = assertions.get(DISCLOSURE_LABEL)
    data = data if isinstance(data, Mapping) else {}
    action = _created_action(assertions)
    raw_agent = action.get("softwareAgent")
    agent: Mapping[str, Any] = raw_agent if isinstance(raw_agent, Mapping) else {}
    found = {
        "provider": data.get("provider"),
        "system_name": data.get("system_name") or agent.get("name"),
        "system_version": data.get("system_version") or agent.get("version"),
        "created_at": data.get("created_at") or action.get("when"),
        "identifier": data.get("identifier"),
        "digital_source_type": data.get("digital_source_type") or action.get("digitalSourceType"),
    }
    found = {k: v if isinstance(v, str) and v.strip() else None for k, v in found.items()}
    missing = [k for k in REQUIRED if found[k] is None]
    return {"present": bool(data), "label": DISCLOSURE_LABEL if data else None, **found,
            "ai_generated": bool(found["digital_source_type"] and "AlgorithmicMedia" in found["digital_source_type"]),
            "missing": missing, "complete": not missing}
