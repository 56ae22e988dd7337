"""``clearance witness init|key|serve``: a witness anyone can run with only the log's verifier key.

The witness keeps its key and state in its own folder (``--dir``) and opens no ledger database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ledger.errors import ConfigurationError

if TYPE_CHECKING:
    from ledger.witness.cosignature import CosignerKey

app = typer.Typer(help="A C2SP tlog-witness that cosigns checkpoints of the logs it trusts", no_args_is_help=True)

DIR_OPTION = typer.Option(..., "--dir", help="the witness's own folder: its key and state")


@app.command("init")
def init(folder: Path = DIR_OPTION,
         name: str = typer.Option(..., "--name", help="the witness's key name, e.g. witness.example/counsel")) -> None:
    """Create the witness key (refusing to replace one) and print its verifier key (type 0x04)."""
    from ledger.log.note import NoteError
    from ledger.witness.cosignature import CosignerKey

    try:
        typer.echo(CosignerKey.create(folder, name).verifier.vkey)
    except NoteError as exc:
        raise ConfigurationError(str(exc)) from None


@app.command("key")
def key(folder: Path = DIR_OPTION) -> None:
    """Print the witness's verifier key, for the logs' and verifiers' policies."""
    typer.echo(_load_key(folder).verifier.vkey)


@app.command("serve")
def serve(folder: Path = DIR_OPTION,
          log: list[str] = typer.Option([], "--log", help="a log's verifier key (repeatable)"),
          logs_file: Path | None = typer.Option(None, "--logs", help="a tlog-policy file whose 'log' lines to trust"),
          host: str = typer.Option("127.0.0.1", "--host"),
          port: int = typer.Option(8760, "--port", min=0, max=65535),
          prefix: str = typer.Option("", "--prefix", help="URL prefix of both APIs")) -> None:
    """Serve POST <prefix>/add-checkpoint and GET <prefix>/<origin hash>/checkpoint until interrupted."""
    import logging

    from ledger.log.note import NoteError, Verifier
    from ledger.witness.policy import PolicyError, parse_policy
    from ledger.witness.server import make_server
    from ledger.witness.state import WitnessState
    from ledger.witness.witness import Witness

    try:
        logs = [Verifier.from_vkey(v) for v in log]
        if logs_file is not None:
            logs += [v for v, _ in parse_policy(logs_file.read_text(), require_quorum=False).logs]
    except (NoteError, PolicyError, OSError) as exc:
        raise ConfigurationError(f"log keys: {exc}") from None
    if not logs:
        raise ConfigurationError("name at least one log to witness: --log <vkey> or --logs <policy file>")
    witness = Witness(_load_key(folder), logs, WitnessState(folder))
    server = make_server(witness, host, port, prefix)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    typer.echo(f"witness {witness.key.name} on http://{bound_host}:{bound_port}{prefix} "
               f"for {', '.join(sorted(witness.logs))}", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _load_key(folder: Path) -> CosignerKey:
    from ledger.log.note import NoteError
    from ledger.witness.cosignature import CosignerKey  # noqa: F811 (the run-time import)

    try:
        return CosignerKey.load(folder)
    except NoteError as exc:
        raise ConfigurationError(str(exc)) from None
