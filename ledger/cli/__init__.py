"""The ``clearance`` command line (Typer)."""

from __future__ import annotations

import sys

from ledger.cli.app import app
from ledger.errors import ClearanceError


def main() -> None:
    """Entry point: run the app and turn Clearance errors into diagnostics and exit codes."""
    try:
        code = app(standalone_mode=False)
    except ClearanceError as exc:
        print(exc.diagnostics(), file=sys.stderr)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except Exception as exc:  # click's own usage errors and aborts
        import click

        try:  # Typer 0.29 raises its own vendored copy of click's exceptions
            from typer import _click as typer_click
        except ImportError:  # pragma: no cover - older Typer uses click itself
            typer_click = click
        if isinstance(exc, (click.exceptions.ClickException, typer_click.exceptions.ClickException)):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, (click.exceptions.Abort, typer_click.exceptions.Abort)):
            print("aborted", file=sys.stderr)
            sys.exit(130)
        raise
    sys.exit(code if isinstance(code, int) else 0)
