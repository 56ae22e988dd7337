"""Where and when a registered file was acquired: asked of the person registering it, never invented.

``clearance register`` once filled ``acquired_on`` with the day it ran and ``source_uri`` with
a ``file://`` path on the registering machine; the EU training summary then reported acquisition
dates after the model's training and no crawled domains. Now both are given (``--acquired-on``,
``--source-uri``) or left unrecorded, and reports say "not recorded" / TO COMPLETE.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from ledger.errors import FieldProblem, ValidationFailed


def acquisition_fields(acquired_on: str | None, source_uri: str | None) -> dict[str, Any]:
    """The checked ``acquired_on`` and ``source_uri`` to register (only those given)."""
    fields: dict[str, Any] = {}
    if acquired_on:
        try:
            fields["acquired_on"] = date.fromisoformat(acquired_on).isoformat()
        except ValueError:
            raise ValidationFailed("bad acquisition date", problems=[
                FieldProblem("acquired_on", f"{acquired_on!r}: expected YYYY-MM-DD")]) from None
    if source_uri:
        if not urlsplit(source_uri).scheme:
            raise ValidationFailed("bad source URI", problems=[
                FieldProblem("source_uri", f"{source_uri!r}: expected a URI with a scheme (https://..., s3://...)")])
        fields["source_uri"] = source_uri
    return fields


def source_of(fields: dict[str, Any], path: Path) -> dict[str, Any]:
    """``fields`` for one file: a ``source_uri`` ending in ``/`` names a folder, so the file's name is appended."""
    uri = fields.get("source_uri")
    if isinstance(uri, str) and uri.endswith("/"):
        return {**fields, "source_uri": uri + quote(path.name)}
    return fields
