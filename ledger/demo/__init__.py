"""``clearance demo``: the whole story on the embedded default, offline, with media it makes itself.

A studio registers licensed and unlicensed works (with real fingerprints),
performers with and without compliant consent, and deceased performers with
and without estate permission; then four generated clips are checked (and a fifth,
released in New York only, is judged under New York law): one,
featuring a union performer whose blanket grant AB 2602's union prong makes
enforceable, passes and is signed, one copies the unlicensed work and is blocked, one
shows it small in a corner and goes to review, and one whose prompt names a
deceased performer without estate permission is blocked. The signed clip is
verified (its AI disclosure shown field by field, with the law each serves), a tampered copy fails,
and an entry is proved with the public key. An advertisement in New York with a synthetic performer
is told it needs a visible label (GBL § 396-b(3)).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ledger import clock
from ledger.checks.display import disclosure_lines, print_outcome
from ledger.checks.request import CheckRequest
from ledger.checks.service import check_clip
from ledger.cli.lineage_view import lineage_tree
from ledger.context import Clearance
from ledger.demo import world
from ledger.demo.media import generated_clip, synthetic_work, work_clip
from ledger.errors import NotFound
from ledger.fingerprints.service import register_asset
from ledger.audit import views
from ledger.log.note import Verifier
from ledger.log.proof_file import ProofFile
from ledger.records import service
from ledger.records.kinds import KINDS
from ledger.setup import initialise
from ledger.signing import sign_check, verify_media

# The demo's stated use date: every check, audit and report in it is judged as of this day, whatever day
# it runs (ledger.clock.pinned), so it tells the same story on any day. The records' dates lie before it.
RELEASE_DATE = date(2026, 12, 1)


def _ensure(ctx: Clearance, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Create the record unless an earlier run of the demo made it."""
    try:
        return service.get_record(ctx, KINDS[kind], data["id"])
    except NotFound:
        return service.create_record(ctx, KINDS[kind], data, "demo").record


def _ensure_work(ctx: Clearance, asset_id: str, title: str, seed: int, **fields: Any) -> dict[str, Any]:
    try:
        return service.get_record(ctx, KINDS["asset"], asset_id)
    except NotFound:
        media = work_clip(synthetic_work(seed))
        data = {"id": asset_id, "title": title, "acquired_on": "2024-01-10", **fields}
        return register_asset(ctx, data, media, f"{asset_id}.mp4", "demo").written.record


def build_world(ctx: Clearance) -> dict[str, list[dict[str, Any]]]:
    made: dict[str, list[dict[str, Any]]] = {}

    def add(kind: str, record: dict[str, Any]) -> None:
        made.setdefault(kind, []).append(record)

    for party in world.parties():
        add("party", _ensure(ctx, "party", party))
    add("license", _ensure(ctx, "license", world.license_record()))
    for asset_id, title, seed in world.WORKS:
        add("asset", _ensure_work(ctx, asset_id, title, seed, role="training_asset", acquisition_method="licensed",
                                  acquired_by="Northlight library team", rights_holder_id=world.HARBOR,
                                  license_id=world.LICENSE, source_uri=f"library://harbor-archive/{asset_id}"))
    asset_id, title, seed = world.UNLICENSED_WORK
    add("asset", _ensure_work(ctx, asset_id, title, seed, role="reference_work", acquisition_method="purchased",
                              rights_holder_id=world.RIDGEWAY, source_uri="library://reference/night-market"))
    for consent in world.consents():
        add("consent", _ensure(ctx, "consent", consent))
    add("estate_permission", _ensure(ctx, "estate_permission", world.estate_permission()))
    for kind, data in world.dataset_records([w[0] for w in world.WORKS]):
        add(kind, _ensure(ctx, kind, data))
    return made


def _scenarios() -> list[tuple[str, bytes, dict[str, Any]]]:
    licensed = synthetic_work(world.WORKS[0][2])
    unlicensed = synthetic_work(world.UNLICENSED_WORK[2])
    return [
        ("harbor-regraded.mp4", generated_clip(licensed, grade=(1.15, 1.0, 0.85)),
         {"reference_asset_ids": [world.WORKS[0][0]], "prompt": "the harbour at dusk, warmer light",
          "declared_people": [world.ROSA]}),
        ("night-market-copy.mp4", generated_clip(unlicensed, mirror=True, grade=(0.9, 1.0, 1.1)),
         {"prompt": "a busy night market, cinematic"}),
        ("street-with-poster.mp4", generated_clip(unlicensed, inset=0.45),
         {"prompt": "a city street with a poster in the corner"}),
        ("tribute-scene.mp4", generated_clip(synthetic_work(77)),
         {"prompt": "a tribute scene performed by Victor Crane"}),
    ]


def run_demo(ctx: Clearance, console: Console) -> None:
    with clock.pinned(RELEASE_DATE):
        _run_demo(ctx, console)


def _run_demo(ctx: Clearance, console: Console) -> None:
    initialise(ctx)
    from ledger.demo.vouching import start_local_vouchers

    vouchers = start_local_vouchers(ctx, console)  # counsel's witness and a TSA, on this machine
    try:
        _tell_story(ctx, console)
    finally:
        vouchers.stop()


def _tell_story(ctx: Clearance, console: Console) -> None:
    console.rule("Clearance demo: a small studio world")
    console.print(f"Every check, audit and report below is judged as of {RELEASE_DATE.isoformat()}, the demo's "
                  "stated use date, whatever day it runs (set CLEARANCE_TODAY to judge your own records as of "
                  "another day).", highlight=False)
    made = build_world(ctx)
    table = Table(title="Registered records")
    for column in ("kind", "id", "what"):
        table.add_column(column)
    for kind, records in made.items():
        for record in records:
            table.add_row(kind, record["id"], _describe(record))
    console.print(table)
    _consent_notes(made, console)

    console.rule("Pre-release checks of four generated clips")
    work_dir = ctx.settings.home / "demo"
    work_dir.mkdir(parents=True, exist_ok=True)
    passed = None
    for name, media, extra in _scenarios():
        request = CheckRequest(service=world.SERVICE, model_id=world.MODEL, project=world.PROJECT,
                               media=["streaming"], territories=["US"], release_date=RELEASE_DATE, **extra)
        outcome = check_clip(ctx, request, media, name, "demo").as_json()
        console.print()
        print_outcome(console, outcome, name)
        _union_prong_note(ctx, console, outcome)
        if outcome["verdict"] == "pass" and passed is None:
            passed = sign_check(ctx, outcome["check_id"], work_dir / f"signed-{name}", "demo")
            console.print(f"  signed with a C2PA manifest: {passed['path']}")
    if passed is not None:
        _show_verification(ctx, console, Path(passed["path"]))
    _show_new_york(ctx, console)
    _show_creator_fine_tune(ctx, console)
    _show_log(ctx, console, made)
    _show_reports(ctx, console, work_dir / "reports")
    from ledger.demo.production import show_production

    show_production(ctx, console)
    if passed is not None and Path(passed["path"]).suffix.lower() in (".mp4", ".mov"):
        from ledger.demo.soft_binding import show_soft_binding

        show_soft_binding(ctx, console, Path(passed["path"]))



def _show_reports(ctx: Clearance, console: Console, out: Path) -> None:
    from ledger.reports.audit_service import audit_dataset
    from ledger.reports.model_docs import write_bom, write_training_summary

    console.rule("Documents for legal teams and regulators")
    version = world.dataset_records([])[1][1]["id"]
    audit = audit_dataset(ctx, version, world.MODEL, ["US"], "demo", out)
    summary = write_training_summary(ctx, world.MODEL, out, ["US"])
    bom = write_bom(ctx, world.MODEL, out, ["US"])
    console.print(f"dataset audit of {version} ({audit.totals['cleared']}/{audit.totals['assets']} cleared, "
                  f"log entry {audit.log['index']}):\n  {audit.html}\n  {audit.csv}", markup=False, highlight=False)
    console.print(f"EU AI Act training-content summary ({len(summary['unfilled'])} fields to complete):\n"
                  f"  {summary['markdown']}\n  {summary['json']}", markup=False, highlight=False)
    console.print(f"CycloneDX 1.6 ML-BOM: {bom['cyclonedx']}", markup=False, highlight=False)


def _union_prong_note(ctx: Clearance, console: Console, outcome: dict[str, Any]) -> None:
    """Say which AB 2602 prong made a relied-on blanket grant enforceable (the union's, in the demo)."""
    for grant in outcome["relied_on"]:
        kind, _, grant_id = grant.partition(":")
        if kind != "consent":
            continue
        consent = service.get_record(ctx, KINDS["consent"], grant_id)
        if consent["blanket_grant"] and consent["representation"] == "union" \
                and consent["union_agreement_covers_replicas"]:
            console.print(f"  cleared by the union prong of AB 2602 (Labor Code 927(a)(3)): consent {grant_id} is a "
                          f"blanket grant with no described uses, but {consent['union_name']}'s "
                          f"{consent['union_agreement']} agreement ({consent['union_clause']}) expressly covers "
                          "digital replicas")


def _show_new_york(ctx: Clearance, console: Console) -> None:
    """A clip released in New York only, of a performer who died there in 2023: judged under New York law."""
    console.rule("A clip judged under New York law (Civil Rights Law § 50-f)")
    request = CheckRequest(service=world.SERVICE, model_id=world.MODEL, project=world.PROJECT,
                           media=["streaming"], territories=["US-NY"], release_date=RELEASE_DATE,
                           prompt="a stage tribute", declared_people=[world.JUNE])
    outcome = check_clip(ctx, request, generated_clip(synthetic_work(53)), "june-tribute.mp4", "demo").as_json()
    print_outcome(console, outcome, "june-tribute.mp4 (territory US-NY)")
    packs = sorted({r["jurisdiction"] for r in outcome["reasons"] if r.get("jurisdiction")})
    console.print(f"  judged under: {', '.join(packs)} (June Alder died 2023-04-02, domiciled in New York; "
                  "California's pack is not chosen for a use in New York only)")
    _show_new_york_advertisement(ctx, console)


def _show_new_york_advertisement(ctx: Clearance, console: Console) -> None:
    """An advertisement shown in New York with a synthetic performer: the check answers that it must carry a visible
    label (GBL § 396-b(3)) beside its verdict. The studio model's training licenses cover streaming and theatrical
    use, not advertising, so this one is blocked too; a cleared one would be signed with the label recorded."""
    console.rule("An advertisement in New York with a synthetic performer (GBL § 396-b)")
    request = CheckRequest(service=world.SERVICE, model_id=world.MODEL, project=world.PROJECT,
                           media=["advertising"], territories=["US-NY"], release_date=RELEASE_DATE,
                           prompt="an invented spokesperson on a pier", synthetic_performer=True)
    outcome = check_clip(ctx, request, generated_clip(synthetic_work(123)), "pier-ad.mp4", "demo").as_json()
    print_outcome(console, outcome, "pier-ad.mp4 (advertising, US-NY)")
    if not outcome["releasable"]:
        console.print("  the label requirement stands beside any verdict: a cleared advertisement is signed with it "
                      "recorded in its manifest, and the caller must put the label on screen")
        return
    out = ctx.settings.home / "demo" / "signed-pier-ad.mp4"
    sign_check(ctx, outcome["check_id"], out, "demo")
    report = verify_media(ctx, out)
    console.print(f"  signed and verified ({'ok' if report.ok else 'NOT ok'}); the manifest records the label:")
    for label in (report.disclosure or {}).get("visible_labels_required") or []:
        console.print(f"    visible label required ({label['jurisdiction']}, {label['law']}): {label['label']}",
                      markup=False, highlight=False)


def _show_creator_fine_tune(ctx: Clearance, console: Console) -> None:
    """A creator's fine-tune of the studio model (offered under a model license) and one of its clips."""
    console.rule("Model lineage: a creator's fine-tune of the studio model")
    for kind, data in world.creator_records():
        _ensure(ctx, kind, data)
    console.print(lineage_tree(service.model_lineage(ctx, world.CREATOR_MODEL)))
    request = CheckRequest(service=world.SERVICE, model_id=world.CREATOR_MODEL, project="Sol Ortega shorts",
                           media=["streaming"], territories=["US"], release_date=RELEASE_DATE,
                           prompt="a quiet pier at dawn")
    outcome = check_clip(ctx, request, generated_clip(synthetic_work(91)), "sol-pier.mp4", "demo").as_json()
    print_outcome(console, outcome, "Sol Ortega's clip (sol-pier.mp4)")
    console.print(f"  relied on: {', '.join(outcome['relied_on'])}")


def _describe(record: dict[str, Any]) -> str:
    """One line a reader can place: a name or title, else who grants what to whom."""
    if record["record_type"] == "license":
        return (f"{record['licensor_id']} -> {record['licensee_id']}: "
                f"{', '.join(record['permitted_uses'])} in {', '.join(record['territories'])}")
    if record["record_type"] == "estate_permission":
        return f"{record['grantor_id']} for {record['decedent_id']}: {', '.join(record['permitted_uses'])}"
    return str(record.get("name") or record.get("title") or record.get("contract_ref") or record.get("version", ""))


def _show_verification(ctx: Clearance, console: Console, signed: Path) -> None:
    console.rule("Verifying the signed clip")
    report = verify_media(ctx, signed)
    console.print(f"{signed.name}: C2PA {report.c2pa['state']}; log: {report.log['reason']}; "
                  f"content: {report.content['reason']} -> "
                  + ("[green]verified[/green]" if report.ok else "[red]NOT verified[/red]"))
    for line in disclosure_lines(report.disclosure or {"complete": False, "missing": ["all"], "conflicts": [],
                                                       "fields": []}):
        console.print(line, markup=False, highlight=False)
    tampered = signed.with_name("tampered-" + signed.name)
    data = bytearray(signed.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    report = verify_media(ctx, tampered)
    codes = ", ".join(f["code"] for f in report.c2pa["failures"])
    console.print(f"{tampered.name} (one byte flipped): C2PA {report.c2pa['state']} ({codes}); "
                  f"content: {report.content['reason']} -> "
                  + ("[green]verified[/green]" if report.ok else "[red]NOT verified[/red]"))


def _show_log(ctx: Clearance, console: Console, made: dict[str, list[dict[str, Any]]]) -> None:
    console.rule("The log")
    from ledger.witness.publish import vouched_checkpoint
    from ledger.witness.status import witness_report

    note = vouched_checkpoint(ctx).note  # asks the witness and the TSA now
    console.print("Latest signed checkpoint (C2SP tlog-checkpoint), cosigned by the witness:")
    console.print(note, markup=False, highlight=False)
    for line in witness_report(ctx).lines():
        console.print(line, markup=False, highlight=False)
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
        scope = ("a blanket grant" if consent.get("blanket_grant")
                 else f"{len(consent['intended_uses'])} structured intended use(s)")
        console.print(f"  {consent['id']}: executed {consent['executed_on']}, original performance fixed "
                      f"{consent['performance_fixed_on']}, representation {consent['representation']}, {scope}")
    console.print("  Labor Code 927(a) dates the replica's new performance: every clip generated from "
                  "2025-01-01 on is in scope, whatever those dates.")
    console.print("[bold]Deceased performers (AB 1836 facts)[/bold]")
    permitted = {p["decedent_id"]: p["id"] for p in made.get("estate_permission", [])}
    for party in made.get("party", []):
        if party.get("died_on"):
            cover = permitted.get(party["id"])
            console.print(f"  {party['name']} (died {party['died_on']}): "
                          + (f"estate permission {cover}" if cover else "no estate permission on record"))
