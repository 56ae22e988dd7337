"""The check's reads: prompt findings and the facts of every record a decision touches."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from ledger.checks.decide import Gathered, asset_ids, people_ids
from ledger.checks.facts import asset_facts, person_facts
from ledger.checks.lineage_facts import licensed_lineage, offer_request, own_training_request, tool_facts
from ledger.checks.models import Check, Clip
from ledger.checks.screening import screen_prompt
from policies import ModelFacts


def gather(session: Session, clip: Clip, owners: list[dict[str, Any]], channels: dict[str, Any]) -> Gathered:
    """Screen the prompt and read the records that the clip's request, matches and prompt name."""
    prompt = screen_prompt(session, clip.prompt)
    assets = [asset_facts(session, a, clip.release_date) for a in asset_ids(clip, owners, prompt)]
    tool = tool_facts(session, clip.model_id)  # a tool dedicated to one person: the clip carries them
    dedicated = [tool.dedicated_to] if tool and tool.dedicated_to else []
    people = [person_facts(session, p, clip.release_date)
              for p in dict.fromkeys([*people_ids(clip, owners, prompt, assets), *dedicated])]
    lineage = licensed_lineage(session, clip.model_id, clip.licensee_id)
    offers = [offer_request(session, model_id, clip.media, clip.territories, clip.release_date)
              for model_id in lineage.held_by_others]
    own = own_training_request(session, lineage.own_models, clip.media, clip.territories, clip.release_date)
    offers += [own] if own is not None else []
    return Gathered(clip=clip, owners=owners, channels=channels, prompt=prompt, assets=assets, people=people,
                    licensed_models=lineage.licensed_models, fine_tuned_bases=lineage.fine_tuned_bases,
                    models=_with_tool(lineage.models, tool), clip_models=[tool.id] if tool else [],
                    offers=offers, parent_check_id=_parent_check(session, clip))


def _with_tool(models: list[ModelFacts], tool: ModelFacts | None) -> list[ModelFacts]:
    """The lineage's models with the clip's dedicated tool, once (a licensed model keeps its licenses)."""
    if tool is None:
        return models
    if any(model.id == tool.id for model in models):
        own = {name: getattr(tool, name) for name in type(tool).model_fields if name not in ("id", "name", "licenses")}
        return [model.model_copy(update=own) if model.id == tool.id else model for model in models]
    return [*models, tool]


def _parent_check(session: Session, clip: Clip) -> str | None:
    """The latest check of the clip this one is an edit of."""
    if not clip.parent_clip_id:
        return None
    query = select(Check.id).where(Check.clip_id == clip.parent_clip_id).order_by(col(Check.log_index).desc())
    return session.exec(query).first()
