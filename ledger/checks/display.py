"""How a check's outcome reads on a terminal (CLI and demo alike)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

COLOURS = {"pass": "green", "review": "yellow", "block": "red"}


def print_outcome(console: Console, outcome: dict[str, Any], title: str | None = None) -> None:
    verdict = outcome["verdict"]
    colour = COLOURS[verdict]
    console.print(f"{escape(title or outcome['clip_id'])}: [bold {colour}]{verdict.upper()}[/bold {colour}] "
                  f"(check {outcome['check_id']}, log entry {outcome['log']['index']})")
    for reason in outcome["reasons"]:
        subject = f" ({reason['subject_kind']} {reason['subject_id']})" if reason.get("subject_kind") else ""
        console.print(escape(f"  - {reason['sentence']}{subject} [{reason['policy_id']}]"))
        if reason.get("clause"):
            console.print(escape(f"      clause: {reason['clause']}"))
        for fact in reason.get("facts") or []:
            value = "not recorded" if fact["value"] is None else fact["value"]
            console.print(escape(f"      fact: {fact['name']} = {value}"))
    for match in outcome["matches"]:
        console.print(f"  match: {match['subject']} {match['subject_id']} via {match['channel']} ({match['method']} "
                      f"{match['score']:g}, threshold {match['threshold']:g}, {match['strength']}), "
                      f"{match['frames_matched']}/{match['query_frames']} frames")
    for person in outcome["prompt_findings"]["people"]:
        console.print(escape(f"  prompt names {person['name']} ({person['id']}): "
                             f"\"{person.get('quote', person['matched'])}\""))
    for work in outcome["prompt_findings"]["works"]:
        console.print(escape(f"  prompt names the work {work['title']} ({work['id']}): "
                             f"\"{work.get('quote', work['matched'])}\""))
    unavailable = outcome["channels"]["unavailable"]
    console.print(f"  channels run: {', '.join(outcome['channels']['ran'])}"
                  + "".join(f"; not run {k}: {v}" for k, v in unavailable.items()))
    if outcome.get("signed"):
        console.print(f"  signed clip: {outcome['signed']['path']} (manifest {outcome['signed']['manifest_label']})")
