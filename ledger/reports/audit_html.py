"""The dataset audit as one self-contained HTML page: no script, no external style, font or image.

The page is assembled from the same rows as the CSV (:mod:`ledger.reports.audit_csv`),
so every number appears once in both; each chart sits beside a table of its numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from html import escape
from typing import IO, Any

from ledger.reports import audit_csv, audit_first_screen
from ledger.reports.charts import Bar, Chart, render_svg
from ledger.reports.dataset_audit import AssetRow, Totals

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:72rem;color:#1b1f24;padding:0 1rem 3rem}
h1{font-size:1.7rem;margin:1.2rem 0 .4rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccd}
.verdict{font-size:1.25rem;font-weight:600;padding:.6rem .8rem;border-left:6px solid;background:#f6f7f9}
.verdict.block{border-color:#b3261e}.verdict.review{border-color:#8a5a00}.verdict.cleared{border-color:#176c2f}
.first ul,.first ol{padding-left:1.3rem}.first li{margin:.25rem 0}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0;font-size:14px}th,td{border:1px solid #ccd;padding:.25rem .5rem;
text-align:left;vertical-align:top;overflow-wrap:anywhere}td.n{text-align:right;font-variant-numeric:tabular-nums}
.chart{display:flex;gap:1.5rem;align-items:flex-start;flex-wrap:wrap;margin:1rem 0}.chart svg{max-width:100%;height:auto}
.cleared{color:#176c2f}.review{color:#8a5a00}.block{color:#b3261e}.missing{color:#b3261e}.lapsing{color:#8a5a00}
pre{background:#f4f5f7;padding:.6rem;overflow-x:auto;font-size:12px;white-space:pre-wrap;word-break:break-all}
code{overflow-wrap:anywhere}.meta td:first-child{font-weight:600}
fieldset{display:inline-block;border:1px solid #ccd;margin:.3rem .5rem .3rem 0;padding:.2rem .6rem}
legend{font-weight:600}label{margin-right:.6rem;white-space:nowrap}
table.works{display:block;width:100%}table.works thead,table.works tbody{display:flex;flex-direction:column}
table.works tr{display:grid;grid-template-columns:minmax(10rem,2fr) 7rem minmax(12rem,3fr) minmax(8rem,2fr)}
table.works th,table.works td{display:block}
#works:has(#f-problems:checked) tr[data-status="cleared"],#works:has(#f-block:checked) tr[data-status]:not([data-status="block"]),
#works:has(#f-review:checked) tr[data-status]:not([data-status="review"]),
#works:has(#f-cleared:checked) tr[data-status]:not([data-status="cleared"]){display:none}
#works:has(#s-status:checked) tbody tr{order:var(--s)}#works:has(#s-title:checked) tbody tr{order:var(--t)}
details summary{cursor:pointer;color:#1d4f91}dl{margin:.3rem 0}dt{font-weight:600}dd{margin:0 0 .3rem .8rem}
@media (max-width:40rem){table.works tr{grid-template-columns:1fr}body{padding:0 .6rem 2rem}h1{font-size:1.4rem}}
"""


def _cell(value: Any, numeric: bool = False) -> str:
    css = ' class="n"' if numeric else ""
    return f"<td{css}>{escape(str(value))}</td>"


def _table(headers: list[str], rows: Iterable[list[Any]], numeric: Set[int] = frozenset()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v, i in numeric) for i, v in enumerate(r)) + "</tr>" for r in rows)
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body or '<tr><td colspan=99>none</td></tr>'}</tbody></table></div>")


def _chart(name: str, title: str, rows: list[dict[str, Any]], label: str = "label") -> str:
    """A chart of ``rows``' counts and, beside it, the table of the same rows (bar ``i`` is table row ``i``)."""
    bars = [Bar(label=str(r[label] or r["key"]), value=int(r["count"])) for r in rows]
    table_rows = "".join(
        f'<tr data-section="{escape(r["section"])}" data-key="{escape(str(r["key"]))}" data-index="{i}">'
        f'{_cell(r["key"])}{_cell(r["label"])}<td class="n" data-count="{int(r["count"])}">{int(r["count"])}</td>'
        f'{_cell(audit_csv.percent(float(r.get("share") or 0)), True)}</tr>'
        for i, r in enumerate(rows))
    svg = render_svg(Chart(name=name, title=title, bars=bars)) if rows else "<p>nothing to chart</p>"
    return (f'<figure class="chart" id="chart-{name}" data-chart="{name}" aria-label="{escape(title)}">{svg}'
            f'<div class="scroll"><table><thead><tr><th>key</th><th>what</th><th>count</th><th>share</th></tr>'
            f'</thead><tbody>{table_rows}</tbody></table></div></figure>')


_STATUS_WORDS = {"cleared": "cleared", "review": "to review", "block": "blocked"}
_STATUS_ORDER = {"block": 0, "review": 1, "cleared": 2}


def _title_order(title: str) -> int:
    """A sort key CSS can use without script: the title's first letter (A=1 ... Z=26, others after)."""
    first = title.strip()[:1].upper()
    return ord(first) - 64 if "A" <= first <= "Z" else 27


def asset_row(row: AssetRow) -> str:
    """One work: title, outcome, one short reason; the full facts one click away."""
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in row.details)
    reasons = "".join(f"<dd>{escape(r)}</dd>" for r in row.reasons)
    return (f'<tr data-asset="{escape(row.asset_id)}" data-status="{row.status}" '
            f'style="--s:{_STATUS_ORDER.get(row.status, 3)};--t:{_title_order(row.title)}">'
            f'<td>{escape(row.title)}</td><td class="{row.status}">{_STATUS_WORDS.get(row.status, row.status)}</td>'
            f"<td>{escape(row.why)}</td><td><details><summary>Facts</summary><dl><dt>asset id</dt>"
            f"<dd>{escape(row.asset_id)}</dd>{facts}<dt>grants relied on</dt><dd>{escape('; '.join(row.grants)) or 'none'}"
            f"</dd><dt>policies</dt><dd>{escape(', '.join(row.policy_ids)) or 'none'}</dd>"
            + (f"<dt>reasons</dt>{reasons}" if reasons else "") + "</dl></details></td></tr>\n")


def _person_rows(totals: Totals) -> str:
    rows = []
    for person_id, entry in sorted(totals.people.items(), key=lambda kv: (kv[1]["state"] == "in force",
                                                                             kv[1]["name"])):
        state = entry["state"]
        css = "missing" if state in ("missing", "not sufficient", "revoked") else ("lapsing" if state == "lapsing" else "")
        why = entry["why"] or ("cleared by " + ", ".join(entry["grants"]) if entry["grants"] else "")
        rows.append(f'<tr><td>{escape(entry["name"])}</td><td class="{css}">{escape(state)}</td>'
                    f"<td>{escape(why)}</td><td><details><summary>Facts</summary><dl><dt>person id</dt>"
                    f"<dd>{escape(person_id)}</dd><dt>works showing them</dt><dd>{entry['assets']} "
                    f"({entry['cleared']} cleared)</dd><dt>on file</dt><dd>{escape(', '.join(entry['on_file']) or 'nothing')}"
                    f"</dd><dt>relied on</dt><dd>{escape('; '.join(f'{g} ({n} works)' for g, n in entry['grants'].items()) or 'none')}"
                    f"</dd>" + (f"<dt>lapsing within 90 days</dt><dd>{escape(', '.join(entry['lapsing']))}</dd>"
                                if entry["lapsing"] else "") + "</dl></details></td></tr>")
    return "".join(rows) or '<tr><td colspan="4">nobody is shown in these works</td></tr>'


_WORKS_CONTROLS = (
    '<fieldset><legend>Show</legend>'
    '<label><input type="radio" name="show" id="f-all" checked> all</label>'
    '<label><input type="radio" name="show" id="f-problems"> not cleared</label>'
    '<label><input type="radio" name="show" id="f-block"> blocked</label>'
    '<label><input type="radio" name="show" id="f-review"> to review</label>'
    '<label><input type="radio" name="show" id="f-cleared"> cleared</label></fieldset>'
    '<fieldset><legend>Order</legend>'
    '<label><input type="radio" name="order" id="s-none" checked> as in the dataset</label>'
    '<label><input type="radio" name="order" id="s-status"> problems first</label>'
    '<label><input type="radio" name="order" id="s-title"> by title (A-Z)</label></fieldset>')


def head(meta: dict[str, Any], totals: Totals, checkpoint: str, audit_entry: dict[str, Any],
         lineage: list[dict[str, Any]] | None = None) -> str:
    """Everything before the per-work rows: the first screen, the charts, people, grants and the record."""
    title = f"Training-data audit of {meta['dataset_version']}"
    reasons = [{**r, "label": totals.phrases.get(r["key"], r["label"])} for r in audit_csv.reason_rows(totals)]
    metadata = _table(["", ""], [[k, v] for k, v in meta["shown"].items()])
    parts = [f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
             f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
             f"<style>{STYLE}</style></head><body><main>",
             audit_first_screen.render(meta, totals),
             "<h2>Outcomes</h2>",
             f'<p>{totals.cleared} of {totals.assets} works are cleared for training '
             f'({audit_csv.percent(totals.share(totals.cleared))}).</p>',
             _chart("status", "Works by outcome", audit_csv.status_rows(totals)[1:]),
             "<h2>Why works are not cleared</h2>",
             _chart("reasons", "Works not cleared, by what was found", reasons),
             "<h2>People shown in the works</h2>",
             "<p>Consents (AB 2602) and estate permissions (AB 1836). <em>missing</em>: nothing on file; "
             "<em>not sufficient</em>: a grant is on file but does not allow this training; <em>lapsing</em>: a "
             "grant relied on ends within 90 days.</p>",
             '<div class="scroll"><table><thead><tr><th>person</th><th>state</th><th>why</th><th>facts</th></tr>'
             f"</thead><tbody>{_person_rows(totals)}</tbody></table></div>",
             "<h2>License coverage by licensor</h2>",
             _chart("licensors", "Works covered, by licensor", audit_csv.licensor_rows(totals)),
             _table(["licensor", "name", "works", "cleared", "not cleared"],
                    [[k, e["name"], e["assets"], e["cleared"], e["assets"] - e["cleared"]]
                     for k, e in totals.licensors.items()], {2, 3, 4}),
             "<h2>Opt-outs honoured, by source</h2>",
             "<p>Only signals that reserve the rights count (notAllowed, constrained, a prohibition, a TDM "
             "reservation, a disallow); a signal that allows training is listed below, not counted as an opt-out."
             "</p>",
             _chart("opt_outs", "Works carrying an opt-out, by source", audit_csv.opt_out_rows(totals)),
             _table(["source", "works with an opt-out", "excluded from training", "still cleared"],
                    [[s, e["assets"], e["excluded"], e["still_cleared"]] for s, e in sorted(totals.opt_outs.items())],
                    {1, 2, 3}),
             _table(["source", "works whose signals allow training"],
                    [[s, n] for s, n in sorted(totals.signals_allowing.items())], {1}),
             "<h2>Licenses, consents and permissions ending in the next 90 days</h2>",
             _table(["grant", "ends on", "days left", "works it covers", "works relying on it"],
                    [[f"{e['kind'].replace('_', ' ')} {e['id']}", e["ends_on"], e["days_left"], e["assets"],
                      e["relied_on"]] for e in totals.expiring], {2, 3, 4}),
             "<h2>Revoked grants and their impact</h2>",
             _table(["grant", "revoked on", "reason", "works touched", "not cleared", "models trained on this version"],
                    [[f"{r['kind']} {r['id']}", r["revoked_on"], r["reason"], r["assets"], r["not_cleared"],
                      ", ".join(r["models"]) or "none"] for r in totals.revocations], {3, 4}),
             "<h2>Models that learnt from this version</h2>",
             "<p>Trained on it, or derived from a model that was (fine-tuned, distilled, merged, adapter): each "
             "carries this version's obligations.</p>",
             _table(["model", "name", "version", "developer", "how this version reached it"],
                    [[r["model"], r["name"], r["version"], r["developer"], r["via"]] for r in lineage or []]),
             "<h2>The record behind this report</h2>",
             f'<div class="meta">{metadata}</div>',
             f"<p>Computed at the signed log checkpoint below (tree size {meta['checkpoint_size']}).</p>",
             f"<pre>{escape(checkpoint)}</pre>",
             f"<p>This audit is itself log entry <strong>{audit_entry['index']}</strong> "
             f"(<code>audit.recorded</code>, leaf hash <code>{escape(audit_entry['leaf_hash'])}</code>), which "
             "commits to the SHA-256 of the CSV written with this page; it is included in the checkpoint:</p>",
             f"<pre>{escape(audit_entry['checkpoint'])}</pre>",
             '<section id="works" aria-labelledby="works-h"><h2 id="works-h">Every work</h2>',
             _WORKS_CONTROLS,
             '<table class="works"><thead><tr><th>title</th><th>outcome</th><th>why</th><th>facts</th></tr></thead>'
             "<tbody>\n"]
    return "".join(parts)


TAIL = "</tbody></table></section></main></body></html>\n"


def write(out: IO[str], head_html: str, rows: IO[str]) -> None:
    """The page: ``head_html``, the asset rows already written to ``rows`` (copied in pieces), the tail."""
    out.write(head_html)
    rows.seek(0)
    while chunk := rows.read(1 << 20):
        out.write(chunk)
    out.write(TAIL)
