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
    for match in outcome["matches"]:
        ranges = match.get("voice_ranges")
        where = (f"heard at {', '.join(f'{a:.1f}-{b:.1f}s' for a, b in ranges)}" if ranges and match["channel"] == "voice"
                 else f"{match['frames_matched']}/{match['query_frames']} frames")
        console.print(f"  match: {match['subject']} {match['subject_id']} via {match['channel']} ({match['method']} "
                      f"{match['score']:g}, threshold {match['threshold']:g}, {match['strength']}), {where}")
    for person in outcome["prompt_findings"]["people"]:
        console.print(f"  prompt names {person['name']} ({person['id']})")
    for work in outcome["prompt_findings"]["works"]:
        console.print(f"  prompt names the work {work['title']} ({work['id']})")
    unavailable = outcome["channels"]["unavailable"]
    console.print(f"  channels run: {', '.join(outcome['channels']['ran'])}"
                  + "".join(f"; not run {k}: {v}" for k, v in unavailable.items()))
    if "voice" in outcome["channels"]["ran"] and not any(m["channel"] == "voice" for m in outcome["matches"]):
        console.print("  voice: no enrolled voice heard")
    if outcome.get("signed"):
        console.print(f"  signed clip: {outcome['signed']['path']} (manifest {outcome['signed']['manifest_label']})")
