"""The verifier against transparency-dev/merkle's reference vectors (../shared/data/merkle-vectors)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from ledger.log import merkle


def _b(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _vectors(shared_data: Path, kind: str) -> list[tuple[str, dict]]:
    files = sorted((shared_data / "merkle-vectors" / kind).rglob("*.json"))
    assert files, f"no {kind} vectors found"
    return [(str(f.relative_to(shared_data)), json.loads(f.read_text())) for f in files]


def test_every_inclusion_vector(shared_data: Path) -> None:
    checked = {True: 0, False: 0}
    for name, v in _vectors(shared_data, "inclusion"):
        proof = [_b(p) for p in v["proof"] or []]
        try:
            merkle.verify_inclusion(v["leafIdx"], v["treeSize"], _b(v["leafHash"]), proof, _b(v["root"]))
            ok = True
        except merkle.ProofError:
            ok = False
        assert ok != v["wantErr"], f"{name}: {v['desc']}"
        checked[v["wantErr"]] += 1
    assert checked[False] >= 5 and checked[True] >= 50


def test_every_consistency_vector(shared_data: Path) -> None:
    checked = {True: 0, False: 0}
    for name, v in _vectors(shared_data, "consistency"):
        proof = [_b(p) for p in v["proof"] or []]
        try:
            merkle.verify_consistency(v["size1"], v["size2"], _b(v["root1"]), _b(v["root2"]), proof)
            ok = True
        except merkle.ProofError:
            ok = False
        assert ok != v["wantErr"], f"{name}: {v['desc']}"
        checked[v["wantErr"]] += 1
    assert checked[False] >= 5 and checked[True] >= 50


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162's recursive definition of MTH, written independently of the module."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 31, 64, 100])
def test_generated_proofs_verify_and_match_the_recursive_definition(size: int) -> None:
    leaves = [f"leaf {i}".encode() for i in range(size)]
    frontier: list[bytes] = []
    completed: list[bytes] = []  # per entry, as the store keeps them
    for i, leaf in enumerate(leaves):
        completed.append(merkle.extend(frontier, i, merkle.leaf_hash(leaf)))

    def node(key: merkle.NodeKey) -> bytes:
        level, index = key
        entry, offset = merkle.node_home(key)
        assert entry < size, f"node {key} would live beyond the last entry"
        stored = completed[entry][offset:offset + merkle.HASH_SIZE]
        assert stored == _reference_root(leaves[index << level:(index + 1) << level]), f"node {key}"
        return stored

    root = _reference_root(leaves)
    assert merkle.frontier_root(frontier) == root
    assert merkle.range_hash(0, size, node) == root
    for i in range(size):
        proof = [merkle.range_hash(a, b, node) for a, b in merkle.inclusion_ranges(i, size)]
        merkle.verify_inclusion(i, size, merkle.leaf_hash(leaves[i]), proof, root)
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(i, size, merkle.leaf_hash(b"other"), proof, root)
    for first in range(1, size):
        proof = [merkle.range_hash(a, b, node) for a, b in merkle.consistency_ranges(first, size)]
        merkle.verify_consistency(first, size, _reference_root(leaves[:first]), root, proof)
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(first, size, _reference_root(leaves[:first]), merkle.leaf_hash(b"x"), proof)


def test_proof_needs_logarithmic_nodes_at_a_million() -> None:
    size = 1_000_000
    ranges = merkle.inclusion_ranges(123_457, size)
    assert len(merkle.nodes_for(ranges)) <= 2 * 20
