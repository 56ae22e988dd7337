"""``clearance export``, ``verify-export``, ``export-protocol`` and ``privilege``: discovery productions."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from ledger.cli.common import JSON_OPTION, console, print_json, ready_context

protocol_app = typer.Typer(help="Saved production protocols (settings later productions reuse)", no_args_is_help=True)
privilege_app = typer.Typer(help="Privilege designations: records withheld from productions", no_args_is_help=True)

_LIST = typer.Option([], help="repeat for several")
_ACTOR = typer.Option(..., "--actor", help="your name: the person acting, recorded in the log and on the production")


def _settings(prefix: Optional[str], start: Optional[int], padding: Optional[int], confidentiality: Optional[str],
              images: Optional[str], natives: Optional[bool], privilege: Optional[str],
              fields: list[str], privilege_log: Optional[str] = None) -> dict[str, Any]:
    values = {"bates_prefix": prefix, "bates_start": start, "bates_padding": padding,
              "confidentiality": confidentiality, "image_format": images, "natives": natives,
              "privilege_handling": privilege, "fields": fields or None, "privilege_log": privilege_log}
    return {k: v for k, v in values.items() if v is not None}


def export(out: Path = typer.Option(..., "--out", help="a new or empty folder for the production volume"),
           matter: Optional[str] = typer.Option(None, help="everything the matter's active legal holds cover"),
           date_from: Optional[str] = typer.Option(None, "--from", help="records created on or after (YYYY-MM-DD)"),
           date_to: Optional[str] = typer.Option(None, "--to", help="records created on or before (YYYY-MM-DD)"),
           person: list[str] = _LIST, asset: list[str] = _LIST, dataset: list[str] = _LIST,
           dataset_version: list[str] = _LIST, model: list[str] = _LIST, clip: list[str] = _LIST,
           check: list[str] = _LIST, custodian: list[str] = _LIST,
           protocol: Optional[str] = typer.Option(None, help="a saved production protocol"),
           prefix: Optional[str] = typer.Option(None, help="Bates prefix"),
           start: Optional[int] = typer.Option(None, help="first Bates number of a new prefix"),
           padding: Optional[int] = typer.Option(None, help="digits of a Bates number"),
           confidentiality: Optional[str] = typer.Option(None, help="designation of every document"),
           images: Optional[str] = typer.Option(None, help="frame stills: jpeg, png or none"),
           natives: Optional[bool] = typer.Option(None, "--natives/--no-natives", help="produce native files"),
           privilege: Optional[str] = typer.Option(None, help="privileged records: log (privilege log) or omit"),
           field: list[str] = typer.Option([], "--field", help="produce only these F_ fields (repeat)"),
           privilege_log: Optional[str] = typer.Option(None, "--privilege-log",
                                                       help="document, metadata or categorical"),
           make_zip: bool = typer.Option(False, "--zip", help="also write <out>.zip"),
           actor: str = _ACTOR, as_json: bool = JSON_OPTION) -> None:
    """Write a discovery production volume (DAT, OPT, natives, log events with proofs, reports, manifest)."""
    from ledger.exports.people import CLI_ROLE, Person
    from ledger.exports.service import export as run_export

    selection = {"matter": matter, "date_from": date_from, "date_to": date_to, "people": person, "assets": asset,
                 "datasets": dataset, "dataset_versions": dataset_version, "models": model, "clips": clip,
                 "checks": check, "custodians": custodian}
    overrides = _settings(prefix, start, padding, confidentiality, images, natives, privilege, field, privilege_log)
    result = run_export(ready_context(), selection, out, "cli", protocol, overrides, make_zip,
                        Person(actor, CLI_ROLE))
    if as_json:
        print_json(result)
        return
    console.print(f"[green]produced[/green] {result['production_id']} at {result['path']}: Bates "
                  f"{result['bates']['begin']} - {result['bates']['end']}, checkpoint size "
                  f"{result['checkpoint']['size']}, manifest SHA-256 {result['manifest_sha256']} "
                  f"(log entry {result['log_index']})")
    console.print(", ".join(f"{n} {kind}" for kind, n in result["counts"].items())
                  + f"; {result['withheld']} withheld as privileged")
    if result.get("zip"):
        console.print(f"zip: {result['zip']}")


def verify_export(path: Path = typer.Argument(..., help="production folder"),
                  log_key: str = typer.Option(..., "--log-key", help="the log's verifier key (clearance log key)"),
                  witness_policy: Optional[Path] = typer.Option(
                      None, "--witness-policy", help="tlog-policy file: check the cosignatures and its quorum"),
                  tsa_root: Optional[Path] = typer.Option(
                      None, "--tsa-root", help="PEM root of the timestamp authority: check LOG/checkpoint.tsr"),
                  as_json: bool = JSON_OPTION) -> None:
    """Check a production: manifest, checkpoint signature, every proof, DAT against JSONL, Bates continuity;
    with --witness-policy, which witnesses vouched; with --tsa-root, the checkpoint's timestamp."""
    from ledger.errors import ValidationFailed
    from rich.markup import escape

    from ledger.exports.verify import verify_export as run_verify
    from ledger.exports.verify_complete import coverage
    from ledger.log.note import NoteError
    from ledger.witness.policy import PolicyError, parse_policy
    from ledger.witness.production_checks import check_production

    if not path.is_dir():
        raise ValidationFailed(f"{path} is not a production folder")
    try:
        policy = None if witness_policy is None else parse_policy(witness_policy.read_text())
        root_pem = None if tsa_root is None else tsa_root.read_bytes()
    except (OSError, UnicodeDecodeError, PolicyError) as exc:
        raise ValidationFailed(f"bad --witness-policy or --tsa-root: {exc}") from None
    try:
        report = run_verify(path, log_key)
    except NoteError as exc:
        raise ValidationFailed(f"bad --log-key: {exc}") from None
    vouching = check_production(path, policy, root_pem)
    report.problems += vouching.problems
    if as_json:
        print_json({**report.as_json(), "covers": coverage(report.logged),
                    "witnesses": vouching.vouching.as_json() if vouching.vouching else None,
                    "timestamp": vouching.timestamp})
    else:
        for name, count in sorted(report.counts.items()):
            console.print(f"checked {count} {name}")
        for line in vouching.lines:
            console.print(line, markup=False, highlight=False)
        for name, problem in report.problems:
            console.print(f"[red]FAIL[/red] {escape(name)}: {escape(problem)}", markup=True, highlight=False)
        console.print("[green]VERIFIED[/green]" if report.ok else
                      f"[red]NOT VERIFIED[/red]: {escape(', '.join(sorted({n for n, _ in report.problems})))}")
        if report.ok:
            console.print(coverage(report.logged), markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(7)


@protocol_app.command("save")
def protocol_save(name: str, prefix: Optional[str] = None, start: Optional[int] = None,
                  padding: Optional[int] = None, confidentiality: Optional[str] = None,
                  images: Optional[str] = None,
                  natives: Optional[bool] = typer.Option(None, "--natives/--no-natives"),
                  privilege: Optional[str] = None, field: list[str] = typer.Option([], "--field"),
                  as_json: bool = JSON_OPTION) -> None:
    """Save (or replace) a named production protocol; unset options take the defaults."""
    from ledger.exports.protocol import ProtocolSettings, save_protocol

    settings = ProtocolSettings.from_json(_settings(prefix, start, padding, confidentiality, images, natives,
                                                    privilege, field))
    saved = save_protocol(ready_context(), name, settings, "cli")
    print_json(saved) if as_json else console.print(f"saved protocol {name} (log entry {saved['log_index']})")


@protocol_app.command("show")
def protocol_show(name: str) -> None:
    """Print a saved protocol's settings."""
    from ledger.exports.protocol import load_protocol

    print_json(load_protocol(ready_context(), name).as_json())


@privilege_app.command("assert")
def privilege_assert(record_kind: str, record_id: str,
                     privilege: str = typer.Option(..., help="attorney-client, work-product, common-interest, "
                                                             "joint-defense or other"),
                     description: str = typer.Option(..., help="what is withheld, without its content"),
                     field: list[str] = typer.Option([], "--field",
                                                     help="withhold only this field (repeat; a check's review_reason, "
                                                          "reviewer): the record is produced with it redacted"),
                     actor: str = _ACTOR) -> None:
    """Designate a record privileged: productions withhold it (or only its --field fields, redacted provably) and
    list it on the privilege log."""
    from ledger.exports.people import CLI_ROLE, Person
    from ledger.exports.privilege import assert_privilege

    result = assert_privilege(ready_context(), record_kind, record_id, privilege, description, "cli",
                              Person(actor, CLI_ROLE), field or None)
    withheld = f"fields {', '.join(result['fields'])} redacted" if result["fields"] else "withheld whole"
    console.print(f"{record_kind} {record_id}: {privilege}, {withheld} (log entry {result['log_index']})")


@privilege_app.command("withdraw")
def privilege_withdraw(record_kind: str, record_id: str, reason: str = typer.Option(..., help="why"),
                       actor: str = _ACTOR) -> None:
    """Withdraw a privilege designation; later productions produce the record."""
    from ledger.exports.people import CLI_ROLE, Person
    from ledger.exports.privilege import withdraw_privilege

    index = withdraw_privilege(ready_context(), record_kind, record_id, reason, "cli", Person(actor, CLI_ROLE))
    console.print(f"{record_kind} {record_id}: privilege withdrawn (log entry {index})")
