"""``clearance demo``: a small studio world, built on the embedded default."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from ledger.context import Clearance
from ledger.demo import world
from ledger.demo.media import synthetic_work
from ledger.log import views
from ledger.log.proof_file import ProofFile
from ledger.log.note import Verifier
from ledger.media_store import store_bytes
from ledger.records import service
from ledger.records.kinds import KINDS
from ledger.setup import initialise


def _ensure(ctx: Clearance, kind: str, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create the record unless the demo already made it; return it and whether it is new."""
    from ledger.errors import NotFound

    try:
        return service.get_record(ctx, KINDS[kind], data["id"]), False
    except NotFound:
        return service.create_record(ctx, KINDS[kind], data, "demo").record, True


def build_world(ctx: Clearance) -> dict[str, list[dict[str, Any]]]:
    made: dict[str, list[dict[str, Any]]] = {}

    def add(kind: str, data: dict[str, Any]) -> dict[str, Any]:
        record, _ = _ensure(ctx, kind, data)
        made.setdefault(kind, []).append(record)
        return record

    for party in world.parties():
        add("party", party)
    add("license", world.license_record())
    asset_ids = []
    for asset_id, title, seed in world.WORKS:
        stored = store_bytes(ctx.settings, synthetic_work(seed), f"{asset_id}.png")
        add("asset", {"id": asset_id, "role": "training_asset", "title": title, "media_type": stored.media_type,
                      "sha256": stored.sha256, "md5": stored.md5, "sha1": stored.sha1, "size_bytes": stored.size_bytes,
                      "source_uri": f"library://harbor-archive/{asset_id}", "acquisition_method": "licensed",
                      "acquired_on": "2024-01-10", "acquired_by": "Northlight library team",
                      "rights_holder_id": world.HARBOR, "license_id": world.LICENSE})
        asset_ids.append(asset_id)
    for consent in world.consents():
        add("consent", consent)
    add("estate_permission", world.estate_permission())
    for kind, data in world.dataset_records(asset_ids):
        add(kind, data)
    return made


def run_demo(ctx: Clearance, console: Console) -> None:
    initialise(ctx)
    console.rule("Clearance demo: a small studio world")
    made = build_world(ctx)
    table = Table(title="Registered records")
    for column in ("kind", "id", "what"):
        table.add_column(column)
    for kind, records in made.items():
        for record in records:
            what = record.get("name") or record.get("title") or record.get("contract_ref") or record.get("version", "")
            table.add_row(kind, record["id"], str(what))
    console.print(table)
    _consent_notes(made, console)
    note = ctx.checkpoint()
    console.print("\n[bold]Latest signed checkpoint[/bold] (C2SP tlog-checkpoint):")
    console.print(note, markup=False, highlight=False)
    index = made["license"][0]["log_index"]
    proof = ProofFile.parse(views.tlog_proof(ctx, index))
    checkpoint = proof.verify(views.leaf(ctx, index), Verifier.from_vkey(ctx.log_key.vkey))
    console.print(f"[green]verified[/green]: the license {made['license'][0]['id']} (log entry {index}) is included "
                  f"in the checkpoint of size {checkpoint.size}, using only the log's public key "
                  f"({len(proof.proof)} proof hashes).")


def _consent_notes(made: dict[str, list[dict[str, Any]]], console: Console) -> None:
    """Facts a legal reviewer looks at first; the policies (policies/) make the decisions."""
    console.print("\n[bold]Performer consents (AB 2602 facts)[/bold]")
    for consent in made.get("consent", []):
        uses = len(consent["intended_uses"])
        console.print(f"  {consent['id']}: fixed {consent['performance_fixed_on']}, representation "
                      f"{consent['representation']}, {uses} structured intended use(s)")
    console.print("[bold]Deceased performers (AB 1836 facts)[/bold]")
    permitted = {p["decedent_id"]: p["id"] for p in made.get("estate_permission", [])}
    for party in made.get("party", []):
        if party.get("died_on"):
            cover = permitted.get(party["id"])
            console.print(f"  {party['name']} (died {party['died_on']}): "
                          + (f"estate permission {cover}" if cover else "no estate permission on record"))
