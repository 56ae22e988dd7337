"""The privilege log, in the method the parties agreed (Fed. R. Civ. P. 26(f), as amended in 2025).

``document``: a line per withheld record, with its description. ``metadata``: a line per withheld
record generated from its metadata alone (type, date, custodian, privilege, who asserted it), without
a description. ``categorical``: a line per category of withheld records (record type, privilege,
description and what is withheld), with how many, their date range and who asserted them. Never a
record's id or content.

``WITHHELD`` says what was withheld: ``document`` (the whole record; no Bates number, it was not
produced) or ``fields: <names>`` (the record was produced with those fields redacted; ``BEGDOC`` is
its Bates number, as a redaction log gives it).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ledger.exports.models import PrivilegeDesignation


class Withheld(Protocol):
    kind: str
    id: str
    created_time: str
    custodian: str


def _asserted_at(designation: PrivilegeDesignation) -> str:
    return designation.asserted_at.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class _Entry:
    kind: str
    created_time: str
    custodian: str
    designation: PrivilegeDesignation
    bates: str
    withheld: str


def _entries(withheld: Sequence[Withheld], redactions: Sequence[dict[str, Any]],
             designations: dict[tuple[str, str], PrivilegeDesignation]) -> list[_Entry]:
    entries = [_Entry(doc.kind, doc.created_time, doc.custodian, designations[(doc.kind, doc.id)], "", "document")
               for doc in withheld]
    entries += [_Entry(r["record_kind"], r["created_time"], r["custodian"],
                       designations[(r["record_kind"], r["record_id"])], r["bates"], f"fields: {', '.join(r['fields'])}")
                for r in redactions]
    return entries


def write(path: Path, withheld: Sequence[Withheld], designations: dict[tuple[str, str], PrivilegeDesignation],
          mode: str, listed: bool, redactions: Sequence[dict[str, Any]] = ()) -> None:
    """Write the log at ``path``; with ``listed`` false (``privilege_handling`` ``omit``) only its header.

    ``redactions``: documents produced with fields redacted (``bates``, ``record_kind``, ``record_id``,
    ``fields``, ``created_time``, ``custodian``), listed after the records withheld whole."""
    entries = _entries(withheld, redactions, designations)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        if mode == "categorical":
            writer.writerow(["CATEGORY", "RECORDTYPE", "PRIVILEGE", "DESCRIPTION", "WITHHELD", "COUNT", "DATE_FROM",
                             "DATE_TO", "ASSERTED_BY"])
            if not listed:
                return
            groups: dict[tuple[str, str, str, str], list[_Entry]] = {}
            for entry in entries:
                key = (entry.kind, entry.designation.privilege, entry.designation.description, entry.withheld)
                groups.setdefault(key, []).append(entry)
            for number, ((kind, privilege, description, what), members) in enumerate(sorted(groups.items()),
                                                                                     start=1):
                dates = sorted(entry.created_time[:10] for entry in members)
                asserted = sorted({entry.designation.asserted_by for entry in members})
                writer.writerow([f"PRIVCAT-{number:04d}", kind, privilege, description, what, len(members), dates[0],
                                 dates[-1], "; ".join(asserted)])
            return
        columns = ["PRIVID", "BEGDOC", "RECORDTYPE", "DATE", "AUTHOR", "PRIVILEGE", "DESCRIPTION", "WITHHELD",
                   "ASSERTED_BY", "ASSERTED_AT"]
        if mode == "metadata":
            columns.remove("DESCRIPTION")
        writer.writerow(columns)
        if not listed:
            return
        for number, entry in enumerate(entries, start=1):
            designation = entry.designation
            line = {"PRIVID": f"PRIV-{number:06d}", "BEGDOC": entry.bates, "RECORDTYPE": entry.kind,
                    "DATE": entry.created_time[:10], "AUTHOR": entry.custodian, "PRIVILEGE": designation.privilege,
                    "DESCRIPTION": designation.description, "WITHHELD": entry.withheld,
                    "ASSERTED_BY": designation.asserted_by, "ASSERTED_AT": _asserted_at(designation)}
            writer.writerow([line[name] for name in columns])
