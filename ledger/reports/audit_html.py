"""The dataset audit as one self-contained HTML page: no script, no external style, font or image.

The page is assembled from the same rows as the CSV (:mod:`ledger.reports.audit_csv`),
so every number appears once in both; each chart sits beside a table of its numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from html import escape
from typing import IO, Any

from ledger.reports import audit_csv
from ledger.reports.charts import Bar, Chart, render_svg
from ledger.reports.dataset_audit import AssetRow, Totals

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1b1f24;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccd}
table{border-collapse:collapse;margin:.5rem 0;font-size:13px}th,td{border:1px solid #ccd;padding:.2rem .5rem;
text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
.chart{display:flex;gap:1.5rem;align-items:flex-start;flex-wrap:wrap;margin:1rem 0}.chart svg{max-width:34rem;height:auto}
.cleared{color:#176c2f}.review{color:#8a5a00}.block{color:#b3261e}.missing{color:#b3261e}.lapsing{color:#8a5a00}
pre{background:#f4f5f7;padding:.6rem;overflow-x:auto;font-size:12px}.meta td:first-child{font-weight:600}
"""


def _cell(value: Any, numeric: bool = False) -> str:
    css = ' class="n"' if numeric else ""
    return f"<td{css}>{escape(str(value))}</td>"


def _table(headers: list[str], rows: Iterable[list[Any]], numeric: Set[int] = frozenset()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v, i in numeric) for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td colspan=99>none</td></tr>'}</tbody></table>"


def _chart(name: str, title: str, rows: list[dict[str, Any]], label: str = "label") -> str:
    """A chart of ``rows``' counts and, beside it, the table of the same rows (bar ``i`` is table row ``i``)."""
    bars = [Bar(label=str(r[label] or r["key"]), value=int(r["count"])) for r in rows]
    table_rows = "".join(
        f'<tr data-section="{escape(r["section"])}" data-key="{escape(str(r["key"]))}" data-index="{i}">'
        f'{_cell(r["key"])}{_cell(r["label"])}<td class="n" data-count="{int(r["count"])}">{int(r["count"])}</td>'
        f'{_cell(format(float(r.get("share") or 0), ".1%"), True)}</tr>'
        for i, r in enumerate(rows))
    svg = render_svg(Chart(name=name, title=title, bars=bars)) if rows else "<p>nothing to chart</p>"
    return (f'<figure class="chart" id="chart-{name}" data-chart="{name}">{svg}<table><thead><tr><th>key</th>'
            f'<th>what</th><th>count</th><th>share</th></tr></thead><tbody>{table_rows}</tbody></table></figure>')


def asset_row(row: AssetRow) -> str:
    reasons = "<br>".join(escape(r) for r in row.reasons)
    return (f'<tr data-asset="{escape(row.asset_id)}"><td>{escape(row.asset_id)}</td><td>{escape(row.title)}</td>'
            f'<td class="{row.status}">{row.status}</td><td>{escape(", ".join(row.policy_ids))}</td>'
            f'<td>{reasons}</td><td>{escape("; ".join(row.grants))}</td></tr>\n')


def head(meta: dict[str, Any], totals: Totals, checkpoint: str, audit_entry: dict[str, Any],
         lineage: list[dict[str, Any]] | None = None) -> str:
    """Everything before the per-asset rows."""
    title = f"Training-data audit of {meta['dataset_version']}"
    metadata = _table(["", ""], [[k, v] for k, v in meta.items()])
    parts = [f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
             f"<style>{STYLE}</style></head><body>",
             f"<h1>{escape(title)}</h1>",
             f'<p>{totals.cleared} of {totals.assets} assets are cleared for training '
             f'({totals.share(totals.cleared):.1%}).</p>',
             f'<div class="meta">{metadata}</div>',
             "<h2>Totals and shares</h2>",
             _chart("status", "Assets by outcome", audit_csv.status_rows(totals)[1:]),
             "<h2>Why assets are not cleared</h2>",
             _chart("reasons", "Assets not cleared, by policy", audit_csv.reason_rows(totals), "key"),
             "<h2>License coverage by licensor</h2>",
             _chart("licensors", "Assets covered, by licensor", audit_csv.licensor_rows(totals)),
             _table(["licensor", "name", "assets", "cleared", "not cleared"],
                    [[k, e["name"], e["assets"], e["cleared"], e["assets"] - e["cleared"]]
                     for k, e in totals.licensors.items()], {2, 3, 4}),
             "<h2>Opt-outs honoured, by source</h2>",
             _chart("opt_outs", "Assets carrying an opt-out signal, by source", audit_csv.opt_out_rows(totals), "key"),
             _table(["source", "assets with a signal", "excluded from training", "still cleared"],
                    [[s, e["assets"], e["excluded"], e["still_cleared"]] for s, e in sorted(totals.opt_outs.items())],
                    {1, 2, 3}),
             "<h2>People depicted, and the grant relied on</h2>",
             "<p>Consents (AB 2602) and estate permissions (AB 1836): <em>missing</em> when some asset depicting "
             "the person has no grant that allows training; <em>lapsing</em> when a grant relied on ends within "
             "90 days.</p>",
             _table(["person", "name", "assets", "state", "grants relied on", "detail"],
                    [[r["key"], r["label"], r["count"], r["status"], r["grants"], r["detail"]]
                     for r in audit_csv.person_rows(totals)], {2}),
             "<h2>Licenses, consents and permissions expiring in the next 90 days</h2>",
             _table(["grant", "ends on", "days left", "assets relying on it"],
                    [[f"{e['kind']} {e['id']}", e["ends_on"], e["days_left"], e["assets"]] for e in totals.expiring],
                    {2, 3}),
             "<h2>Revoked grants and their impact</h2>",
             _table(["grant", "revoked on", "reason", "assets touched", "not cleared", "models trained on this version"],
                    [[f"{r['kind']} {r['id']}", r["revoked_on"], r["reason"], r["assets"], r["not_cleared"],
                      ", ".join(r["models"]) or "none"] for r in totals.revocations], {3, 4}),
             "<h2>Models that learnt from this version</h2>",
             "<p>Trained on it, or derived from a model that was (fine-tuned, distilled, merged, adapter): each "
             "carries this version's obligations.</p>",
             _table(["model", "name", "version", "developer", "how this version reached it"],
                    [[r["model"], r["name"], r["version"], r["developer"], r["via"]] for r in lineage or []]),
             "<h2>The record behind this report</h2>",
             f"<p>Computed at the signed log checkpoint below (tree size {meta['checkpoint_size']}).</p>",
             f"<pre>{escape(checkpoint)}</pre>",
             f"<p>This audit is itself log entry <strong>{audit_entry['index']}</strong> "
             f"(<code>audit.recorded</code>, leaf hash <code>{escape(audit_entry['leaf_hash'])}</code>), which "
             "commits to the SHA-256 of the CSV written with this page; it is included in the checkpoint:</p>",
             f"<pre>{escape(audit_entry['checkpoint'])}</pre>",
             "<h2>Every asset</h2>",
             "<table><thead><tr><th>asset</th><th>title</th><th>status</th><th>policies</th><th>reasons</th>"
             "<th>grants relied on</th></tr></thead><tbody>\n"]
    return "".join(parts)


TAIL = "</tbody></table></body></html>\n"


def write(out: IO[str], head_html: str, rows: IO[str]) -> None:
    """The page: ``head_html``, the asset rows already written to ``rows`` (copied in pieces), the tail."""
    out.write(head_html)
    rows.seek(0)
    while chunk := rows.read(1 << 20):
        out.write(chunk)
    out.write(TAIL)
