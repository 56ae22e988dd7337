"""The logged decision on offering a model to a third party, as a table (see :mod:`ledger.checks.offers`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, Session, SQLModel

from ledger.log.events import Envelope
from ledger.log.projection import Projections


class ModelOffer(SQLModel, table=True):
    """A logged decision on offering a model to a third party (a model license)."""

    __tablename__ = "model_offers"
    id: str = Field(primary_key=True)
    model_id: str = Field(index=True)
    model_license_id: str = Field(index=True)
    licensor_id: str
    licensee_id: str
    verdict: str
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    relied_on: list[str] = Field(default_factory=list, sa_type=JSON)
    lineage: list[str] = Field(default_factory=list, sa_type=JSON)
    assets: list[str] = Field(default_factory=list, sa_type=JSON)
    policy_set_hash: str
    inputs_sha256: str
    log_index: int


def _decided(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    session.add(ModelOffer(id=envelope.subject_id or "", log_index=envelope.index, **payload))
    session.flush()


def register(projections: Projections) -> None:
    """Hand the model offer decisions' handler and table to the log's registry."""
    projections.on_each({"model_offer.decided": _decided})
    projections.replays([ModelOffer])
