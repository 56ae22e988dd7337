"""Each record kind answers reads, lists and writes in its own documented shape."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.api.schemas.records import CHANGED_MODELS, READ_MODELS, WRITTEN_MODELS, LineageNode
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.db import table_of
from ledger.records.kinds import KINDS


def test_every_kind_has_read_and_written_models_with_its_columns() -> None:
    assert set(READ_MODELS) == set(WRITTEN_MODELS) == set(CHANGED_MODELS) == set(KINDS)
    for name, kind in KINDS.items():
        columns = {c.name for c in table_of(kind.table).columns}
        assert set(READ_MODELS[name].model_fields) == columns | {"record_type"}
        assert WRITTEN_MODELS[name].model_fields["record"].annotation is READ_MODELS[name]
        assert "dependents" in CHANGED_MODELS[name].model_fields


def test_read_list_and_create_answer_the_stored_record_unchanged(sqlite_ctx: Clearance) -> None:
    key, _ = create_key(sqlite_ctx, "admin")
    client = TestClient(create_app(sqlite_ctx))
    headers = {"Authorization": f"Bearer {key}"}
    created = client.post("/v1/parties", json={"kind": "person", "name": "Ada", "aliases": ["A."]}, headers=headers)
    assert created.status_code == 201, created.text
    record: dict[str, Any] = created.json()["record"]
    assert record["record_type"] == "party" and record["aliases"] == ["A."]
    read = client.get(f"/v1/parties/{record['id']}", headers=headers).json()
    assert read == record
    listed = client.get("/v1/parties", headers=headers).json()
    assert listed["items"] == [record] and listed["total"] == 1 and listed["next_cursor"] is None


def test_lineage_node_is_recursive() -> None:
    leaf = {"model_id": "m2", "name": "b", "version": "1", "relationship": "fine_tuned_from",
            "checkpoint_sha256": None, "developer_id": None, "parents": []}
    tree = {**leaf, "model_id": "m1", "relationship": None, "parents": [leaf]}
    assert LineageNode.model_validate(tree).model_dump(mode="json") == tree
