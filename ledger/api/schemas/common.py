"""Shapes shared by many answers: the log receipt of a write, the written record, a page.

Models allow extra members so a later addition to an answer is not silently dropped by the
response model. Routes that return plain dicts are declared with ``response_model_exclude_unset``
(see :data:`AS_GIVEN`), so an optional member the code leaves out stays out instead of turning
into ``null``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlmodel import SQLModel

AS_GIVEN: dict[str, Any] = {"response_model_exclude_unset": True}
"""Route options for an answer built as a dict: members the code did not set are not added."""


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RequestBody(BaseModel):
    """A JSON request body: members it does not name are refused, and the OpenAPI schema says so
    (``additionalProperties: false``), so a client built from the schema sends what the server takes."""

    model_config = ConfigDict(extra="forbid")


class LogReceipt(_Open):
    """Where a write landed in the log, with its inclusion proof against the signed checkpoint."""

    index: int
    leaf_hash: str = Field(description="base64 SHA-256(0x00 || leaf)")
    tree_size: int
    inclusion_proof: list[str] = Field(description="base64 node hashes, leaf to root")
    checkpoint: str = Field(description="the signed checkpoint note the proof is against")


class EntryIndex(BaseModel):
    """Only the log index of an entry written in the same batch as a fuller receipt."""

    model_config = ConfigDict(extra="forbid")

    index: int


class Written(_Open):
    record: dict[str, Any] = Field(description="the record as stored (its kind's fields, id, log_index)")
    log: LogReceipt


class Dependents(_Open):
    assets: list[str] = Field(default_factory=list)
    dataset_versions: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    released_clips: list[str] = Field(default_factory=list)


class WrittenWithDependents(Written):
    dependents: Dependents = Field(description="what relied on the earlier terms")


class LoggedOnly(_Open):
    log: LogReceipt


def camel(name: str) -> str:
    """``estate_permission`` -> ``EstatePermission`` (names of generated schemas)."""
    return "".join(part.capitalize() for part in name.split("_"))


def row_model(table: type[SQLModel], name: str, doc: str, **more: Any) -> type[_Open]:
    """A response model with one member per column of ``table``, as a row's JSON carries them.

    The annotations are the table's own; its validators and input constraints are not carried over
    (the row was validated when it was written). ``more`` adds members, as ``create_model`` takes them.
    """
    fields: dict[str, Any] = {
        column: (info.annotation, Field(description=info.description)) for column, info in table.model_fields.items()}
    model: type[_Open] = create_model(name, __base__=_Open, __doc__=doc, **fields, **more)
    return model
