"""The privilege log, in the method the parties agreed (Fed. R. Civ. P. 26(f), as amended in 2025).

``document``: a line per withheld record, with its description. ``metadata``: a line per withheld
record generated from its metadata alone (type, date, custodian, privilege, who asserted it), without
a description. ``categorical``: a line per category of withheld records (record type, privilege and
description), with how many, their date range and who asserted them. Never a record's id or content.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from ledger.exports.models import PrivilegeDesignation


class Withheld(Protocol):
    kind: str
    id: str
    created_time: str
    custodian: str


def _asserted_at(designation: PrivilegeDesignation) -> str:
    return designation.asserted_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def write(path: Path, withheld: Sequence[Withheld], designations: dict[tuple[str, str], PrivilegeDesignation],
          mode: str, listed: bool) -> None:
    """Write the log at ``path``; with ``listed`` false (``privilege_handling`` ``omit``) only its header."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        if mode == "categorical":
            writer.writerow(["CATEGORY", "RECORDTYPE", "PRIVILEGE", "DESCRIPTION", "COUNT", "DATE_FROM", "DATE_TO",
                             "ASSERTED_BY"])
            if not listed:
                return
            groups: dict[tuple[str, str, str], list[tuple[Withheld, PrivilegeDesignation]]] = {}
            for doc in withheld:
                designation = designations[(doc.kind, doc.id)]
                key = (doc.kind, designation.privilege, designation.description)
                groups.setdefault(key, []).append((doc, designation))
            for number, ((kind, privilege, description), members) in enumerate(sorted(groups.items()), start=1):
                dates = sorted(doc.created_time[:10] for doc, _ in members)
                asserted = sorted({d.asserted_by for _, d in members})
                writer.writerow([f"PRIVCAT-{number:04d}", kind, privilege, description, len(members), dates[0],
                                 dates[-1], "; ".join(asserted)])
            return
        columns = ["PRIVID", "RECORDTYPE", "DATE", "AUTHOR", "PRIVILEGE", "DESCRIPTION", "ASSERTED_BY",
                   "ASSERTED_AT"]
        if mode == "metadata":
            columns.remove("DESCRIPTION")
        writer.writerow(columns)
        if not listed:
            return
        for number, doc in enumerate(withheld, start=1):
            designation = designations[(doc.kind, doc.id)]
            line = {"PRIVID": f"PRIV-{number:06d}", "RECORDTYPE": doc.kind, "DATE": doc.created_time[:10],
                    "AUTHOR": doc.custodian, "PRIVILEGE": designation.privilege,
                    "DESCRIPTION": designation.description, "ASSERTED_BY": designation.asserted_by,
                    "ASSERTED_AT": _asserted_at(designation)}
            writer.writerow([line[name] for name in columns])
