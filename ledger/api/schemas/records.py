"""Answers of the record routes: each kind's stored shape, generated from its table, and model lineage."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from ledger.api.schemas.common import Written, WrittenWithDependents, _Open, camel, row_model
from ledger.records.kinds import KINDS, RecordKind


def _read_model(kind: RecordKind[Any, Any]) -> type[_Open]:
    label = kind.name.replace("_", " ")
    return row_model(kind.table, f"{camel(kind.name)}Record",
                     f"One {label} as stored: the fields it was registered with (as amended), its id, the log "
                     "index that created it, and any revocation or release state.",
                     record_type=(Literal[kind.name], Field(description="the record's kind")))


READ_MODELS: dict[str, type[_Open]] = {name: _read_model(kind) for name, kind in KINDS.items()}
"""Kind name -> the shape of one stored record of that kind."""


def _written(kind_name: str, base: type[Written]) -> type[Written]:
    suffix = "Written" if base is Written else "WrittenWithDependents"
    model: type[Written] = create_model(f"{camel(kind_name)}{suffix}", __base__=base,
                                        record=(READ_MODELS[kind_name], Field(description="the record as stored")))
    return model


WRITTEN_MODELS: dict[str, type[Written]] = {name: _written(name, Written) for name in KINDS}
"""Kind name -> the answer to creating (or releasing) a record of that kind."""

CHANGED_MODELS: dict[str, type[Written]] = {name: _written(name, WrittenWithDependents) for name in KINDS}
"""Kind name -> the answer to revoking or amending a record of that kind (with its dependents)."""


class LineageNode(_Open):
    """A model, how it derives from the node above it (null at the root), and its own parents."""

    model_id: str
    name: str
    version: str
    relationship: str | None = Field(description="fine_tuned, distilled, merged or adapter (null at the root)")
    checkpoint_sha256: str | None
    developer_id: str | None
    parents: list[LineageNode]
