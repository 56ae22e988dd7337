"""What a queue view asks for: filters and a sort order, checked field by field (the problems name the field)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from ledger.errors import FieldProblem, ValidationFailed

SORTS = {"oldest": "oldest first", "newest": "newest first", "release": "release date, soonest first",
         "service": "service, then oldest", "project": "project, then oldest"}
ASSIGNEE = re.compile(r"^(?:|me|none|[A-Za-z0-9][A-Za-z0-9_.:-]{0,99})$")
"""Anyone (empty), the caller (``me``), unassigned (``none``) or a reviewer's key id."""
FIELDS = ("service", "project", "policy", "channel", "assignee", "min_age_days", "release_before", "sort")


@dataclass(frozen=True)
class Criteria:
    """Filters (each optional) and the sort. Empty strings and None mean "any"."""

    service: str = ""
    project: str = ""
    policy: str = ""
    channel: str = ""
    assignee: str = ""
    min_age_days: int | None = None
    """Only checks decided at least this many days ago."""
    release_before: date | None = None
    """Only clips whose release date is on or before this day."""
    sort: str = "oldest"

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        values["release_before"] = self.release_before.isoformat() if self.release_before else None
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "sort" and v == "oldest")}

    def query(self) -> dict[str, str]:
        """The same criteria as query parameters of the queue page."""
        return {k: str(v) for k, v in self.as_json().items()}

    @property
    def narrowed(self) -> bool:
        return any(k != "sort" for k in self.as_json())


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


def parse(values: Mapping[str, Any]) -> Criteria:
    """Criteria from query parameters, a posted form or a saved filter's JSON."""
    problems = []
    texts = {name: _text(values, name) for name in FIELDS}
    for name in ("service", "project", "policy", "channel"):
        if len(texts[name]) > 200:
            problems.append(FieldProblem(name, "at most 200 characters"))
    if not ASSIGNEE.match(texts["assignee"]):
        problems.append(FieldProblem("assignee", "me, none or a reviewer's key id"))
    min_age: int | None = None
    if texts["min_age_days"]:
        try:
            min_age = int(texts["min_age_days"])
            if not 0 <= min_age <= 3650:
                raise ValueError
        except ValueError:
            problems.append(FieldProblem("min_age_days", "a whole number of days, 0 to 3650"))
    release_before: date | None = None
    if texts["release_before"]:
        try:
            release_before = date.fromisoformat(texts["release_before"])
        except ValueError:
            problems.append(FieldProblem("release_before", "a date, YYYY-MM-DD"))
    sort = texts["sort"] or "oldest"
    if sort not in SORTS:
        problems.append(FieldProblem("sort", f"one of {', '.join(SORTS)}"))
    if problems:
        raise ValidationFailed("the queue filter has problems", problems=problems)
    return Criteria(texts["service"], texts["project"], texts["policy"], texts["channel"], texts["assignee"],
                    min_age, release_before, sort)
