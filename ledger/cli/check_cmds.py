"""``clearance check``, ``clearance review`` and ``clearance audit-training``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from typer._click import Context as ClickContext  # typer vendors click; TyperGroup's methods take this
from typer.core import TyperGroup

from ledger.checks.display import disclosure_lines, print_check, print_outcome
from ledger.cli.common import JSON_OPTION, console, print_json, ready_context
from ledger.errors import Conflict, FieldProblem, ValidationFailed
from ledger import clock

if TYPE_CHECKING:
    from ledger.context import Clearance

EXIT_FOR_VERDICT = {"pass": 0, "review": 10, "block": 20}
review_app = typer.Typer(help="Human review of checks that need it", no_args_is_help=True)


IMPLIED_COMMAND = "clearance.implied_command"
"""``ctx.meta`` key: the sub-command a group supplied because the user typed none."""


class _CheckGroup(TyperGroup):
    """``clearance check FILE ...`` runs a check (``run`` is implied); ``clearance check show ID`` shows one."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
            ctx.meta[IMPLIED_COMMAND] = "run"  # so a usage error names the command as the user typed it
        return super().parse_args(ctx, args)


check_app = typer.Typer(cls=_CheckGroup, no_args_is_help=True,
                        help="Check a clip before release (check FILE ..., the same as check run FILE ...), "
                             "or show a decided check (check show ID)")


def check(file: Path,
          service: str = typer.Option("cli", help="the generation service asking"),
          project: str = typer.Option(..., help="project or work the clip is for"),
          medium: list[str] = typer.Option(..., "--medium", help="repeatable, e.g. streaming"),
          territory: list[str] = typer.Option(..., "--territory", help="repeatable, ISO 3166 or WORLD"),
          use: list[str] = typer.Option(["generate", "release"], "--use", help="repeatable"),
          model: Optional[str] = typer.Option(None, "--model", help="registered model id"),
          dataset_version: list[str] = typer.Option([], "--dataset-version"),
          prompt: str = typer.Option("", "--prompt"),
          reference: list[str] = typer.Option([], "--reference", help="asset id given to the model (repeatable)"),
          person: list[str] = typer.Option([], "--person", help="declared person id (repeatable)"),
          voice: list[str] = typer.Option([], "--voice", help="id of a person whose voice the clip carries "
                                          "(repeatable)"),
          release_date: Optional[str] = typer.Option(None, "--release-date", help="YYYY-MM-DD, default today"),
          requested_by: Optional[str] = typer.Option(None, "--requested-by"),
          licensee: Optional[str] = typer.Option(None, "--licensee", help="party making the clip under a model "
                                                 "license (default: the model's developer)"),
          parent_clip: Optional[str] = typer.Option(None, "--parent-clip", help="the logged clip this one edits"),
          synthetic_performer: Optional[bool] = typer.Option(
              None, "--synthetic-performer/--no-synthetic-performer",
              help="whether an AI-made human not recognisable as any real person appears (N.Y. GBL 396-b); "
                   "unstated, an advertisement reaching New York is told it needs a visible label"),
          out: Optional[Path] = typer.Option(None, "--out", help="write the C2PA-signed clip here when it passes"),
          as_json: bool = JSON_OPTION) -> None:
    """Check a clip before release. Exit 0 pass, 10 review, 20 block (other codes: errors)."""
    from pydantic import ValidationError

    from ledger.checks.release import release
    from ledger.checks.request import CheckRequest

    if not file.is_file():
        raise ValidationFailed(f"{file} does not exist or is not a file")
    try:
        request = CheckRequest(service=service, project=project, media=medium, territories=territory, uses=use,
                               model_id=model, dataset_version_ids=dataset_version, prompt=prompt,
                               reference_asset_ids=reference, declared_people=person, declared_voices=voice,
                               requested_by=requested_by, licensee_id=licensee, parent_clip_id=parent_clip,
                               synthetic_performer=synthetic_performer,
                               release_date=date.fromisoformat(release_date) if release_date else clock.today())
    except ValidationError as exc:
        from ledger.records.service import problems_from

        raise ValidationFailed("invalid check options", problems=problems_from(exc, "--")) from None
    except ValueError:
        raise ValidationFailed("bad date", problems=[FieldProblem("--release-date", "expected YYYY-MM-DD")]) from None
    outcome = release(ready_context(), request, file.read_bytes(), file.name, "cli",
                      (lambda _check_id: out) if out is not None else None)
    result = outcome.as_json()
    if as_json:
        print_json(result)
    else:
        print_outcome(console, result, file.name)
    if outcome.signing_refused is not None:  # --out was not written: say so by the exit code too
        raise typer.Exit(Conflict.exit_code)
    raise typer.Exit(EXIT_FOR_VERDICT[outcome.verdict])


@review_app.command("list")
def review_list(as_json: bool = JSON_OPTION) -> None:
    """Checks awaiting review."""
    from ledger.checks.reviews import pending

    items = pending(ready_context())
    if as_json:
        print_json(items)
        return
    for item in items:
        sentences = "; ".join(r["sentence"] for r in item["reasons"])
        console.print(f"{item['id']} clip {item['clip_id']} ({item['clip']['filename']}): {sentences}")
    console.print(f"{len(items)} awaiting review")


@review_app.command("decide")
def review_decide(check_id: str, decision: str = typer.Argument(..., help="approve or reject"),
                  reason: str = typer.Option(..., "--reason"),
                  reviewer: str = typer.Option(..., "--reviewer", help="who decided: their name, kept on the decision")
                  ) -> None:
    """Approve or reject a check in review (the decision and the reviewer are logged)."""
    from ledger.checks.reviews import Reviewer, decide

    check, receipt = decide(ready_context(), check_id, decision, reason, "cli", Reviewer(reviewer, "cli"))
    console.print(f"{check['review_state']} check {check_id} (log entry {receipt.index})")


@check_app.command("show")
def check_show(check_id: str, as_json: bool = JSON_OPTION) -> None:
    """A decided check: verdict, reasons, matches with times, prompt findings, channels, review and its log proof."""
    from ledger.audit.history import history
    from ledger.checks.service import get_check
    from ledger.records.enums import Role

    ctx = ready_context()
    check, clip = get_check(ctx, check_id)
    log = history(ctx, [("clip", clip["id"]), ("check", check["id"])], Role.admin)
    if as_json:
        print_json({"check": check, "clip": clip, "history": log})
        return
    print_check(console, check, clip, log)


def audit_training(dataset_version: Optional[str] = typer.Argument(None, help="omit with --model: audit the "
                                                                   "model's effective training data (its lineage)"),
                   model: Optional[str] = typer.Option(None, "--model"),
                   territory: list[str] = typer.Option(["US"], "--territory"), as_json: bool = JSON_OPTION) -> None:
    """Evaluate 'train' for every asset of a dataset version (or of a model's lineage); list each asset not
    cleared, with the reason."""
    from ledger.checks.training import audit_model
    from ledger.checks.training import audit_training as run_audit

    if dataset_version is None and model is None:
        raise ValidationFailed("name a dataset version, or a model with --model",
                               problems=[FieldProblem("DATASET_VERSION", "missing (or give --model)")])
    if dataset_version is None:
        report = audit_model(ready_context(), model or "", territory)
        subject = f"model {model}'s lineage ({', '.join(report['dataset_versions']) or 'no dataset versions'})"
    else:
        report = run_audit(ready_context(), dataset_version, model, territory)
        subject = dataset_version
    if as_json:
        print_json(report)
    else:
        console.print(f"{report['cleared']}/{report['assets']} assets of {subject} cleared for training")
        for item in report["not_cleared"]:
            console.print(f"[red]not cleared[/red] {item['asset_id']}:")
            for reason in item["reasons"]:
                console.print(f"    {reason}")
    if report["not_cleared"]:
        raise typer.Exit(20)


def sign(check_id: str, out: Path = typer.Option(..., "--out", help="where to write the signed clip"),
         as_json: bool = JSON_OPTION) -> None:
    """Sign the clip of a passed check, or of a check whose review was approved."""
    from ledger.signing import sign_check

    result = sign_check(ready_context(), check_id, out, "cli")
    if as_json:
        print_json(result)
    else:
        console.print(f"signed {out} (manifest {result['manifest_label']}, log entry {result['log']['index']})")


def _witnesses_for(ctx: Clearance, log: dict[str, Any]) -> dict[str, Any] | None:
    """Who vouched for the checkpoint a verified file's assertion names (None: no witnesses configured)."""
    from ledger.log import store
    from ledger.log.note import Checkpoint
    from ledger.witness.status import vouching_for

    size = log.get("checkpoint_size")
    if not log.get("ok") or size is None:
        return None
    with ctx.db.reader() as session:  # the log proved the file's checkpoint is this tree's head at that size
        root = store.root_at(session, int(size))
    return vouching_for(ctx, Checkpoint(ctx.log_key.origin, int(size), root))


def verify(file: Path, as_json: bool = JSON_OPTION,
           resolver: str | None = typer.Option(None, "--resolver", help="a C2PA Soft Binding Resolution API "
                                               "(e.g. https://host/sbr/v1) to recover a stripped manifest from; "
                                               "default this ledger (key: CLEARANCE_RESOLVER_KEY)"),
           no_recover: bool = typer.Option(False, "--no-recover", help="do not look up a missing manifest")) -> None:
    """Verify a file: C2PA signature and trust, log inclusion of its Clearance check, content match. Exit 0 only if all hold.

    A file without a manifest has its manifest recovered by soft binding (io.iscc.v0, then its content) and verified.
    """
    from ledger.signing import verify_media

    if not file.is_file():
        raise ValidationFailed(f"{file} does not exist or is not a file")
    ctx = ready_context()
    report = verify_media(ctx, file, recover=not no_recover, resolver_url=resolver)
    witnesses = _witnesses_for(ctx, report.log)
    if as_json:
        print_json({**report.as_json(), "witnesses": witnesses})
    else:
        if report.recovered is not None:
            console.print(report.recovered["summary"], markup=False)
        c2pa = report.c2pa
        console.print(f"C2PA: {c2pa['state']}" + (f" ({', '.join(f['code'] for f in c2pa['failures'])})"
                                                  if c2pa["failures"] else ""))
        for reason in c2pa["reasons"]:
            console.print(f"  {reason}")
        console.print(f"log: {report.log['reason']}")
        if witnesses is not None:
            console.print(f"witnesses: {witnesses['reason']}", markup=False, highlight=False)
        console.print(f"content: {report.content['reason']}")
        if report.disclosure is not None:
            for line in disclosure_lines(report.disclosure):
                console.print(line, markup=False, highlight=False)
        console.print(("[green]verified[/green]" if report.ok else "[red]NOT verified[/red]")
                      + ": C2PA trust, log inclusion and content match (the AI disclosure is reported above, "
                        "not part of this)")
    if not report.ok:
        raise typer.Exit(8)
