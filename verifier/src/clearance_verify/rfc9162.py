"""Merkle tree hashing and proof verification as RFC 9162 section 2.1 specifies them (SHA-256)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


class ProofInvalid(Exception):
    """A proof does not lead to the expected root."""


def hash_leaf(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _check_lengths(hashes: Sequence[bytes]) -> None:
    if any(len(h) != 32 for h in hashes):
        raise ProofInvalid("a hash is not 32 bytes long")


def verify_inclusion(leaf_index: int, tree_size: int, leaf_hash: bytes, path: Sequence[bytes],
                     root: bytes) -> None:
    """RFC 9162 2.1.3.2: raise ProofInvalid unless ``path`` proves the leaf at ``leaf_index`` under ``root``."""
    _check_lengths([leaf_hash, root, *path])
    if not 0 <= leaf_index < tree_size:
        raise ProofInvalid(f"leaf index {leaf_index} is outside a tree of size {tree_size}")
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    for p in path:
        if sn == 0:
            raise ProofInvalid("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofInvalid("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofInvalid("inclusion proof does not lead to the checkpoint's root")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       path: Sequence[bytes]) -> None:
    """RFC 9162 2.1.4.2: raise ProofInvalid unless ``path`` proves the tree of ``first`` a prefix of ``second``."""
    if first > second or first < 0:
        raise ProofInvalid(f"no consistency from size {first} to the smaller size {second}")
    if first == 0:
        raise ProofInvalid("a consistency proof from the empty tree is not defined")
    if first == second:  # nothing to compute: the two roots must simply be the same
        if path or first_root != second_root:
            raise ProofInvalid("equal sizes need an empty proof and equal roots")
        return
    _check_lengths([first_root, second_root, *path])
    if not path:
        raise ProofInvalid("consistency proof is empty")
    hashes = list(path)
    if first & (first - 1) == 0:
        hashes.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = hashes[0]
    for c in hashes[1:]:
        if sn == 0:
            raise ProofInvalid("consistency proof is longer than needed")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofInvalid("consistency proof is shorter than needed")
    if fr != first_root:
        raise ProofInvalid("consistency proof does not lead to the earlier root")
    if sr != second_root:
        raise ProofInvalid("consistency proof does not lead to the later root")
