"""Resolve an ``io.iscc.v0`` soft-binding value to the manifests whose logged ISCC it is close to.

Units compared (see :mod:`ledger.provenance.soft_binding`): an equal Instance-Code is the same bytes as
released (score 100). Otherwise the Content-Code decides: within ``sbr_iscc_max_distance`` bits (of 64)
it resolves, scored ``99 * (1 - bits / 64)`` rounded, never 100. A query without a Content-Code falls
back to the Data-Code under the same limit.
"""

from __future__ import annotations

from ledger.context import Clearance
from ledger.provenance.soft_binding import ISCC_ALG, BindingValueError, hamming, parse_iscc
from ledger.resolution.matches import Match, UnsupportedQuery
from ledger.resolution.signed import SignedManifest, signed_manifests

SUPPORTED = (ISCC_ALG,)


def _score(query: dict[str, bytes], logged: dict[str, bytes], max_bits: int) -> tuple[int, str] | None:
    if "instance" in query and query.get("instance") == logged.get("instance"):
        return 100, "identical Instance-Code: the same bytes as released"
    for unit in ("content", "data"):
        if unit in query and unit in logged:
            bits = hamming(query[unit], logged[unit])
            if bits > max_bits:
                return None
            return min(99, round(99 * (1 - bits / 64))), f"{unit.title()}-Code {bits} of 64 bits apart"
    return None


def resolve_by_binding(ctx: Clearance, alg: str, value: str, max_results: int) -> list[Match]:
    if alg not in SUPPORTED:
        raise UnsupportedQuery(f"soft binding algorithm {alg!r} is not supported; this service resolves "
                               f"{', '.join(SUPPORTED)}")
    try:
        query = parse_iscc(value)
    except BindingValueError as exc:
        raise UnsupportedQuery(f"the {alg} value: {exc}") from None
    with ctx.db.reader() as session:
        candidates = [s for s in signed_manifests(session) if s.soft_binding_alg == alg and s.soft_binding_value]
    found: list[Match] = []
    for signed in candidates:
        scored = _scored(signed, query, ctx.settings.sbr_iscc_max_distance)
        if scored is not None:
            found.append(scored)
    found.sort(key=lambda m: -m.similarity_score)
    return found[:max_results]


def _scored(signed: SignedManifest, query: dict[str, bytes], max_bits: int) -> Match | None:
    try:
        logged = parse_iscc(signed.soft_binding_value or "")
    except BindingValueError:
        return None
    scored = _score(query, logged, max_bits)
    if scored is None:
        return None
    return Match(manifest_id=signed.manifest_id, check_id=signed.check_id, clip_id=signed.clip_id,
                 similarity_score=scored[0], by="io.iscc.v0", evidence=scored[1])
