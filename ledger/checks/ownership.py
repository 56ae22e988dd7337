"""Own production: the studio holds the rights to a work itself, so training on it needs no license.

The studio is the model's developer and the dataset's owner. A work is its own production when
the studio is its recorded rights holder, or when it was acquired as ``own_production`` and no
other rights holder is recorded. The policies read the result (``resource.own_production``).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ledger.records import models as m
from policies import AssetFacts


def studio_of(session: Session, version: m.DatasetVersion, model: m.AiModel | None) -> frozenset[str]:
    dataset = session.get(m.Dataset, version.dataset_id)
    return frozenset(i for i in (model.developer_id if model else None, dataset.owner_id if dataset else None) if i)


def is_own_production(acquisition: str, rights_holder_id: str | None, studio: frozenset[str]) -> bool:
    if rights_holder_id:
        return rights_holder_id in studio
    return acquisition == "own_production"


def mark_own_production(session: Session, facts: list[AssetFacts], studio: frozenset[str]) -> list[AssetFacts]:
    """``facts`` with ``own_production`` set from the assets' records."""
    rows = session.exec(select(m.Asset.id, m.Asset.acquisition_method, col(m.Asset.rights_holder_id))
                        .where(col(m.Asset.id).in_([f.id for f in facts]))).all()
    own = {i: is_own_production(str(getattr(a, "value", a)), holder, studio) for i, a, holder in rows}
    return [f.model_copy(update={"own_production": own.get(f.id, False)}) for f in facts]
