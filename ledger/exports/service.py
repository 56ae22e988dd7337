"""The export use case shared by the CLI and the API: settings from a saved protocol and overrides, then produce."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.context import Clearance
from ledger.exports.people import Person
from ledger.exports.protocol import ProtocolSettings, load_protocol
from ledger.exports.selection import Selection
from ledger.exports.volume import ExportRequest, produce


def export(ctx: Clearance, selection: dict[str, Any], out_dir: Path | None, actor: str, protocol: str | None = None,
           overrides: dict[str, Any] | None = None, make_zip: bool = False,
           person: Person | None = None) -> dict[str, Any]:
    """Produce the records ``selection`` reaches into ``out_dir`` under the named protocol and any overrides.

    ``actor`` is the log entry's actor (a key or ``cli``); ``person`` who exported (default: ``actor``)."""
    base = load_protocol(ctx, protocol) if protocol else None
    settings = ProtocolSettings.from_json(overrides or {}, base)
    request = ExportRequest(Selection.from_json(selection), settings, out_dir, protocol, make_zip,
                            person or Person(actor, "unstated"))
    return produce(ctx, request, actor)
