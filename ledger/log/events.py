"""Events and the bytes a leaf commits to.

A leaf is the RFC 8785 canonical JSON of an *envelope*: its index, event type,
time, actor, subject and the SHA-256 of the payload. The payload (the record's
fields) is stored beside the leaf, so it can be redacted while the leaf, and
therefore the tree, stays intact.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import rfc8785

ENVELOPE_VERSION = 1


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes."""
    return rfc8785.dumps(value)


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Event:
    """An event before it is appended: what happened, to which record, with which payload."""

    type: str
    payload: dict[str, Any]
    subject_kind: str | None = None
    subject_id: str | None = None
    actor: str = "system"

    def payload_bytes(self) -> bytes:
        return canonical(self.payload)


@dataclass(frozen=True)
class Envelope:
    """The parsed content of a leaf."""

    index: int
    type: str
    time: str
    actor: str
    subject_kind: str | None
    subject_id: str | None
    payload_sha256: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "v": ENVELOPE_VERSION,
            "index": self.index,
            "type": self.type,
            "time": self.time,
            "actor": self.actor,
            "subject": {"kind": self.subject_kind, "id": self.subject_id},
            "payload_sha256": self.payload_sha256,
        }

    def leaf_bytes(self) -> bytes:
        return canonical(self.to_json())

    @classmethod
    def for_event(cls, index: int, event: Event, payload: bytes, time: str | None = None) -> Envelope:
        return cls(index, event.type, time or now_text(), event.actor, event.subject_kind,
                   event.subject_id, hashlib.sha256(payload).hexdigest())

    @classmethod
    def parse(cls, leaf: bytes) -> Envelope:
        """Parse leaf bytes; raise ValueError when they are not a canonical envelope."""
        data = json.loads(leaf)
        if canonical(data) != leaf:
            raise ValueError("leaf is not canonical JSON")
        if data.get("v") != ENVELOPE_VERSION:
            raise ValueError(f"unknown envelope version {data.get('v')!r}")
        subject = data.get("subject") or {}
        return cls(int(data["index"]), str(data["type"]), str(data["time"]), str(data["actor"]),
                   subject.get("kind"), subject.get("id"), str(data["payload_sha256"]), data)
