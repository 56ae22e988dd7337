"""``model add --parent``, ``model show`` as a tree and ``model-license`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.cli.lineage_view import parse_parents
from ledger.errors import ValidationFailed
from tests.ledger.cli.test_cli import run


def test_parent_options_parse_into_parents() -> None:
    assert parse_parents(["base:fine_tuned_from", "other:merged_from:" + "ab" * 32]) == [
        {"model_id": "base", "relationship": "fine_tuned_from"},
        {"model_id": "other", "relationship": "merged_from", "checkpoint_sha256": "ab" * 32}]
    with pytest.raises(ValidationFailed) as raised:
        parse_parents(["base"])
    assert "fine_tuned_from" in str(raised.value)


@pytest.mark.slow   # several CLI processes (~25 s)
def test_lineage_on_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init")
    run(home, "party", "add", "kind=organisation", "name=Studio", "--id", "studio")
    run(home, "party", "add", "kind=person", "name=Sol", "--id", "sol")
    run(home, "model", "add", "name=Base", "version=1", "developer_id=studio", "--id", "base")
    run(home, "model", "add", "name=Style", "version=2", "developer_id=studio", "--id", "style",
        "--parent", "base:fine_tuned_from")
    run(home, "model", "add", "name=Sol cut", "version=1", "developer_id=sol", "--id", "sol-cut",
        "--parent", "style:adapter_on")
    tree = run(home, "model", "show", "sol-cut").stdout.decode()
    lines = [line for line in tree.splitlines() if line.strip()]
    assert lines[0].startswith("sol-cut Sol cut 1")
    assert "adapter_on style Style 2" in lines[1] and "fine_tuned_from base Base 1" in lines[2]
    shown = json.loads(run(home, "model", "show", "sol-cut", "--json").stdout)
    assert shown["lineage"]["parents"][0]["parents"][0]["model_id"] == "base"

    loop = run(home, "model", "add", "name=Loop", "version=1", "--id", "loop", "--parent", "loop:merged_from",
               check=False)
    assert loop.returncode == 2 and b"loop -> loop" in loop.stderr
    wrong = run(home, "party", "add", "kind=person", "name=X", "--parent", "base:fine_tuned_from", check=False)
    assert wrong.returncode == 2 and b"models only" in wrong.stderr

    # No training data on record: nothing forbids the offer; the license is then revocable and amendable.
    run(home, "model-license", "add", "licensor_id=studio", "licensee_id=sol", "model_id=style",
        'permitted_uses=["fine_tune","generate"]', 'media=["streaming"]', 'territories=["US"]',
        "starts_on=2025-01-01", "--id", "ml-1")
    amended = json.loads(run(home, "model-license", "amend", "ml-1", 'territories=["US","CA"]',
                             "--reason", "rider", "--json").stdout)
    assert amended["record"]["territories"] == ["US", "CA"]
    revoked = json.loads(run(home, "model-license", "revoke", "ml-1", "--reason", "ended", "--json").stdout)
    assert revoked["dependents"]["models"] == ["sol-cut"]
    assert b"OK" in run(home, "log", "verify").stdout
