"""Prompt screening: registered people's names and aliases, protected works' titles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from ledger.records import models as m

MIN_TERM = 3


@dataclass
class PromptFindings:
    people: list[dict[str, str]] = field(default_factory=list)
    works: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"people": self.people, "works": self.works}


def _found(term: str, prompt: str) -> bool:
    return len(term) >= MIN_TERM and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", prompt, re.IGNORECASE) is not None


def _title_terms(title: str) -> list[str]:
    """A title and its main part before a parenthesis, colon, dash or spaced hyphen ("Harbor at Dusk (1998)").

    A hyphen inside a word ("Lamp-Post") does not cut the title: its first half alone is a common word.
    """
    main = re.split(r"\s*[(:\u2014]\s*|\s+-+\s+", title, maxsplit=1)[0].strip()
    return list(dict.fromkeys(t for t in (title.strip(), main) if t))


def screen_prompt(session: Session, prompt: str) -> PromptFindings:
    findings = PromptFindings()
    if not prompt.strip():
        return findings
    for party in session.exec(select(m.Party).where(m.Party.kind == "person")).all():
        for term in [party.name, *party.aliases]:
            if _found(term, prompt):
                findings.people.append({"id": party.id, "name": party.name, "matched": term})
                break
    for asset in session.exec(select(m.Asset).where(m.Asset.role != "likeness_reference")).all():
        for term in _title_terms(asset.title):
            if _found(term, prompt):
                findings.works.append({"id": asset.id, "title": asset.title, "matched": term})
                break
    return findings
