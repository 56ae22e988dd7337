"""Answers of the report routes: a dataset audit run, the training-content summary.

The CycloneDX ML-BOM is not modelled here: it is a CycloneDX 1.6 document (validated against
that standard's own schema when built), documented as a JSON object under its media type.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ledger.api.schemas.common import LogReceipt, _Open


class AuditTotals(_Open):
    assets: int
    cleared: int
    review: int
    block: int


class AuditRun(_Open):
    audit_id: str
    totals: AuditTotals
    log: LogReceipt = Field(description="the audit.recorded entry")
    report: str = Field(description="the route of the HTML report")
    csv: str = Field(description="the route of the CSV")
    use_date: str = Field(description="the date of the use judged (ISO)")
    knowledge_size: int | None = Field(description="with at_checkpoint: the log size judged from")


class TrainingSummary(_Open):
    """EU AI Act Art. 53(1)(d) public summary, in the sections of the Commission's template.

    Each field of a section is ``{"value": ...}`` when the records answer it, else
    ``{"value": null, "to_complete": "<why>"}`` (listed in ``unfilled``).
    """

    template: str = Field(description="the template followed")
    model_id: str
    dataset_version_ids: list[str]
    generated_on: str = Field(description="ISO date: the date of the use the figures were computed for")
    territories: list[str] = Field(description="the territories the figures were computed for")
    log_size: int | None = Field(description="the log size whose records the figures count (none: today's)")
    audit_id: str | None = Field(description="the logged audit this summary was written with, if any")
    section_titles: dict[str, str] = Field(description="template section number -> title")
    sections: dict[str, dict[str, Any]] = Field(description="section number -> field -> value (see above)")
    unfilled: list[str] = Field(description="section.field paths a person must complete")
