"""The demo's last act: a discovery production for a matter, checked by the standalone verifier as opposing counsel
would, then a forger's copy that the logged export catches."""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlmodel import col, select

from ledger.checks.models import Check
from ledger.checks.reviews import Reviewer, decide
from ledger.context import Clearance
from ledger.demo import world
from ledger.errors import Conflict, NotFound
from ledger.exports import layout
from ledger.exports.people import Person
from ledger.exports.privilege import assert_privilege
from ledger.exports.service import export
from ledger.exports.verify_custody import check_custody_certificate
from ledger.exports.verify_report import ExportReport
from ledger.records import service
from ledger.records.kinds import KINDS

VERIFIER_SOURCE = Path(__file__).resolve().parents[2] / "verifier" / "src"
MATTER = "Harbor Archive v. Northlight Pictures (C.D. Cal. 26-cv-0420)"
COUNSEL = Person("Dana Reyes", "legal")


def _verifier_command(root: Path, vkey: str, extra: list[str]) -> tuple[list[str], dict[str, str]] | None:
    """``clearance-verify`` in its own process: installed, or from this repository's ``verifier/`` folder."""
    env = dict(os.environ)
    try:
        # imported by name: it is a separate distribution (verifier/), not on mypy's path
        importlib.import_module("clearance_verify")
    except ImportError:
        if not (VERIFIER_SOURCE / "clearance_verify").is_dir():
            return None
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(VERIFIER_SOURCE), env.get("PYTHONPATH")]))
    return [sys.executable, "-m", "clearance_verify", str(root), "--log-key", vkey, "--load-files", *extra], env


def _hold(ctx: Clearance, hold_id: str, kind: str, record_id: str) -> None:
    """Place the demo's hold unless an earlier run placed it."""
    try:
        service.get_record(ctx, KINDS["legal_hold"], hold_id)
    except NotFound:
        service.create_record(ctx, KINDS["legal_hold"], {
            "id": hold_id, "matter": MATTER, "record_kind": kind, "record_id": record_id,
            "placed_by": COUNSEL.name, "placed_on": "2026-03-02", "reason": "litigation hold"}, "demo")


def _place_holds(ctx: Clearance) -> str | None:
    """Holds on the training data, the model and the released clip in dispute; the clip's id."""
    _hold(ctx, "demo-hold-dataset", "dataset_version", "demo-dataset-library-v1")
    _hold(ctx, "demo-hold-model", "model", world.MODEL)
    _hold(ctx, "demo-hold-fine-tune", "model", world.CREATOR_MODEL)  # privileged below: on the privilege log
    with ctx.db.reader() as session:
        released = session.exec(select(Check).where(col(Check.signed_sha256).is_not(None))
                                .order_by(col(Check.log_index)).limit(1)).first()
    if released is None:
        return None
    _hold(ctx, "demo-hold-clip", "clip", released.clip_id)
    return released.clip_id


def _redact_a_review(ctx: Clearance) -> str | None:
    """The clip that went to review: counsel approves it, the check is held, and the reviewer's reason (legal
    advice) is designated privileged field by field; the check's id, or None when there is none to redact."""
    with ctx.db.reader() as session:
        check = session.exec(select(Check).where(col(Check.review_state).in_(["pending", "approved"]))
                             .order_by(col(Check.log_index)).limit(1)).first()
    if check is None:
        return None
    if check.review_state == "pending":
        decide(ctx, check.id, "approve", "Counsel's advice: the work appears small and incidental, a fair use",
               "demo", Reviewer(COUNSEL.name, COUNSEL.role))
    _hold(ctx, "demo-hold-review", "check", check.id)
    try:
        assert_privilege(ctx, "check", check.id, "attorney-client", "counsel's advice given as a review's reason",
                         "demo", COUNSEL, fields=["review_reason"])
    except Conflict:  # a review logged by an earlier version commits to its payload whole: it cannot be redacted
        return None
    return check.id


def _forge(root: Path) -> Path:
    """A copy with one file added and the manifest rewritten, as a forger would."""
    copy = root.with_name(root.name + "-forged")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy)
    (copy / layout.NATIVES / "extra-memo.txt").write_text("added after the export\n", encoding="utf-8")
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(copy).as_posix()}\n"
             for p in sorted(copy.rglob("*"))
             if p.is_file() and p.relative_to(copy).as_posix() not in layout.OUTSIDE_MANIFEST]
    (copy / layout.MANIFEST).write_text("".join(lines), encoding="utf-8")
    return copy


def show_production(ctx: Clearance, console: Console) -> None:
    console.rule("A discovery production for a matter, verified by opposing counsel")
    clip_id = _place_holds(ctx)
    redacted_check = _redact_a_review(ctx)
    assert_privilege(ctx, "model", world.CREATOR_MODEL, "work-product",
                     "counsel's notes on a creator's fine-tune", "demo", COUNSEL)
    result: dict[str, Any] = export(ctx, {"matter": MATTER}, None, "demo", person=COUNSEL,
                                    overrides={"bates_prefix": "NLDEMO", "image_format": "jpeg"})
    root = Path(result["path"])
    console.print(f"production {result['production_id']} for {MATTER}, exported by {result['exported_by']} "
                  f"({result['exported_by_role']}): Bates {result['bates']['begin']} - {result['bates']['end']}")
    console.print(", ".join(f"{n} {kind}" for kind, n in result["counts"].items()) + f", at {root}")
    if clip_id is not None:
        console.print(f"the held clip {clip_id} is produced as the signed file it was released as "
                      "(its C2PA manifest inside), with its check")
    console.print(f"the log's export entry {result['log_index']} commits to the manifest's SHA-256 "
                  f"{result['manifest_sha256'][:16]}..., the counts and the Bates range; it travels in EXPORT/ "
                  "with its proof and a signed checkpoint")
    for redaction in result.get("redactions", []):
        console.print(f"{redaction['record_kind']} {redacted_check} ({redaction['bates']}) is produced with "
                      f"{', '.join(redaction['fields'])} REDACTED (listed on the privilege log); its review entry "
                      "shows the salted hash in the reason's place, so its proof still verifies")
    signature = ExportReport()
    check_custody_certificate(root, result, signature)
    state = "[green]validates[/green]" if signature.ok else f"[red]does not validate[/red] {signature.problems}"
    console.print(f"the custody certificate {layout.CUSTODY_PDF} names the export entry and the manifest's hash and "
                  f"is signed (PAdES); pyHanko, with {layout.SIGNING_CERT} as the only trust root: {state}")
    vouching = []  # the witness policy and the TSA root, when the demo runs them
    if ctx.settings.witness_policy is not None:
        vouching += ["--witness-policy", str(ctx.settings.witness_policy)]
    if ctx.settings.tsa_root_cert is not None:
        vouching += ["--tsa-root", str(ctx.settings.tsa_root_cert)]
    command = _verifier_command(root, ctx.log_key.vkey, vouching)
    if command is None:
        console.print("[yellow]the standalone verifier (verifier/) is not here; run: pip install ./verifier[/yellow]")
        return
    done = subprocess.run(command[0], env=command[1], capture_output=True, text=True, check=False)
    console.print(done.stdout.strip(), markup=False, highlight=False)
    console.print("clearance-verify: " + ("[green]production verified[/green]" if done.returncode == 0
                                          else f"[red]NOT verified[/red] {done.stderr.strip()}"))
    forged = _forge(root)
    caught = subprocess.run([forged.as_posix() if a == str(root) else a for a in command[0]], env=command[1],
                            capture_output=True, text=True, check=False)
    console.print("a forger's copy, one file added and the manifest rewritten:")
    console.print("\n".join(line for line in caught.stdout.splitlines() if line.startswith(("FAIL", "NOT"))),
                  markup=False, highlight=False)
