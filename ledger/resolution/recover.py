"""Recover the manifest of a file that lost it: ask this ledger (or a remote SBR service) by soft binding.

First the file's own ``io.iscc.v0`` value (``/matches/byBinding``), then the media itself
(``/matches/byContent``, the check's matcher); the best match's manifest store is fetched as signed.
A remote service is any C2PA Soft Binding Resolution API; ``CLEARANCE_RESOLVER_KEY`` (when set) is sent
as its bearer key.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ledger.context import Clearance
from ledger.errors import ConfigurationError
from ledger.provenance.media import sniff_media_type
from ledger.provenance.soft_binding import ISCC_ALG, compute_iscc
from ledger.resolution.by_binding import resolve_by_binding
from ledger.resolution.by_content import resolve_by_content
from ledger.resolution.signed import manifest_store

RESOLVER_KEY_ENV = "CLEARANCE_RESOLVER_KEY"


@dataclass(frozen=True)
class Recovered:
    manifest_id: str
    by: Literal["io.iscc.v0", "content"]
    score: int | None
    store: bytes
    source: str
    """``this ledger`` or the resolver's URL."""

    def as_json(self) -> dict[str, Any]:
        return {"manifest_id": self.manifest_id, "by": self.by, "score": self.score, "source": self.source,
                "binding": "soft"}


def _local(ctx: Clearance, data: bytes, binding: str, name: str) -> Recovered | None:
    found = resolve_by_binding(ctx, ISCC_ALG, binding, 1)
    if not found:
        found = resolve_by_content(ctx, data, name, 1)
    if not found:
        return None
    best = found[0]
    return Recovered(best.manifest_id, best.by, best.similarity_score, manifest_store(ctx, best.manifest_id),
                     "this ledger")


def _call(url: str, key: str | None, data: bytes | None = None, content_type: str | None = None) -> bytes:
    headers = {"Accept": "application/json, application/c2pa"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310  # the user names the resolver
            body: bytes = answer.read()
            return body
    except urllib.error.HTTPError as exc:
        raise ConfigurationError(f"the soft binding resolver answered {exc.code} to {url.split('?')[0]}"
                                 + (f" (set {RESOLVER_KEY_ENV})" if exc.code in (401, 403) else "")) from None
    except (urllib.error.URLError, OSError) as exc:
        raise ConfigurationError(f"the soft binding resolver at {url.split('?')[0]} cannot be reached: {exc}") from None


def _first_match(body: bytes, url: str) -> dict[str, Any] | None:
    try:
        matches = json.loads(body)["matches"]
    except (ValueError, KeyError, TypeError):
        raise ConfigurationError(f"{url} did not answer a soft binding query result") from None
    return matches[0] if matches else None


def _remote(base: str, key: str | None, data: bytes, binding: str, media_type: str) -> Recovered | None:
    base = base.rstrip("/")
    query = urllib.parse.urlencode({"alg": ISCC_ALG, "value": binding, "maxResults": 1})
    by: Literal["io.iscc.v0", "content"] = "io.iscc.v0"
    best = _first_match(_call(f"{base}/matches/byBinding?{query}", key), base)
    if best is None:
        by = "content"
        best = _first_match(_call(f"{base}/matches/byContent?maxResults=1", key, data, media_type), base)
    if best is None:
        return None
    manifest_id = str(best["manifestId"])
    endpoint = str(best.get("endpoint") or base).rstrip("/")
    store = _call(f"{endpoint}/manifests/{urllib.parse.quote(manifest_id, safe=':')}", key)
    score = best.get("similarityScore")
    return Recovered(manifest_id, by, int(score) if score is not None else None, store, base)


def recover(ctx: Clearance, path: Path, resolver_url: str | None = None,
            resolver_key: str | None = None) -> Recovered | None:
    """The manifest a file without one was signed with, found by soft binding; None when nothing matches.

    ``resolver_key``: the remote service's bearer key; default ``CLEARANCE_RESOLVER_KEY``.
    """
    data = Path(path).read_bytes()
    media_type = sniff_media_type(data[:32])
    if media_type is None:
        return None
    binding = compute_iscc(data, media_type).value
    if resolver_url:
        return _remote(resolver_url, resolver_key or os.environ.get(RESOLVER_KEY_ENV), data, binding, media_type)
    return _local(ctx, data, binding, Path(path).name)
