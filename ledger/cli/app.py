"""The Typer application: top-level commands and the sub-command groups."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress

from ledger.cli import check_cmds, log_cmds, media_cmds, records_cmds
from ledger.cli.common import JSON_OPTION, console, context, err_console, print_json, ready_context

app = typer.Typer(help="Clearance: rights-clearance and provenance ledger for generative video.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(log_cmds.app, name="log")
keys_app = typer.Typer(help="API keys and their roles", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
records_cmds.register(app)
app.add_typer(media_cmds.person_app, name="person")
app.add_typer(media_cmds.index_app, name="index")
app.command("register")(media_cmds.register)
app.command("match")(media_cmds.match)
app.command("doctor")(media_cmds.doctor)
app.command("check")(check_cmds.check)
app.command("audit-training")(check_cmds.audit_training)
app.command("sign")(check_cmds.sign)
app.command("verify")(check_cmds.verify)
app.add_typer(check_cmds.review_app, name="review")


@app.command()
def init(origin: Optional[str] = typer.Option(None, help="checkpoint origin line for a new log")) -> None:
    """Create the data directory, database, log and log key (idempotent)."""
    from ledger.setup import initialise

    result = initialise(context(), origin)
    home = context().settings.home
    console.print(("[green]initialised[/green] " if result.created else "already initialised: ") + str(home))
    if result.upgraded:
        console.print(f"upgraded the database: added {', '.join(result.upgraded)}")
    console.print(f"log verifier key: {result.vkey}")


@app.command()
def serve(host: Optional[str] = None, port: Optional[int] = None) -> None:
    """Run the HTTP API (OpenAPI at /docs). Logs JSON lines to stderr unless CLEARANCE_LOG_FORMAT=text."""
    import uvicorn

    from ledger.api.app import create_app
    from ledger.observability import configure_logging

    ctx = ready_context()
    configure_logging(ctx.settings.log_format or "json", ctx.settings.log_level or "INFO")
    # uvicorn's own logging setup and access log stay off: its access line would record query strings,
    # where a client may have put a key; RequestLogMiddleware writes one without them.
    uvicorn.run(create_app(ctx), host=host or ctx.settings.api_host, port=port or ctx.settings.api_port,
                log_config=None, access_log=False)


@keys_app.command("create")
def keys_create(role: str = typer.Option(..., "--role", help="admin, registrar, generator, legal or auditor"),
                label: Optional[str] = typer.Option(None, "--label")) -> None:
    """Create an API key and print it once; only its hash is kept."""
    from ledger.auth.keys import create_key

    text, row = create_key(ready_context(), role, label)
    typer.echo(text)
    typer.echo(f"# key {row.id}, role {row.role}: store it now; it cannot be shown again", err=True)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (ids and roles, never secrets)."""
    from ledger.auth.keys import list_keys

    for key in list_keys(ready_context()):
        state = "revoked" if key.revoked_at else "active"
        typer.echo(f"{key.id}\t{key.role}\t{state}\t{key.label or ''}")


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke an API key."""
    from ledger.auth.keys import revoke_key

    revoke_key(ready_context(), key_id)
    typer.echo(f"revoked {key_id}")


@app.command("import")
def import_(path: Path = typer.Argument(..., help=".csv or .json file of rights records"),
            kind: Optional[str] = typer.Option(None, "--kind", help="record kind for rows without record_type"),
            report_path: Optional[Path] = typer.Option(None, "--report", help="write the per-row report as JSON"),
            dry_run: bool = typer.Option(False, "--dry-run", help="validate every row and report; write nothing"),
            rejects: Optional[Path] = typer.Option(None, "--rejects",
                                                   help="write the rejected rows as a CSV to fix and import again"),
            as_json: bool = JSON_OPTION) -> None:
    """Import rights records; rejected rows write nothing, accepted rows are committed.

    Rows whose external_id is already on record are skipped, so a fixed rejects file (or the whole
    file, fixed) can be imported again without duplicating what was accepted."""
    from ledger.records.importer import import_file

    ctx = ready_context()
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task(f"{'checking' if dry_run else 'importing'} {path.name}", total=None)
        report = import_file(ctx, path, kind, progress=lambda n: bar.advance(task, n),
                             counted=lambda total: bar.update(task, total=total), dry_run=dry_run)
    if rejects and report.rejected:
        report.write_rejects(rejects)
    if report_path:
        from ledger.fsutil import write_atomic
        import json

        write_atomic(report_path, json.dumps(report.as_json(), indent=2).encode())
    if as_json:
        print_json(report.as_json())
    else:
        existing = len(report.existing)
        console.print(("dry run, nothing written: " if dry_run else "")
                      + f"{len(report.accepted) - existing} {'valid' if dry_run else 'accepted'}, "
                      + (f"{existing} already imported, " if existing else "")
                      + f"{len(report.rejected)} rejected"
                      + (f" (written to {rejects})" if rejects and report.rejected else ""))
        for row in report.rejected:
            console.print(f"[red]row {row.row}[/red] ({row.kind}): {row.error}")
            for problem in row.problems:
                console.print(f"    {problem.field}: {problem.message}")
    if report.rejected:
        raise typer.Exit(2)


@app.command()
def demo() -> None:
    """Build a small studio world in CLEARANCE_HOME, summarise it and prove it is logged."""
    from ledger.demo import run_demo

    run_demo(context(), console)
