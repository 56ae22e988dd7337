"""The dataset audit as one CSV: a ``section`` column says what each row is.

Sections, in file order: ``asset`` (one row per asset, written while the audit runs),
then ``total``, ``reason``, ``licensor``, ``opt_out_source``, ``person``, ``expiring``,
``revocation`` and ``checkpoint``. The charts of the HTML report draw ``total``
(cleared, review, block), ``reason``, ``licensor`` and ``opt_out_source`` rows' ``count``.

For spreadsheets: the file starts with a UTF-8 byte-order mark (Excel then reads it as
UTF-8), every record is one line (a line break inside a value is written as `` / ``), and
``share`` is a percentage written as the HTML page shows it (``37.5%``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any

from ledger.reports.dataset_audit import AssetRow, Totals

COLUMNS = ["section", "key", "label", "count", "share", "status", "policy_ids", "reasons", "grants", "date",
           "detail", "why"]
STATUSES = ("cleared", "review", "block")


def percent(share: float) -> str:
    """A share as the HTML page shows it."""
    return format(share, ".1%")


def _one_line(value: Any) -> Any:
    return " / ".join(value.splitlines()) if isinstance(value, str) else value


def _row(section: str, key: str, label: str = "", **values: Any) -> dict[str, Any]:
    return {"section": section, "key": key, "label": label, **values}


class _OneLineWriter(csv.DictWriter):  # type: ignore[type-arg]
    """Writes shares as percentages and every record on one line."""

    def writerow(self, rowdict: Any) -> Any:
        row = {k: _one_line(v) for k, v in rowdict.items()}
        if isinstance(row.get("share"), float):
            row["share"] = percent(row["share"])
        return super().writerow(row)

    def writerows(self, rowdicts: Any) -> None:
        for row in rowdicts:
            self.writerow(row)


def asset_row(row: AssetRow) -> dict[str, Any]:
    return _row("asset", row.asset_id, row.title, status=row.status, policy_ids="; ".join(row.policy_ids),
                reasons=" | ".join(row.reasons), grants="; ".join(row.grants), why=row.why,
                detail="; ".join(f"{k}: {v}" for k, v in row.details))


def status_rows(totals: Totals) -> list[dict[str, Any]]:
    rows = [_row("total", "assets", "assets in the dataset version", count=totals.assets, share=1.0 if totals.assets else 0.0)]
    for status in STATUSES:
        count = totals.by_status[status]
        rows.append(_row("total", status, {"cleared": "cleared for training", "review": "needs a person's review",
                                           "block": "may not be used"}[status], count=count, share=totals.share(count)))
    return rows


def reason_rows(totals: Totals) -> list[dict[str, Any]]:
    return [_row("reason", policy, totals.sentences.get(policy, ""), count=count, share=totals.share(count))
            for policy, count in sorted(totals.by_policy.items(), key=lambda kv: (-kv[1], kv[0]))]


def licensor_rows(totals: Totals) -> list[dict[str, Any]]:
    return [_row("licensor", licensor, entry["name"], count=entry["assets"], share=totals.share(entry["assets"]),
                 detail=f"cleared={entry['cleared']}; not_cleared={entry['assets'] - entry['cleared']}")
            for licensor, entry in totals.licensors.items()]


def opt_out_rows(totals: Totals) -> list[dict[str, Any]]:
    return [_row("opt_out_source", source, f"assets with a {source} signal", count=entry["assets"],
                 share=totals.share(entry["assets"]),
                 detail=f"excluded={entry['excluded']}; still_cleared={entry['still_cleared']}")
            for source, entry in sorted(totals.opt_outs.items())]


def person_status(entry: dict[str, Any]) -> str:
    """``in force``, ``lapsing``, ``missing`` (no grant on file), ``revoked`` or ``not sufficient`` (on file, but
    it does not allow this training)."""
    return str(entry.get("state") or ("missing" if entry["missing"] else "lapsing" if entry["lapsing"] else "in force"))


def person_rows(totals: Totals) -> list[dict[str, Any]]:
    return [_row("person", person, entry["name"], count=entry["assets"], status=person_status(entry),
                 why=entry.get("why", ""),
                 grants="; ".join(f"{g} ({n} assets)" for g, n in entry["grants"].items()),
                 detail=f"cleared={entry['cleared']}; without a grant={entry['missing']}"
                        + (f"; lapsing within 90 days: {', '.join(entry['lapsing'])}" if entry["lapsing"] else ""))
            for person, entry in sorted(totals.people.items())]


def expiring_rows(totals: Totals) -> list[dict[str, Any]]:
    return [_row("expiring", f"{e['kind']} {e['id']}", e["kind"], count=e["assets"], date=e["ends_on"],
                 detail=f"days_left={e['days_left']}") for e in totals.expiring]


def revocation_rows(totals: Totals) -> list[dict[str, Any]]:
    return [_row("revocation", f"{r['kind']} {r['id']}", r["reason"], count=r["assets"], date=r["revoked_on"],
                 detail=f"not_cleared={r['not_cleared']}; models={' '.join(r['models']) or 'none'}")
            for r in totals.revocations]


def summary_rows(totals: Totals, checkpoint_size: int, checkpoint: str) -> Iterator[dict[str, Any]]:
    yield from status_rows(totals)
    yield from reason_rows(totals)
    yield from licensor_rows(totals)
    yield from opt_out_rows(totals)
    yield from person_rows(totals)
    yield from expiring_rows(totals)
    yield from revocation_rows(totals)
    yield _row("checkpoint", str(checkpoint_size), "tree size the audit was computed at", detail=checkpoint)


def writer(handle: IO[str]) -> csv.DictWriter[str]:
    """A writer for a handle opened with ``encoding="utf-8-sig"`` (the byte-order mark comes first)."""
    out = _OneLineWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n")
    out.writeheader()
    return out
