"""The text rendering of a produced record (``TEXTPATH``): one ``field: value`` line per column.

Review platforms index a document's extracted text; a record of data has none, so its text is
its current state, written out the way the DAT flattens it (in-field newlines kept as they are).
"""

from __future__ import annotations

from typing import Any

from ledger.exports.dat import flatten


def render(kind: str, record_id: str, bates: str, record: dict[str, Any]) -> str:
    lines = [f"Bates: {bates}", f"Record type: {kind}", f"Record id: {record_id}", ""]
    for name in sorted(record):
        if name in ("id", "log_index"):
            continue
        value = flatten(record[name])
        lines.append(f"{name}: {value}" if value else f"{name}:")
    return "\n".join(lines) + "\n"
