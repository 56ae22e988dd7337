"""Media in, fingerprints out, and the indexes that search them.

This package knows nothing of rights, records or the log. The ledger calls:

- :class:`Fingerprinter` (``fingerprint_file(path_or_bytes, purpose=...)``) to
  turn a file into :class:`MediaFingerprints`, which it stores (``to_dict``);
- :class:`IndexSet` (``open`` / ``add_asset`` / ``add_person`` / ``remove`` /
  ``save`` / ``rebuild``) to keep one FAISS index per channel in its data directory;
- :func:`match` to search a query's fingerprints, returning a :class:`MatchResult`
  (``to_dict`` gives the documented JSON);
- ``Fingerprinter(config).status`` (a :class:`ChannelStatus`) for ``clearance doctor``;
- :meth:`EmbeddingsConfig.from_mapping` to build the configuration from plain
  values (:func:`config_fields` lists the settings and their types).

Importing this package loads neither torch, open_clip, dlib, FAISS, OpenCV nor
PyAV: each channel imports its library when it first runs, and the semantic
channel imports torch only after finding that CLIP weights exist.
"""

import importlib
from typing import TYPE_CHECKING, Any

from .config import ConfigField, EmbeddingsConfig, config_fields
from .errors import ConfigError, EmbeddingsError, FingerprintFormatError, IndexCorrupt, MediaError, ModelUnavailable

if TYPE_CHECKING:
    from .fingerprint import Fingerprinter, FrameFingerprint, MediaFingerprints, fingerprint_path_in_worker
    from .index import IndexKey, IndexSet
    from .matching import Alignment, FrameMatch, MatchResult, OwnerSummary, match
    from .media import DecodedMedia, Frame, load_media
    from .status import ChannelState, ChannelStatus

_LAZY = {
    "Alignment": "matching",
    "ChannelState": "status",
    "ChannelStatus": "status",
    "DecodedMedia": "media",
    "Fingerprinter": "fingerprint",
    "Frame": "media",
    "FrameFingerprint": "fingerprint",
    "FrameMatch": "matching",
    "IndexKey": "index",
    "IndexSet": "index",
    "MatchResult": "matching",
    "MediaFingerprints": "fingerprint",
    "OwnerSummary": "matching",
    "fingerprint_path_in_worker": "fingerprint",
    "load_media": "media",
    "match": "matching",
}
"""Names whose modules load NumPy, Pillow and the rest on first use, so that reading the
configuration (as every ``clearance`` command does) costs none of them."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'embeddings' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Alignment", "ChannelState", "ChannelStatus", "ConfigError", "ConfigField", "DecodedMedia",
    "EmbeddingsConfig", "EmbeddingsError", "FingerprintFormatError", "Fingerprinter", "Frame", "FrameFingerprint",
    "FrameMatch", "IndexCorrupt",
    "IndexKey", "IndexSet", "MatchResult", "MediaError", "MediaFingerprints", "ModelUnavailable",
    "OwnerSummary", "config_fields", "fingerprint_path_in_worker", "load_media", "match",
]
