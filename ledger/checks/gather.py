"""The check's reads: prompt findings and the facts of every record a decision touches."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ledger.checks.decide import Gathered, asset_ids, people_ids
from ledger.checks.facts import asset_facts, person_facts
from ledger.checks.models import Clip
from ledger.checks.screening import screen_prompt


def gather(session: Session, clip: Clip, owners: list[dict[str, Any]], channels: dict[str, Any]) -> Gathered:
    """Screen the prompt and read the records that the clip's request, matches and prompt name."""
    prompt = screen_prompt(session, clip.prompt)
    assets = [asset_facts(session, a, clip.release_date) for a in asset_ids(clip, owners, prompt)]
    people = [person_facts(session, p, clip.release_date) for p in people_ids(clip, owners, prompt, assets)]
    return Gathered(clip=clip, owners=owners, channels=channels, prompt=prompt, assets=assets, people=people)
