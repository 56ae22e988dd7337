"""RFC 9162 Merkle tree arithmetic, with no I/O.

The tree over leaves ``d[0:n]`` hashes a leaf as ``SHA-256(0x00 || bytes)`` and an
interior node as ``SHA-256(0x01 || left || right)``. Every subtree that the RFC's
recursion ever asks about is a *range* ``[start, end)`` whose left part is a
perfect (power-of-two, aligned) subtree. Perfect subtrees are what the store
keeps, addressed as ``(level, index)``: the subtree at ``level`` ``L`` and
``index`` ``i`` covers leaves ``[i * 2**L, (i + 1) * 2**L)``. Each one is kept
with the entry of its last leaf, so appending a leaf writes one row.

Proof generation is split in two so the store can fetch everything it needs in
one query: :func:`inclusion_ranges` / :func:`consistency_ranges` say *which*
ranges a proof consists of, :func:`perfect_parts` says which stored nodes make
up a range, and :func:`range_hash` folds them. Verification follows RFC 9162
sections 2.1.3.2 and 2.1.4.2 exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]
"""(level, index) of a perfect subtree."""


class ProofError(ValueError):
    """A proof is malformed or does not verify."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


# ---------------------------------------------------------------- structure

def perfect_parts(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees that make up range ``[start, end)``, left to right.

    ``start`` must be aligned the way the RFC recursion produces ranges (true for
    every range returned by this module and for ``[0, n)``).
    """
    parts: list[NodeKey] = []
    while start < end:
        size = end - start
        width = 1 << (size.bit_length() - 1) if size & (size - 1) else size
        level = width.bit_length() - 1
        parts.append((level, start >> level))
        start += width
    return parts


def range_hash(start: int, end: int, node: Callable[[NodeKey], bytes]) -> bytes:
    """MTH of leaves ``[start, end)`` from the stored perfect subtrees."""
    if start == end:
        return EMPTY_ROOT
    parts = perfect_parts(start, end)
    acc = node(parts[-1])
    for key in reversed(parts[:-1]):
        acc = node_hash(node(key), acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Ranges whose hashes form the inclusion proof of leaf ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start = start + k
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """Ranges whose hashes form the consistency proof from ``size1`` to ``size2``."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    ranges: list[tuple[int, int]] = []
    m, start, end, complete = size1, 0, size2, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = _split(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m -= k
            start += k
            complete = False
    ranges.reverse()
    return ranges


def nodes_for(ranges: Sequence[tuple[int, int]]) -> set[NodeKey]:
    keys: set[NodeKey] = set()
    for start, end in ranges:
        keys.update(perfect_parts(start, end))
    return keys


# ---------------------------------------------------------------- appending

def extend(frontier: list[bytes], size: int, leaf: bytes) -> bytes:
    """Add leaf hash ``leaf`` to a tree of ``size`` whose right frontier is ``frontier``, in place.

    The frontier lists the hashes of ``perfect_parts(0, size)`` left to right.
    Returns the hashes of the perfect subtrees whose last leaf is this one,
    concatenated from level 0 (the leaf itself) upwards: leaf ``size`` completes
    one subtree per trailing 1-bit of ``size``. Stored beside the entry, they are
    every node a proof can ask for (see :func:`node_home`).
    """
    if not size & 1:  # half of all leaves complete nothing but themselves
        frontier.append(leaf)
        return leaf
    completed = [leaf]
    acc, index = leaf, size
    while index & 1:
        acc = node_hash(frontier.pop(), acc)
        completed.append(acc)
        index >>= 1
    frontier.append(acc)
    return b"".join(completed)


def node_home(key: NodeKey) -> tuple[int, int]:
    """Where the hash of perfect subtree ``key`` is kept: the index of its last leaf's
    entry and the byte offset within that entry's completed hashes (see :func:`extend`)."""
    level, index = key
    return ((index + 1) << level) - 1, level * HASH_SIZE


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """Root of the tree whose right frontier is ``frontier``."""
    if not frontier:
        return EMPTY_ROOT
    acc = frontier[-1]
    for h in reversed(frontier[:-1]):
        acc = node_hash(h, acc)
    return acc


# ---------------------------------------------------------------- verifying

def _check_hashes(*hashes: bytes) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ProofError(f"a hash has {len(h)} bytes, expected {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf`` at ``index`` (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hashes(leaf, *proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree allows")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree requires")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows ``leaf`` at ``index`` under ``root``."""
    _check_hashes(root)
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"inclusion proof for leaf {index} does not lead to the root of tree size {size}")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows tree ``size1`` is a prefix of ``size2``."""
    if size2 < size1:
        raise ProofError(f"size {size2} is smaller than size {size1}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise ProofError("a consistency proof between equal sizes must be empty")
        if root1 != root2:
            raise ProofError(f"two different roots for the same tree size {size1}")
        return
    _check_hashes(root1, root2, *proof)
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the trees allow")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the trees require")
    if fr != root1:
        raise ProofError(f"the consistency proof does not lead to the root of size {size1}")
    if sr != root2:
        raise ProofError(f"the consistency proof does not lead to the root of size {size2}")
