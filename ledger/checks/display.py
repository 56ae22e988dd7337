"""How a check's outcome reads on a terminal (CLI and demo alike)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

COLOURS = {"pass": "green", "review": "yellow", "block": "red"}


def print_reasons(console: Console, reasons: list[dict[str, Any]]) -> None:
    """Each reason with its subject and policy, then the clause it encodes and the facts that decided it."""
    for reason in reasons:
        subject = f" ({reason['subject_kind']} {reason['subject_id']})" if reason.get("subject_kind") else ""
        console.print(escape(f"  - {reason['sentence']}{subject} [{reason['policy_id']}]"))
        if reason.get("clause"):
            where = f" ({reason['jurisdiction']})" if reason.get("jurisdiction") else ""
            console.print(escape(f"      clause{where}: {reason['clause']}"))
        for fact in reason.get("facts") or []:
            value = "not recorded" if fact["value"] is None else fact["value"]
            console.print(escape(f"      fact: {fact['name']} = {value}"))


def print_obligations(console: Console, obligations: list[dict[str, Any]]) -> None:
    """What must come with the use besides the verdict (a visible label), with its law and reason."""
    for item in obligations:
        what = "VISIBLE LABEL REQUIRED" if item["kind"] == "visible_label" else item["kind"]
        console.print(escape(f"  {what} ({item['jurisdiction']}, {item['law']}): {item['label']}"))
        console.print(escape(f"      because {item['reason']}"))


def print_limits(console: Console, channels: dict[str, Any]) -> None:
    """Channels that ran but searched in part: what the verdict's "no match" there does not cover."""
    for name, left_out in (channels.get("limits") or {}).items():
        console.print(escape(f"  searched in part, {name}: {left_out}"))


def disclosure_lines(disclosure: dict[str, Any]) -> list[str]:
    """``verify``'s AI disclosure: each field present or MISSING with the laws it serves, then the labels required."""
    state = "complete" if disclosure["complete"] else "INCOMPLETE: " + "; ".join(
        [f"missing {', '.join(disclosure['missing'])}"] * bool(disclosure["missing"])
        + [f"places disagree on {', '.join(disclosure['conflicts'])}"] * bool(disclosure["conflicts"]))
    lines = [f"AI disclosure (SB 942 latent disclosure, EU AI Act Art. 50(2) marking): {state}"]
    for item in disclosure["fields"]:
        found = f"present: {item['value']} [{', '.join(item['found_in'])}]" if item["present"] else "MISSING"
        lines.append(f"  {item['element']}: {found}" + (" (places disagree)" if item["conflict"] else ""))
        lines.append(f"      serves {'; '.join(item['laws'])}")
    for label in disclosure.get("visible_labels_required") or []:
        lines.append(f"  visible label required ({label['jurisdiction']}, {label['law']}): {label['label']}")
    return lines


def print_outcome(console: Console, outcome: dict[str, Any], title: str | None = None) -> None:
    verdict = outcome["verdict"]
    colour = COLOURS[verdict]
    console.print(f"{escape(title or outcome['clip_id'])}: [bold {colour}]{verdict.upper()}[/bold {colour}] "
                  f"(check {outcome['check_id']}, log entry {outcome['log']['index']})")
    print_reasons(console, outcome["reasons"])
    for match in outcome["matches"]:
        ranges = match.get("voice_ranges")
        where = (f"heard at {', '.join(f'{a:.1f}-{b:.1f}s' for a, b in ranges)}" if ranges and match["channel"] == "voice"
                 else f"{match['frames_matched']}/{match['query_frames']} frames")
        console.print(f"  match: {match['subject']} {match['subject_id']} via {match['channel']} ({match['method']} "
                      f"{match['score']:g}, threshold {match['threshold']:g}, {match['strength']}), {where}")
    for person in outcome["prompt_findings"]["people"]:
        console.print(escape(f"  prompt names {person['name']} ({person['id']}): "
                             f"\"{person.get('quote', person['matched'])}\""))
    for work in outcome["prompt_findings"]["works"]:
        console.print(escape(f"  prompt names the work {work['title']} ({work['id']}): "
                             f"\"{work.get('quote', work['matched'])}\""))
    unavailable = outcome["channels"]["unavailable"]
    console.print(f"  channels run: {', '.join(outcome['channels']['ran'])}"
                  + "".join(f"; not run {k}: {v}" for k, v in unavailable.items()))
    print_limits(console, outcome["channels"])
    if "voice" in outcome["channels"]["ran"] and not any(m["channel"] == "voice" for m in outcome["matches"]):
        console.print("  voice: no enrolled voice heard")
    print_obligations(console, outcome.get("obligations") or [])
    if outcome.get("signing_refused"):
        refused = outcome["signing_refused"]
        console.print(escape(f"  NOT signed: {refused['detail']}"))
        for problem in refused.get("errors") or []:
            console.print(escape(f"      {problem['field']}: {problem['message']}"))
    if outcome.get("signed"):
        console.print(f"  signed clip: {outcome['signed']['path']} (manifest {outcome['signed']['manifest_label']})")


def print_check(console: Console, check: dict[str, Any], clip: dict[str, Any], history: dict[str, Any]) -> None:
    """``clearance check show``: the decision, its evidence with times, the review and the proved history."""
    verdict = check["verdict"]
    colour = COLOURS[verdict]
    console.print(f"{escape(clip['filename'])}: [bold {colour}]{verdict.upper()}[/bold {colour}] "
                  f"(check {check['id']}, clip {clip['id']}, log entry {check['log_index']})")
    print_reasons(console, check["reasons"])
    for item in check.get("evidence") or []:
        matched = item["matched"]
        where = f"{matched['time_s']:.1f} s" if matched.get("sha256") else matched.get("unavailable", "")
        box = f", face box {item['query_box']}" if item.get("query_box") else ""
        console.print(escape(f"  evidence: clip at {item['query_time_s']:.1f} s ~ {item['owner_kind']} {item['owner']} "
                             f"at {where} via {item['channel']}/{item['method']} score {item['score']:g} "
                             f"(threshold {item['threshold']:g}){box}"))
    for person in check["prompt_findings"].get("people", []):
        console.print(escape(f"  prompt names {person['name']} ({person['id']})"))
    for work in check["prompt_findings"].get("works", []):
        console.print(escape(f"  prompt names the work {work['title']} ({work['id']})"))
    print_obligations(console, check.get("obligations") or [])
    channels = check["channels"]
    console.print(escape(f"  channels run: {', '.join(channels['ran'])}"
                         + "".join(f"; not run {k}: {v}" for k, v in channels["unavailable"].items())))
    print_limits(console, channels)
    review = check["review_state"]
    if review in ("approved", "rejected"):
        code = f" [{check['review_reason_code']}]" if check.get("review_reason_code") else ""
        console.print(escape(f"  review: {review} by {check['reviewer']} ({check.get('reviewer_role')}) "
                             f"at entry {check.get('review_log_index')}{code}: {check['review_reason']}"))
    elif review == "pending":
        console.print("  review: [yellow]awaiting a decision[/yellow]")
    if check.get("signed_sha256"):
        console.print(f"  signed: manifest {check['manifest_label']}")
    if history.get("problem"):
        console.print(f"  [red]{escape(history['problem'])}[/red]")
    else:
        console.print(f"  history (each entry proved in the signed checkpoint of size {history['checkpoint']['size']}):")
    for entry in history["entries"]:
        proof = "proved" if entry["proved"] else f"NOT proved: {entry.get('proof_problem')}"
        console.print(escape(f"    {entry['index']:>6}  {entry['envelope']['type']:<15} {entry['envelope']['time']}  "
                             f"{entry['envelope']['actor']}  {proof}"))
