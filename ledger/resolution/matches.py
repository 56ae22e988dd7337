"""A resolved manifest: what every resolution path answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ledger.errors import ClearanceError


class UnsupportedQuery(ClearanceError):
    """A resolution query the API cannot answer as asked (unknown algorithm, a value that is no ISCC)."""

    status = 400
    exit_code = 2
    title = "Invalid query"
    slug = "invalid-query"


@dataclass(frozen=True)
class Match:
    """A signed manifest a query resolved to."""

    manifest_id: str
    check_id: str
    clip_id: str
    similarity_score: int
    """0-100; 100 only for identical content (the same bytes as released, or the signed file itself)."""
    by: Literal["io.iscc.v0", "content"]
    evidence: str

    def as_sbr(self) -> dict[str, object]:
        return {"manifestId": self.manifest_id, "similarityScore": self.similarity_score}
