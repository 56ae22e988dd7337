"""The check's reads: prompt findings and the facts of every record a decision touches."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from ledger.checks.decide import Gathered, asset_ids, people_ids
from ledger.checks.facts import asset_facts, person_facts
from ledger.checks.lineage_facts import licensed_lineage, offer_request, own_training_request
from ledger.checks.models import Check, Clip
from ledger.checks.screening import screen_prompt


def gather(session: Session, clip: Clip, owners: list[dict[str, Any]], channels: dict[str, Any]) -> Gathered:
    """Screen the prompt and read the records that the clip's request, matches and prompt name."""
    prompt = screen_prompt(session, clip.prompt)
    assets = [asset_facts(session, a, clip.release_date) for a in asset_ids(clip, owners, prompt)]
    people = [person_facts(session, p, clip.release_date) for p in people_ids(clip, owners, prompt, assets)]
    lineage = licensed_lineage(session, clip.model_id, clip.licensee_id)
    offers = [offer_request(session, model_id, clip.media, clip.territories, clip.release_date)
              for model_id in lineage.held_by_others]
    own = own_training_request(session, lineage.own_models, clip.media, clip.territories, clip.release_date)
    offers += [own] if own is not None else []
    return Gathered(clip=clip, owners=owners, channels=channels, prompt=prompt, assets=assets, people=people,
                    licensed_models=lineage.licensed_models, fine_tuned_bases=lineage.fine_tuned_bases,
                    models=lineage.models, offers=offers, parent_check_id=_parent_check(session, clip))


def _parent_check(session: Session, clip: Clip) -> str | None:
    """The latest check of the clip this one is an edit of."""
    if not clip.parent_clip_id:
        return None
    query = select(Check.id).where(Check.clip_id == clip.parent_clip_id).order_by(col(Check.log_index).desc())
    return session.exec(query).first()
