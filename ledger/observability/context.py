"""Context fields (request id, check id, clip id) that every log line carries while they are set.

They live in a :class:`contextvars.ContextVar`, so they follow a request across ``await`` and into
the thread pool Starlette runs sync code in, and never leak between concurrent requests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

FieldValue = str | int | None

_fields: ContextVar[Mapping[str, str | int]] = ContextVar("clearance_log_context", default=MappingProxyType({}))


def current_context() -> Mapping[str, str | int]:
    """The context fields in force here (read-only)."""
    return _fields.get()


@contextmanager
def log_context(**fields: FieldValue) -> Iterator[None]:
    """Add fields to every log line written inside the block, e.g. ``log_context(check_id=..., clip_id=...)``.

    Blocks nest: inner fields are added to (or override) outer ones, and a field given as ``None``
    is left out. On exit the previous fields are restored, also when the block raises.
    """
    merged = {**_fields.get(), **{k: v for k, v in fields.items() if v is not None}}
    for name in [k for k, v in fields.items() if v is None]:
        merged.pop(name, None)
    token = _fields.set(MappingProxyType(merged))
    try:
        yield
    finally:
        _fields.reset(token)
