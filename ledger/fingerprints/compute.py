"""Fingerprinting one file with the context's fingerprinter, its errors as Clearance errors.

Apart from :mod:`ledger.fingerprints.service` (which also registers, and reads an asset's own C2PA
manifest through :mod:`ledger.signing`), so that what signing builds on, such as recovering a
stripped manifest by content, can fingerprint without importing registration.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from embeddings import DecodedMedia, EmbeddingsError, MediaFingerprints, ModelUnavailable
from ledger.context import Clearance
from ledger.errors import ConfigurationError, MediaRejected


def fingerprint(ctx: Clearance, data: bytes | Path, name: str, purpose: str, *,
                decoded: Callable[[DecodedMedia], None] | None = None) -> MediaFingerprints:
    try:
        return ctx.fingerprinter.fingerprint_file(data, purpose=purpose, name=name, decoded=decoded)  # type: ignore[arg-type]  # purpose is one of the Literal's values at every call site
    except ModelUnavailable as exc:
        raise ConfigurationError(exc.diagnostics()) from None
    except EmbeddingsError as exc:
        raise MediaRejected(exc.diagnostics(), extra={"file": name}) from None
