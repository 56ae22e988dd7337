"""Which channels ran, and which did not and why.

Every fingerprint record and match result carries a :class:`ChannelStatus`, so
a reviewer knows what was and was not looked at; ``clearance doctor`` prints
:meth:`ChannelStatus.lines` for the installation (``Fingerprinter(config).status``).

A channel that ran but searched less than everything registered (the compact
tier verifying keypoints on candidates only, an approximate IVF search) says
so in its ``coverage``, set by :func:`embeddings.matching.match`: a check's
"no match" covers what was searched, and the result names what was not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChannelState:
    """One channel: available or not, with a one-line reason or description."""

    name: str
    available: bool
    detail: str
    pretrained: bool | None = None   # semantic only: False marks an untrained plumbing model
    coverage: str | None = None      # match results only: what this search left out, where it searched in part

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "available": self.available, "detail": self.detail}
        if self.pretrained is not None:
            out["pretrained"] = self.pretrained
        if self.coverage is not None:
            out["coverage"] = self.coverage
        return out


@dataclass(frozen=True)
class ChannelStatus:
    """The state of every channel (exact, perceptual, semantic, identity)."""

    channels: tuple[ChannelState, ...]

    @property
    def ran(self) -> list[str]:
        """Names of the channels that ran."""
        return [c.name for c in self.channels if c.available]

    @property
    def unavailable(self) -> dict[str, str]:
        """Channel name -> why it did not run."""
        return {c.name: c.detail for c in self.channels if not c.available}

    @property
    def limits(self) -> dict[str, str]:
        """Channel name -> what its search left out, for the channels that searched in part."""
        return {c.name: c.coverage for c in self.channels if c.available and c.coverage}

    def get(self, name: str) -> ChannelState | None:
        return next((c for c in self.channels if c.name == name), None)

    def lines(self) -> list[str]:
        """Human-readable lines, e.g. ``semantic: unavailable -- no CLIP weights at ...``."""
        return [f"{c.name}: {'ok' if c.available else 'unavailable'} -- {c.detail}" for c in self.channels]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ran": self.ran, "unavailable": self.unavailable,
                               "channels": [c.to_dict() for c in self.channels]}
        if limits := self.limits:   # only where a search was partial, so earlier records keep their shape
            out["limits"] = limits
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ChannelStatus":
        return cls(tuple(ChannelState(c["name"], bool(c["available"]), c["detail"], c.get("pretrained"), c.get("coverage"))
                         for c in data["channels"]))
