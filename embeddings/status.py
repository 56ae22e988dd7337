"""Which channels ran, and which did not and why.

Every fingerprint record and match result carries a :class:`ChannelStatus`, so
a reviewer knows what was and was not looked at; ``clearance doctor`` prints
:meth:`ChannelStatus.lines` for the installation (``Fingerprinter(config).status``).
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

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "available": self.available, "detail": self.detail}
        if self.pretrained is not None:
            out["pretrained"] = self.pretrained
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

    def get(self, name: str) -> ChannelState | None:
        return next((c for c in self.channels if c.name == name), None)

    def lines(self) -> list[str]:
        """Human-readable lines, e.g. ``semantic: unavailable -- no CLIP weights at ...``."""
        return [f"{c.name}: {'ok' if c.available else 'unavailable'} -- {c.detail}" for c in self.channels]

    def to_dict(self) -> dict[str, Any]:
        return {"ran": self.ran, "unavailable": self.unavailable, "channels": [c.to_dict() for c in self.channels]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ChannelStatus":
        return cls(tuple(ChannelState(c["name"], bool(c["available"]), c["detail"], c.get("pretrained"))
                         for c in data["channels"]))
