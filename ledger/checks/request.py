"""What a generation service sends with a clip: the check request."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger.records.enums import Medium, Use
from ledger.records.models import TERRITORY
from ledger import clock


class CheckRequest(BaseModel):
    """Generation metadata. ``uses`` are what the studio wants to do with the clip."""

    model_config = ConfigDict(extra="forbid")

    service: str = Field(min_length=1, description="the generation service asking (the policy principal)")
    model_id: str | None = Field(default=None, description="registered model that generated the clip")
    requested_by: str | None = Field(default=None, description="user who asked for the generation")
    dataset_version_ids: list[str] = Field(default_factory=list)
    prompt: str = Field(default="", max_length=20_000)
    reference_asset_ids: list[str] = Field(default_factory=list, description="assets given to the model as inputs")
    declared_people: list[str] = Field(default_factory=list, description="party ids of people the clip depicts")
    declared_voices: list[str] = Field(default_factory=list,
                                       description="party ids of people whose voice the clip carries")
    uses: list[Use] = Field(default_factory=lambda: [Use.generate, Use.release], min_length=1)
    project: str = Field(min_length=1, description="the project or work the clip is for")
    media: list[Medium] = Field(min_length=1)
    territories: list[str] = Field(min_length=1)
    release_date: date = Field(default_factory=clock.today)
    licensee_id: str | None = Field(default=None, description="party making the clip under a model license "
                                    "(default: the developer of the clip's model)")
    parent_clip_id: str | None = Field(default=None, description="the logged clip this clip is an edit of")
    synthetic_performer: bool | None = Field(
        default=None, description="whether a synthetic performer (an AI-made human not recognisable as any real "
                                  "person, N.Y. GBL 396-b) appears; unstated, an advertisement reaching New York "
                                  "is told a visible label is required")

    def payload(self) -> dict[str, Any]:
        """The ``clip.submitted`` fields (the lineage fields only when given, so earlier entries keep their shape)."""
        data = self.model_dump(mode="json")
        return {k: v for k, v in data.items()
                if v is not None or k not in ("licensee_id", "parent_clip_id", "synthetic_performer")}

    @field_validator("territories")
    @classmethod
    def _territories(cls, values: list[str]) -> list[str]:
        for value in values:
            if not TERRITORY.match(value):
                raise ValueError(f"{value!r} is not an ISO 3166 code (e.g. 'US', 'US-CA') or 'WORLD'")
        return values
