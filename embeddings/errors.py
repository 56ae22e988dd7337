"""Errors raised by the embeddings package.

``embeddings`` is independent of the ledger, so it has its own small hierarchy
rooted at :class:`EmbeddingsError`. The ledger maps these onto its own
``ClearanceError`` classes (bad media -> 4xx, unavailable model -> 503, ...).
Every message names the file, setting or limit involved.
"""

from __future__ import annotations

from typing import Any


class EmbeddingsError(Exception):
    """Root of every error this package raises on purpose."""

    title = "Embeddings error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def diagnostics(self) -> str:
        """A one-paragraph, human-readable explanation."""
        return f"{self.title}: {self.detail}"


class ConfigError(EmbeddingsError, ValueError):
    """A configuration value does not fit its field (or names no field).

    ``field`` is the :class:`~embeddings.config.EmbeddingsConfig` field,
    ``expected`` what it accepts, ``value`` what was given.
    """

    title = "Bad embeddings setting"

    def __init__(self, field: str, expected: str, value: object, *, unknown: bool = False) -> None:
        self.field = field
        self.expected = expected
        self.value = value
        self.unknown = unknown
        if unknown:
            detail = f"unknown setting {field!r}; expected {expected}"
        else:
            detail = f"{field}: expected {expected}, got {value!r}"
        super().__init__(detail)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (ConfigError, (self.field, self.expected, self.value), {"unknown": self.unknown}))


class MediaError(EmbeddingsError):
    """A file cannot be decoded: truncated, mislabelled, unsupported or over a limit.

    ``source`` names the file (or ``<bytes>``); ``limit`` names the limit
    setting that was exceeded, when one was.
    """

    title = "Unusable media"

    def __init__(self, source: str, reason: str, *, limit: str | None = None) -> None:
        self.source = source
        self.reason = reason
        self.limit = limit
        detail = f"{source}: {reason}"
        if limit:
            detail += f" (limit {limit})"
        super().__init__(detail)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by fields, so the error crosses a process pool intact."""
        return (_rebuild, (MediaError, (self.source, self.reason), {"limit": self.limit}))


class ModelUnavailable(EmbeddingsError):
    """A channel's model cannot be loaded; ``setting`` names the configuration to fix."""

    title = "Model unavailable"

    def __init__(self, channel: str, reason: str, *, setting: str) -> None:
        self.channel = channel
        self.reason = reason
        self.setting = setting
        super().__init__(f"{channel}: {reason} (setting {setting})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (ModelUnavailable, (self.channel, self.reason), {"setting": self.setting}))


class IndexCorrupt(EmbeddingsError):
    """A persisted index does not match its manifest; rebuild it from the stored fingerprints."""

    title = "Index needs a rebuild"


class FingerprintFormatError(EmbeddingsError):
    """A stored fingerprint record cannot be read back (wrong version or shape)."""

    title = "Bad fingerprint record"


def _rebuild(cls: type[EmbeddingsError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> EmbeddingsError:
    """Unpickling helper for errors with keyword-only fields."""
    return cls(*args, **kwargs)
