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
        import typer

        # typer >= 0.26 raises usage errors (a bad option value) from its own copy of click's classes
        if isinstance(exc, click.exceptions.ClickException) or (
                isinstance(exc, typer.TyperException) and callable(getattr(exc, "show", None))):
            exc.show()  # type: ignore[union-attr]
            sys.exit(getattr(exc, "exit_code", 2))
        if isinstance(exc, click.exceptions.Abort):
            print("aborted", file=sys.stderr)
            sys.exit(130)
        raise
    sys.exit(code if isinstance(code, int) else 0)
