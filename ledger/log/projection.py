"""The registry of projections: how each event type changes the tables.

The log knows events, not features. Each feature hands its handlers (and the
tables they write, which the replay audit compares) to a :class:`Projections`
registry by an explicit call from the composition root (:mod:`ledger.context`);
nothing registers itself by being imported. The same handlers run for live
writes and for replay during ``clearance log verify``, so the tables are by
construction a view of the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, SQLModel

from ledger.errors import ConfigurationError, IntegrityError
from ledger.log.events import Envelope

Handler = Callable[[Session, Envelope, dict[str, Any]], None]


@dataclass
class Projections:
    """Event type -> handler, and the tables those handlers write."""

    _handlers: dict[str, Handler] = field(default_factory=dict)
    _tables: list[type[SQLModel]] = field(default_factory=list)
    derived_columns: dict[str, str] = field(default_factory=dict)
    """table name -> a column the log holds only the hash of (``<column>_sha256``): checked, not replayed."""

    def on(self, event_type: str, handler: Handler) -> None:
        if event_type in self._handlers:
            raise ConfigurationError(f"two projections for event type {event_type!r}")
        self._handlers[event_type] = handler

    def on_each(self, handlers: dict[str, Handler]) -> None:
        for event_type, handler in handlers.items():
            self.on(event_type, handler)

    def replays(self, tables: Iterable[type[SQLModel]], derived: dict[str, str] | None = None) -> None:
        """Tables the handlers write: created by ``init`` and compared row for row by the replay audit."""
        self._tables.extend(t for t in tables if t not in self._tables)
        self.derived_columns.update(derived or {})

    @property
    def tables(self) -> list[type[SQLModel]]:
        return list(self._tables)

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def handler(self, event_type: str) -> Handler:
        """The handler of one event type (``IntegrityError`` when none is registered)."""
        handler = self._handlers.get(event_type)
        if handler is None:
            raise IntegrityError(f"event type {event_type!r} has no projection")
        return handler

    def apply(self, session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
        handler = self._handlers.get(envelope.type)
        if handler is None:
            raise IntegrityError(f"entry {envelope.index} has event type {envelope.type!r}, which nothing projects")
        handler(session, envelope, payload)
