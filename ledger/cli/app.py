"""The Typer application: top-level commands and the sub-command groups.

Command modules import the layers they use (records, the log, media, torch) inside each
command, not at the top: ``clearance --help``, a usage error or ``clearance log key`` must not
pay for loading the database layer, OpenCV or dlib. ``benchmarks/cli.py`` measures it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress

from ledger.cli import check_cmds, export_cmds, log_cmds, media_cmds, records_cmds, report_cmds, witness_cmds
from ledger.cli.common import JSON_OPTION, console, context, err_console, print_json, ready_context

DISTRIBUTION = "clearance-ledger"

app = typer.Typer(help="Clearance: rights-clearance and provenance ledger for generative video.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(log_cmds.app, name="log")
app.add_typer(witness_cmds.app, name="witness")
keys_app = typer.Typer(help="API keys and their roles", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
records_cmds.register(app)
app.add_typer(media_cmds.person_app, name="person")
app.add_typer(media_cmds.index_app, name="index")
app.command("register")(media_cmds.register)
app.command("match")(media_cmds.match)
app.command("doctor")(media_cmds.doctor)
check_cmds.check_app.command("run")(check_cmds.check)
app.add_typer(check_cmds.check_app, name="check")
app.command("audit-training")(check_cmds.audit_training)
app.command("audit")(report_cmds.audit)
app.command("training-summary")(report_cmds.training_summary)
app.command("bom")(report_cmds.bom)
app.command("sign")(check_cmds.sign)
app.command("verify")(check_cmds.verify)
app.add_typer(check_cmds.review_app, name="review")
app.command("export")(export_cmds.export)
app.command("verify-export")(export_cmds.verify_export)
app.add_typer(export_cmds.protocol_app, name="export-protocol")
app.add_typer(export_cmds.privilege_app, name="privilege")


def _print_version(wanted: bool) -> None:
    if not wanted:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        typer.echo(f"clearance {version(DISTRIBUTION)}")
    except PackageNotFoundError:
        typer.echo(f"clearance: version unknown ({DISTRIBUTION} is not installed)", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                       help="print the installed version and exit")) -> None:
    """Clearance: rights-clearance and provenance ledger for generative video."""


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
def serve(host: Optional[str] = None, port: Optional[int] = None,
          workers: int = typer.Option(1, "--workers", min=1, max=64,
                                      help="server processes sharing the port (each builds its own app)")) -> None:
    """Run the HTTP API (OpenAPI at /docs). Logs JSON lines to stderr unless CLEARANCE_LOG_FORMAT=text."""
    import uvicorn

    from ledger.api.app import create_app
    from ledger.api.server import uvicorn_options
    from ledger.jobs import executor_for
    from ledger.observability import configure_logging

    ctx = ready_context()
    configure_logging(ctx.settings.log_format or "json", ctx.settings.log_level or "INFO")
    jobs = executor_for(ctx)
    jobs.recover()  # once per start, before any server process takes a job
    options = uvicorn_options(host or ctx.settings.api_host, port or ctx.settings.api_port)
    if workers == 1:
        uvicorn.run(create_app(ctx, jobs), **options)
        return
    import logging

    from ledger.web.sessions import unshared_sessions_warning

    warning = unshared_sessions_warning(ctx.settings, workers)
    if warning:
        logging.getLogger("ledger.cli").warning(warning)
    jobs.close()
    ctx.db.dispose()  # the server processes open their own connections
    uvicorn.run("ledger.api.factory:app_from_settings", factory=True, workers=workers, **options)


@app.command()
def worker(threads: int = typer.Option(1, "--threads", min=1, max=64, help="jobs run at once by this process"),
           nice: int = typer.Option(19, "--nice", min=0, max=19,
                                    help="CPU priority of fingerprinting and matching, below the API's "
                                         "(0: same); a job's database work keeps the normal one")) -> None:
    """Take check jobs from the queue (CLEARANCE_QUEUE_URL) until SIGTERM; run as many as the machine allows."""
    from ledger.jobs.worker import serve_jobs
    from ledger.observability import configure_logging

    ctx = ready_context()
    configure_logging(ctx.settings.log_format or "json", ctx.settings.log_level or "INFO")
    serve_jobs(ctx, threads, nice=nice)


@keys_app.command("create")
def keys_create(role: str = typer.Option(..., "--role", help="admin, registrar, generator, legal, auditor or resolver"),
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
