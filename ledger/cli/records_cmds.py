"""``clearance <kind> add|list|show|revoke|amend`` for every record kind in the registry."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.table import Table

from ledger import json_limits
from ledger.cli.common import JSON_OPTION, console, parse_assignments, print_json, ready_context
from ledger.cli.lineage_view import lineage_tree, parse_parents
from ledger.errors import FieldProblem, ValidationFailed
from ledger.records.catalog import CATALOG, KindInfo

if TYPE_CHECKING:
    from ledger.records.kinds import RecordKind

SUMMARY_COLUMNS = ("name", "title", "matter", "contract_ref", "version", "entry", "kind", "role")


def _load_json(path: str) -> dict[str, Any]:
    text = sys.stdin.read() if path == "-" else Path(path).read_text()
    data = json_limits.loads(text, path)  # bad JSON, deep nesting, NUL, 2**53+, NaN: named
    if not isinstance(data, dict):
        raise ValidationFailed(f"{path} must hold one JSON object")
    return data


def _media_fields(kind: RecordKind[Any, Any], path: Path) -> dict[str, Any]:
    from ledger.media_store import store_file

    if kind.name != "asset":
        raise ValidationFailed("--file applies to assets only", problems=[FieldProblem("--file", "not an asset")])
    stored = store_file(ready_context().settings, path)
    return {"sha256": stored.sha256, "md5": stored.md5, "sha1": stored.sha1, "size_bytes": stored.size_bytes,
            "media_type": stored.media_type, "source_uri": path.resolve().as_uri()}


def _date_option(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise ValidationFailed("bad date", problems=[FieldProblem("--on", "expected YYYY-MM-DD")]) from None


def _print_dependents(affected: dict[str, list[str]]) -> None:
    for label, ids in affected.items():
        console.print(f"  {label.replace('_', ' ')} affected: {', '.join(ids) or 'none'}")


def _kind(info: KindInfo) -> RecordKind[Any, Any]:
    """The kind with its models, loaded when a command runs (``--help`` needs only the catalog)."""
    from ledger.records.kinds import KINDS

    return KINDS[info.name]


def build(info: KindInfo) -> typer.Typer:
    """The ``clearance <kind>`` command group. Commands import the records layer when they run."""
    sub = typer.Typer(help=info.summary, no_args_is_help=True)

    @sub.command("add")
    def add(fields: list[str] = typer.Argument(None, help="FIELD=VALUE pairs (JSON for lists and objects)"),
            from_json: Optional[str] = typer.Option(None, "--from-json", help="a JSON object file, or - for stdin"),
            record_id: Optional[str] = typer.Option(None, "--id", help="choose the record id"),
            media_file: Optional[Path] = typer.Option(None, "--file", help="assets: store this file and take "
                                                      "sha256, md5, sha1, size and media type from it"),
            parent: Optional[list[str]] = typer.Option(None, "--parent", help="models: a parent model, "
                                                       "ID:RELATIONSHIP[:CHECKPOINT_SHA256] (repeatable)"),
            as_json: bool = JSON_OPTION) -> None:
        """Register a record; prints its id and log index."""
        from ledger.records import service

        kind = _kind(info)
        data = _load_json(from_json) if from_json else {}
        if media_file is not None:
            data.update(_media_fields(kind, media_file))
        from ledger.records.models import booleans_from_text

        data.update(booleans_from_text(kind.fields, parse_assignments(fields or [])))
        if parent:
            if kind.name != "model":
                raise ValidationFailed("--parent applies to models only",
                                       problems=[FieldProblem("--parent", "not a model")])
            data["parents"] = [*data.get("parents", []), *parse_parents(parent)]
        if record_id:
            data["id"] = record_id
        written = service.create_record(ready_context(), kind, data, "cli")
        if as_json:
            print_json(written.as_json())
        else:
            console.print(f"[green]added[/green] {info.name} {written.record['id']} "
                          f"(log entry {written.receipt.index}, checkpoint size {written.receipt.tree_size})")

    @sub.command("list")
    def list_(limit: int = typer.Option(100, min=1), offset: int = typer.Option(0, min=0),
              as_json: bool = JSON_OPTION) -> None:
        """List records in the order they were registered."""
        from ledger.records import service

        total, items = service.list_records(ready_context(), _kind(info), limit, offset)
        if as_json:
            print_json({"total": total, "items": items})
            return
        table = Table(title=f"{info.plural} ({total})")
        shown = [c for c in SUMMARY_COLUMNS if items and c in items[0]][:2]
        for column in ["id", *shown, "log_index"]:
            table.add_column(column)
        for item in items:
            table.add_row(*(str(item.get(c, "")) for c in ["id", *shown, "log_index"]))
        console.print(table)

    if info.name == "model":
        @sub.command("show")
        def show_model(record_id: str, as_json: bool = JSON_OPTION) -> None:
            """Print the model and its lineage as a tree (--json: the record with its lineage)."""
            from ledger.records import service

            ctx = ready_context()
            record = service.get_record(ctx, _kind(info), record_id)
            tree = service.model_lineage(ctx, record_id)
            if as_json:
                print_json({**record, "lineage": tree})
                return
            console.print(lineage_tree(tree))
            console.print(f"  trained on: {', '.join(record['dataset_version_ids']) or 'no dataset version'}; "
                          f"log entry {record['log_index']}")
    else:
        @sub.command("show")
        def show(record_id: str) -> None:
            """Print one record as JSON."""
            from ledger.records import service

            print_json(service.get_record(ready_context(), _kind(info), record_id))

    if info.revocable:
        @sub.command("revoke")
        def revoke(record_id: str, reason: str = typer.Option(..., "--reason"),
                   on: Optional[str] = typer.Option(None, "--on", help="effective date (YYYY-MM-DD)"),
                   as_json: bool = JSON_OPTION) -> None:
            """Revoke; lists the assets, dataset versions and models that depend on it."""
            from ledger.records import service

            written, affected = service.revoke(ready_context(), _kind(info), record_id, reason, "cli",
                                               _date_option(on))
            if as_json:
                print_json({**written.as_json(), "dependents": affected})
                return
            console.print(f"[yellow]revoked[/yellow] {info.name} {record_id} (log entry {written.receipt.index})")
            _print_dependents(affected)

    if info.amendable:
        @sub.command("amend")
        def amend(record_id: str,
                  fields: list[str] = typer.Argument(..., help="FIELD=VALUE pairs to change (JSON for lists)"),
                  reason: str = typer.Option(..., "--reason"),
                  document: Optional[str] = typer.Option(None, "--document-sha256",
                                                         help="SHA-256 of the signed amendment"),
                  on: Optional[str] = typer.Option(None, "--on", help="effective date (YYYY-MM-DD), not later "
                                                   "than today"),
                  as_json: bool = JSON_OPTION) -> None:
            """Amend the terms; lists what relied on the earlier terms."""
            from ledger.records import amendments
            from ledger.records.models import booleans_from_text

            written, affected = amendments.amend(ready_context(), _kind(info), record_id,
                                                 booleans_from_text(_kind(info).fields, parse_assignments(fields)),
                                                 reason, "cli", document, _date_option(on))
            if as_json:
                print_json({**written.as_json(), "dependents": affected})
                return
            changed = written.record["amendments"][-1]["changed"]
            console.print(f"[green]amended[/green] {info.name} {record_id}: {', '.join(changed)} "
                          f"(log entry {written.receipt.index})")
            _print_dependents(affected)

    if info.name == "legal_hold":
        @sub.command("release")
        def release(hold_id: str, reason: str = typer.Option(..., "--reason")) -> None:
            """Release a legal hold."""
            from ledger.records import service

            written = service.release_hold(ready_context(), hold_id, reason, "cli")
            console.print(f"released legal hold {hold_id} (log entry {written.receipt.index})")

    return sub


def register(app: typer.Typer) -> None:
    for info in CATALOG.values():
        app.add_typer(build(info), name=info.command, rich_help_panel="Records")
