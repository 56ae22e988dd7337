"""The one shape of every list: ``limit`` and ``cursor`` in; ``items``, ``next_cursor`` and ``total`` out.

A cursor is opaque to clients: pass back the ``next_cursor`` of the last page to get the next, until it
is null. (Here it is the position of the next item, so records also accept ``offset`` and log entries
``start`` for a first page anywhere.)
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from ledger.errors import FieldProblem, ValidationFailed

INT64_MAX = 2**63 - 1
"""The largest position, index or size any query or path takes: the databases' integers are 64-bit."""

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(extra="allow")

    items: list[T] = Field(description="this page's items, in order")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")
    total: int | None = Field(default=None, description="how many items the whole list has")
    limit: int = Field(description="the most items a page holds")


def limit_query() -> Any:
    return Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="the most items to return")


def cursor_query() -> Any:
    return Query(None, min_length=1, max_length=19, pattern=r"^[0-9]+$",
                 description="`next_cursor` of the previous page")


def position(cursor: str | None, first: int = 0) -> int:
    """Where a page starts: the cursor when given, else ``first`` (an offset or start)."""
    if cursor is None:
        return first
    value = int(cursor)
    if value > INT64_MAX:
        raise ValidationFailed("cursor out of range", problems=[FieldProblem("query.cursor", "not a cursor this "
                                                                             "server issued")])
    return value


def page(items: list[T], start: int, limit: int, total: int | None, more: bool | None = None) -> Page[T]:
    """A page of ``items`` starting at ``start``; ``more`` says whether items follow (else from ``total``)."""
    end = start + len(items)
    if more is None:
        more = total is not None and end < total
    return Page[T](items=items, next_cursor=str(end) if more and items else None, total=total, limit=limit)
