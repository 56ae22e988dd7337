"""``clearance log key|checkpoint|entry|prove|consistency|redact|verify``."""

from __future__ import annotations

import sys

import typer

from ledger.cli.common import JSON_OPTION, console, err_console, print_json, ready_context

app = typer.Typer(help="The tamper-evident log", no_args_is_help=True)


@app.command("key")
def key() -> None:
    """Print the verifier key: <origin>+<key id>+<base64(0x01 || Ed25519 public key)>."""
    typer.echo(ready_context().log_key.vkey)


@app.command("checkpoint")
def checkpoint() -> None:
    """Print the latest signed checkpoint (signing a new one if entries were added), cosigned by the
    witnesses the witness policy names and timestamped by the TSA, if configured; gaps are named on stderr."""
    from ledger.log import direct  # the log's tables only, through the driver: no ORM to import
    from ledger.settings import Settings
    from ledger.witness.config import load_policy, make_cosigner

    settings = Settings.load()
    policy = load_policy(settings)
    note = direct.sign_latest(settings.resolved_database_url, settings.home, settings.keys_dir)
    if note is None:
        ctx = ready_context()
        note = ctx.checkpoint()
        cosigner = ctx.cosigner
    else:
        url, home = settings.resolved_database_url, settings.home
        cosigner = make_cosigner(settings, policy, lambda: direct.log_connection(url, home),
                                 lambda: direct.log_connection(url, home))
    if cosigner is not None:
        gathered = cosigner.cosign_latest()
        if gathered is not None:
            note = gathered.note
            gaps = gathered.gaps(len(cosigner.policy.witnesses))
            if gaps:
                err_console.print(gaps, markup=False, highlight=False)
                for name, why in sorted(gathered.missing.items()):
                    err_console.print(f"  witness {name}: {why}", markup=False, highlight=False)
                if gathered.timestamp_error:
                    err_console.print(f"  timestamp authority: {gathered.timestamp_error}", markup=False,
                                      highlight=False)
    sys.stdout.write(note)


@app.command("entry")
def entry(index: int = typer.Argument(..., min=0), as_json: bool = JSON_OPTION) -> None:
    """Write entry N's leaf bytes to stdout exactly as hashed (or --json with its payload)."""
    from ledger.audit import views

    ctx = ready_context()
    if as_json:
        views.leaf(ctx, index)  # NotFound when absent
        print_json(views.entries(ctx, index, 1)[0])
        return
    sys.stdout.buffer.write(views.leaf(ctx, index))
    sys.stdout.buffer.flush()


@app.command("prove")
def prove(index: int = typer.Argument(..., min=0)) -> None:
    """Print a c2sp.org/tlog-proof@v1 file for entry N against the latest checkpoint."""
    from ledger.audit import views

    sys.stdout.write(views.tlog_proof(ready_context(), index))


@app.command("consistency")
def consistency(first: int = typer.Argument(..., min=1), second: int = typer.Argument(..., min=1)) -> None:
    """Print an RFC 9162 consistency proof between two tree sizes (JSON)."""
    from ledger.audit import views

    print_json(views.consistency(ready_context(), first, second))


@app.command("redact")
def redact(index: int = typer.Argument(..., min=0), reason: str = typer.Option(..., "--reason")) -> None:
    """Remove the personal data of entry N (refused under a legal hold); the tree still verifies."""
    from ledger.records.redaction import redact_entry

    receipt = redact_entry(ready_context(), index, reason, "cli")
    console.print(f"redacted entry {index} (redaction logged as entry {receipt.index})")


@app.command("verify")
def verify(as_json: bool = JSON_OPTION, no_replay: bool = typer.Option(False, "--no-replay")) -> None:
    """Recompute the tree, check every checkpoint, replay events against the tables. Exit 0 only if all hold."""
    from ledger.audit import replay

    report = replay.verify(ready_context(), replay=not no_replay)
    if as_json:
        print_json(report.as_json())
    else:
        for finding in report.findings:
            console.print(f"[red]FAIL[/red] {finding}")
        state = "[green]OK[/green]" if report.ok else f"[red]{len(report.findings)} problem(s)[/red]"
        console.print(f"{state}: {report.size} entries, {report.checkpoints} checkpoints, "
                      f"{report.rows_compared} table rows compared")
    if not report.ok:
        raise typer.Exit(7)
