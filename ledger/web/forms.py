"""Posted console forms, checked field by field before anything runs (the problems name the field)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.errors import FieldProblem, ValidationFailed
from ledger.records.service import ID_PATTERN

TERRITORY = re.compile(r"^(?:[A-Z]{2}|WORLD)$")


@dataclass(frozen=True)
class AuditForm:
    version: str
    model: str | None
    territory: str
    as_of: date | None
    project: str | None


def _text(posted: Any, name: str) -> str:
    value = posted.get(name)
    return value.strip() if isinstance(value, str) else ""


def audit_form(posted: Any) -> AuditForm:
    """The datasets page's "run a logged audit" form."""
    problems = []
    version, model, territory = _text(posted, "version"), _text(posted, "model"), _text(posted, "territory") or "US"
    as_of_text, project = _text(posted, "as_of"), _text(posted, "project")
    if not ID_PATTERN.match(version):
        problems.append(FieldProblem("version", "choose a dataset version"))
    if model and not ID_PATTERN.match(model):
        problems.append(FieldProblem("model", "letters, digits and _.:- only"))
    if not TERRITORY.match(territory):
        problems.append(FieldProblem("territory", "an ISO 3166 alpha-2 code (US) or WORLD"))
    as_of = None
    if as_of_text:
        try:
            as_of = date.fromisoformat(as_of_text)
        except ValueError:
            problems.append(FieldProblem("as_of", "a date, YYYY-MM-DD"))
    if len(project) > 200:
        problems.append(FieldProblem("project", "at most 200 characters"))
    if problems:
        raise ValidationFailed("the audit form has problems", problems=problems)
    return AuditForm(version, model or None, territory, as_of, project or None)
