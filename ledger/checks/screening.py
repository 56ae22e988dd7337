"""Prompt screening: registered people's names and aliases, protected works' titles.

Only what a person entered or confirmed is screened: names and aliases of
parties, and asset titles unless the title was derived (``register`` titles an
asset after its file name and marks it ``derived``). Matching ignores case and
accents (``zoe`` finds ``Zoë``) and takes whole words only. Each finding keeps
the registered term it matched (``matched``) and quotes the prompt's own text
(``quote``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from ledger.records import models as m
from ledger.records.enums import TitleSource

MIN_TERM = 3


@dataclass
class PromptFindings:
    people: list[dict[str, str]] = field(default_factory=list)
    works: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"people": self.people, "works": self.works}


class Folded:
    """Text with case and accents folded away, remembering where each folded character came from."""

    def __init__(self, text: str) -> None:
        self.text = text
        chars: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(text):
            for part in unicodedata.normalize("NFKD", char):
                if unicodedata.combining(part):
                    continue
                for folded in part.casefold():
                    chars.append(folded)
                    origin.append(index)
        self.folded = "".join(chars)
        self._origin = origin

    def quote(self, start: int, end: int) -> str:
        """The original text behind ``folded[start:end]``."""
        return self.text[self._origin[start]: self._origin[end - 1] + 1]


def fold(text: str) -> str:
    return Folded(text).folded


def _find(term: str, prompt: Folded) -> str | None:
    """The prompt's text where ``term`` occurs as whole words (case and accents ignored), else ``None``."""
    folded = fold(term).strip()
    if len(folded) < MIN_TERM:
        return None
    found = re.search(rf"(?<!\w){re.escape(folded)}(?!\w)", prompt.folded)
    return prompt.quote(found.start(), found.end()) if found else None


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
    text = Folded(prompt)
    for party in session.exec(select(m.Party).where(m.Party.kind == "person")).all():
        for term in [party.name, *party.aliases]:
            quote = _find(term, text)
            if quote is not None:
                findings.people.append({"id": party.id, "name": party.name, "matched": term, "quote": quote})
                break
    screened = or_(col(m.Asset.title_source).is_(None), col(m.Asset.title_source) != TitleSource.derived)
    for asset in session.exec(select(m.Asset).where(m.Asset.role != "likeness_reference", screened)).all():
        for term in _title_terms(asset.title):
            quote = _find(term, text)
            if quote is not None:
                findings.works.append({"id": asset.id, "title": asset.title, "matched": term, "quote": quote})
                break
    return findings
