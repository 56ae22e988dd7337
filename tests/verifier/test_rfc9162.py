"""RFC 9162 proof verification against transparency-dev/merkle's reference vectors (../shared/data/merkle-vectors)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from clearance_verify.rfc9162 import ProofInvalid, hash_children, hash_leaf, verify_consistency, verify_inclusion


def _b(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _vectors(shared_data: Path, kind: str) -> list[tuple[str, dict]]:
    files = sorted((shared_data / "merkle-vectors" / kind).rglob("*.json"))
    assert files, f"no {kind} vectors found"
    return [(str(f.relative_to(shared_data)), json.loads(f.read_text())) for f in files]


def _outcome(check, *args) -> bool:  # type: ignore[no-untyped-def]
    try:
        check(*args)
        return True
    except ProofInvalid:
        return False


def test_every_inclusion_vector(shared_data: Path) -> None:
    seen = {True: 0, False: 0}
    for name, v in _vectors(shared_data, "inclusion"):
        ok = _outcome(verify_inclusion, v["leafIdx"], v["treeSize"], _b(v["leafHash"]),
                      [_b(p) for p in v["proof"] or []], _b(v["root"]))
        assert ok != v["wantErr"], f"{name}: {v['desc']}"
        seen[v["wantErr"]] += 1
    assert seen[False] >= 5 and seen[True] >= 50


def test_every_consistency_vector(shared_data: Path) -> None:
    seen = {True: 0, False: 0}
    for name, v in _vectors(shared_data, "consistency"):
        ok = _outcome(verify_consistency, v["size1"], v["size2"], _b(v["root1"]), _b(v["root2"]),
                      [_b(p) for p in v["proof"] or []])
        assert ok != v["wantErr"], f"{name}: {v['desc']}"
        seen[v["wantErr"]] += 1
    assert seen[False] >= 5 and seen[True] >= 50


def _root(leaves: list[bytes]) -> bytes:
    """The tree hash by RFC 9162's recursive definition (MTH), split at the largest power of two below n."""
    if len(leaves) == 1:
        return hash_leaf(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hash_children(_root(leaves[:k]), _root(leaves[k:]))


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) by the RFC's recursive definition."""
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*_path(m, leaves[:k]), _root(leaves[k:])]
    return [*_path(m - k, leaves[k:]), _root(leaves[:k])]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_recursive_paths_verify_and_a_changed_leaf_fails(size: int) -> None:
    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(size)]
    root = _root(leaves)
    for index in range(size):
        verify_inclusion(index, size, hash_leaf(leaves[index]), _path(index, leaves), root)
        with pytest.raises(ProofInvalid):
            verify_inclusion(index, size, hash_leaf(leaves[index] + b"x"), _path(index, leaves), root)
