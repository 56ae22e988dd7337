"""The top of the audit report: the verdict, what is at risk and the three largest problems with their fix.

Plain sentences a general counsel reads first; every number comes from the audit's totals,
the same ones the tables and the CSV below hold.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ledger.reports.dataset_audit import Totals

STATUTORY_FLOOR_USD = 10_000  # Cal. Civ. Code § 3344.1(a)(1): the greater of $10,000 or the actual damages


def _works(n: int) -> str:
    return f"{n} work" + ("" if n == 1 else "s")


def verdict(meta: dict[str, Any], totals: Totals) -> tuple[str, str]:
    """(css class, sentence): may this version train this model, in these territories, on this date?"""
    not_cleared = totals.assets - totals.cleared
    review = totals.by_status["review"]
    scope = (f"dataset version {meta['dataset_version']} to train {meta['model_label']} "
             f"in {meta['territories']} on {meta['use_date']}")
    if not totals.assets:
        return "review", f"Nothing to decide: {scope} has no works."
    if not not_cleared:
        return "cleared", f"Yes. All {_works(totals.assets)} of {scope} are cleared."
    if review == not_cleared:
        return "review", (f"Not yet. {review} of {totals.assets} works need a person's review before "
                          f"{scope}; the other {totals.cleared} are cleared.")
    return "block", (f"No. {not_cleared} of {totals.assets} works may not be used for {scope} "
                     f"({totals.by_status['block']} blocked, {review} to review); {totals.cleared} are cleared.")


def risks(totals: Totals) -> list[str]:
    """What is at risk, in numbers and, where the records have them, money."""
    out = []
    if totals.without_license:
        out.append(f"{_works(totals.without_license)} without a license on file (and not the studio's own production).")
    deceased = sorted(e["name"] for e in totals.people.values() if e.get("deceased") and e["missing"])
    if deceased:
        floor = STATUTORY_FLOOR_USD * len(deceased)
        out.append(f"{len(deceased)} deceased {'person' if len(deceased) == 1 else 'people'} shown without an estate "
                   f"permission that allows this ({', '.join(deceased)}): statutory damages under Cal. Civ. Code "
                   f"§ 3344.1 are the greater of $10,000 or the actual damages, per person, so at least "
                   f"${floor:,} in all.")
    living = sorted(e["name"] for e in totals.people.values() if not e.get("deceased") and e["missing"])
    if living:
        out.append(f"{len(living)} living performer{'s' if len(living) != 1 else ''} without a consent that allows "
                   f"this training ({', '.join(living)}); a replica clause without it is unenforceable (AB 2602).")
    opted = sum(e["assets"] for e in totals.opt_outs.values())
    if opted:
        out.append(f"{_works(opted)} whose rights holders opted out of AI training.")
    revoked = [r for r in totals.revocations if r["not_cleared"]]
    if revoked:
        out.append(f"{len(revoked)} revoked grant{'s' if len(revoked) != 1 else ''} still touch "
                   f"{_works(sum(r['not_cleared'] for r in revoked))}.")
    expiring = [e for e in totals.expiring]
    if expiring:
        first = expiring[0]
        out.append(f"{len(expiring)} grant{'s end' if len(expiring) != 1 else ' ends'} within 90 days "
                   f"(first: {first['kind'].replace('_', ' ')} {first['id']} on {first['ends_on']}).")
    return out or ["Nothing: every work is cleared and no grant ends within 90 days."]


def fixes(totals: Totals, limit: int = 3) -> list[tuple[int, str]]:
    """The largest groups of problems (works in each) with what would fix them."""
    ranked = sorted(totals.problems.items(), key=lambda kv: (-kv[1], kv[0].kind, kv[0].target))[:limit]
    return [(count, problem.fix(count)) for problem, count in ranked]


def render(meta: dict[str, Any], totals: Totals) -> str:
    css, sentence = verdict(meta, totals)
    knowledge = (f"what the ledger knew when its log had {meta['knowledge_size']} entries (log size "
                 f"{meta['knowledge_size']}; later records do not count)" if meta.get("knowledge_size") is not None
                 else f"everything logged up to the signed checkpoint of log size {meta['checkpoint_size']}")
    project = (f"Training project: {escape(meta['project'])}." if meta.get("project_stated") else
               f"No training project was given: consents and estate permissions were read for "
               f"{escape(meta['project'])}, the model's name (give --project to name the project).")
    fix_items = "".join(f"<li><strong>{_works(n)}:</strong> {escape(text)}</li>" for n, text in fixes(totals))
    return (f'<section aria-labelledby="verdict-h" class="first"><h1 id="verdict-h">May this dataset train '
            f"{escape(meta['model_label'])}?</h1>"
            f'<p class="verdict {css}">{escape(sentence)}</p>'
            f"<p>Judged as of <strong>{escape(meta['use_date'])}</strong> (the date of the use), with "
            f"{escape(knowledge)}, under policy set <code>{escape(meta['policy_set'][:12])}</code>. {project}</p>"
            f'<h2>What is at risk</h2><ul class="risks">{"".join(f"<li>{escape(r)}</li>" for r in risks(totals))}</ul>'
            + (f"<h2>The largest problems, and what would fix them</h2><ol class=\"fixes\">{fix_items}</ol>"
               if fix_items else "")
            + "</section>")
