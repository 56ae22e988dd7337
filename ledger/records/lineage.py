"""Model lineage: a model's ancestors and descendants, its effective training data, and cycle refusal.

A model names its parents (``AiModel.parents``: fine-tuned from, distilled from, merged from,
adapter on) and the ``model_lineage`` table indexes them. The lineage is acyclic: a model is
refused when it would be its own ancestor. A model's *effective* training data is its own
dataset versions plus those of every ancestor, since a fine-tune carries what its base learnt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from ledger.errors import FieldProblem
from ledger.records import models as m


@dataclass
class LineageNode:
    """One model in a lineage tree, with how it derives from the node above it."""

    model_id: str
    name: str
    version: str
    relationship: str | None = None
    checkpoint_sha256: str | None = None
    developer_id: str | None = None
    parents: list[LineageNode] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "name": self.name, "version": self.version,
                "relationship": self.relationship, "checkpoint_sha256": self.checkpoint_sha256,
                "developer_id": self.developer_id, "parents": [p.as_json() for p in self.parents]}


def parents_of(session: Session, model_id: str) -> list[str]:
    return list(session.exec(select(m.ModelLineage.parent_id).where(m.ModelLineage.model_id == model_id)).all())


def ancestors(session: Session, model_id: str) -> list[str]:
    """Every ancestor of a model, nearest first, each once."""
    found: list[str] = []
    frontier = [model_id]
    while frontier:
        rows = session.exec(select(m.ModelLineage.parent_id)
                            .where(col(m.ModelLineage.model_id).in_(frontier))).all()
        frontier = [p for p in dict.fromkeys(rows) if p not in found and p != model_id]
        found += frontier
    return found


def descendants(session: Session, model_ids: list[str]) -> list[str]:
    """Every model derived, directly or not, from any of ``model_ids`` (not those themselves)."""
    found: list[str] = []
    frontier = list(model_ids)
    while frontier:
        rows = session.exec(select(m.ModelLineage.model_id)
                            .where(col(m.ModelLineage.parent_id).in_(frontier))).all()
        frontier = [c for c in dict.fromkeys(rows) if c not in found and c not in model_ids]
        found += frontier
    return found


def effective_dataset_versions(session: Session, model_id: str) -> list[str]:
    """The model's own dataset versions, then each ancestor's, each once."""
    versions: list[str] = []
    for ident in [model_id, *ancestors(session, model_id)]:
        model = session.get(m.AiModel, ident)
        if model is not None:
            versions += model.dataset_version_ids
    return list(dict.fromkeys(versions))


def effective_asset_ids(session: Session, model_id: str) -> list[str]:
    """Every asset in the model's effective training data."""
    assets: list[str] = []
    for version_id in effective_dataset_versions(session, model_id):
        version = session.get(m.DatasetVersion, version_id)
        if version is not None:
            assets += version.asset_ids
    return list(dict.fromkeys(assets))


def tree(session: Session, model_id: str, relationship: str | None = None, checkpoint: str | None = None,
         seen: frozenset[str] = frozenset()) -> LineageNode:
    """The model and its ancestors as a tree (a model reached twice is shown under each child)."""
    model = session.get(m.AiModel, model_id)
    if model is None:
        return LineageNode(model_id, "(unknown)", "", relationship, checkpoint)
    node = LineageNode(model.id, model.name, model.version, relationship, checkpoint, model.developer_id)
    if model_id in seen:
        return node
    for raw in model.parents:  # the row holds the JSON form
        parent = m.ModelParent.model_validate(raw)
        node.parents.append(tree(session, parent.model_id, parent.relationship.value, parent.checkpoint_sha256,
                                 seen | {model_id}))
    return node


def lineage_problems(session: Session, model_id: str, model: m.AiModelFields) -> list[FieldProblem]:
    """A model may not be its own ancestor, and a parent checkpoint hash must be the parent's."""
    problems = []
    for i, parent in enumerate(model.parents):
        if parent.model_id == model_id:
            problems.append(FieldProblem(f"parents[{i}].model_id", f"model {model_id} cannot be its own parent "
                                         f"(cycle {model_id} -> {model_id})"))
            continue
        upward = ancestors(session, parent.model_id)
        if model_id in upward:
            path = [model_id, parent.model_id, *upward[:upward.index(model_id) + 1]]
            problems.append(FieldProblem(f"parents[{i}].model_id", "lineage would have a cycle: "
                                         + " -> ".join(path)))
        row = session.get(m.AiModel, parent.model_id)
        if (row is not None and parent.checkpoint_sha256 and row.checkpoint_sha256
                and parent.checkpoint_sha256 != row.checkpoint_sha256):
            problems.append(FieldProblem(f"parents[{i}].checkpoint_sha256",
                                         f"model {row.id} is recorded with checkpoint {row.checkpoint_sha256}"))
    return problems


def models_trained_on(session: Session, dataset_version_id: str) -> list[dict[str, Any]]:
    """Every model whose effective training data holds the version: trained on it, or derived from one that was.

    One row per model, oldest generation first: its id, name, version, developer, and how the version reached
    it (``trained on this version``, or the relationship to the parent it came through).
    """
    direct = sorted(session.exec(select(m.ModelTraining.model_id)
                                 .where(m.ModelTraining.dataset_version_id == dataset_version_id)).all())
    rows = []
    for model_id in [*direct, *(d for d in descendants(session, direct) if d not in direct)]:
        model = session.get(m.AiModel, model_id)
        if model is None:
            continue
        via = "trained on this version" if model_id in direct else "; ".join(
            f"{parent.relationship.value} {parent.model_id}"
            for parent in (m.ModelParent.model_validate(raw) for raw in model.parents))
        rows.append({"model": model.id, "name": model.name, "version": model.version,
                     "developer": model.developer_id or "", "via": via})
    return rows
