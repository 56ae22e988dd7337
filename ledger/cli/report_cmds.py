"""``clearance audit``, ``clearance training-summary`` and ``clearance bom``: documents for people and regulators."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer

from ledger.cli.common import JSON_OPTION, console, print_json, ready_context


def audit(dataset_version: str, model: Optional[str] = typer.Option(None, "--model", help="registered model id"),
          territory: list[str] = typer.Option(["US"], "--territory", help="repeatable, ISO 3166 or WORLD"),
          out: Optional[Path] = typer.Option(None, "--out", help="folder for the report; default "
                                             "$CLEARANCE_HOME/reports/audits/<audit id>"),
          as_of: Optional[str] = typer.Option(None, "--as-of", help="date of the use (YYYY-MM-DD): was training "
                                              "lawful on that day? default: today"),
          at_checkpoint: Optional[int] = typer.Option(None, "--at-checkpoint", help="judge with what the ledger "
                                                      "knew when the log had N entries (later records do not count)"),
          project: Optional[str] = typer.Option(None, "--project", help="the training project consents and "
                                                "estate permissions must name; default: the model's name"),
          as_json: bool = JSON_OPTION) -> None:
    """Audit a dataset version for training: an HTML report and a CSV (with a model, also its EU training summary
    and BOM from the same run), and the audit logged as an event."""
    from ledger.reports.audit_service import AuditOptions, audit_dataset

    options = AuditOptions(use_date=_day(as_of), at_checkpoint=at_checkpoint, project=project)
    result = audit_dataset(ready_context(), dataset_version, model, territory, "cli", out, options=options)
    if as_json:
        print_json(result.as_json())
        return
    totals = result.totals
    console.print(f"{totals['cleared']}/{totals['assets']} assets of {dataset_version} cleared for training "
                  f"({totals['review']} to review, {totals['block']} blocked); audit {result.audit_id} is log "
                  f"entry {result.log['index']}")
    console.print(f"report: {result.html}\ncsv:    {result.csv}", markup=False)
    for name, path in result.companions.items():
        console.print(f"{name.replace('_', ' ')}: {path}", markup=False)


def _day(value: str | None) -> date | None:
    from ledger.errors import FieldProblem, ValidationFailed

    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise ValidationFailed("bad date", problems=[FieldProblem("--as-of", f"{value!r}: expected YYYY-MM-DD")]) \
            from None


def training_summary(model: str, out: Path = typer.Option(Path("."), "--out", help="folder to write into"),
                     territory: list[str] = typer.Option(["US"], "--territory"), as_json: bool = JSON_OPTION) -> None:
    """EU AI Act Art. 53(1)(d) public summary of a model's training content (Markdown and JSON)."""
    from ledger.reports.model_docs import write_training_summary

    written = write_training_summary(ready_context(), model, out, territory)
    if as_json:
        print_json(written)
        return
    console.print(f"summary: {written['markdown']}\njson:    {written['json']}", markup=False)
    console.print(f"{len(written['unfilled'])} fields need a person to complete them (marked TO COMPLETE)")


def bom(model: str, out: Path = typer.Option(Path("."), "--out", help="folder to write into"),
        territory: list[str] = typer.Option(["US"], "--territory"), as_json: bool = JSON_OPTION) -> None:
    """CycloneDX 1.6 ML-BOM of a model and its dataset versions, validated before it is written."""
    from ledger.reports.model_docs import write_bom

    written = write_bom(ready_context(), model, out, territory)
    if as_json:
        print_json(written)
        return
    console.print(f"CycloneDX 1.6 ML-BOM (validated): {written['cyclonedx']}", markup=False)
