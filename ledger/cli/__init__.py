"""The ``clearance`` command line (Typer)."""

from __future__ import annotations

import sys
from pathlib import Path

from ledger.cli.app import app
from ledger.errors import ClearanceError, StorageFull


def main() -> None:
    """Entry point: run the app and turn Clearance errors into diagnostics and exit codes."""
    try:
        code = app(standalone_mode=False)
    except ClearanceError as exc:
        print(exc.diagnostics(), file=sys.stderr)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except Exception as exc:  # click's own usage errors and aborts; a full disk
        import click

        from ledger.storage_errors import is_disk_full, storage_full

        if is_disk_full(exc):
            print(f"{StorageFull.title}: {storage_full(_data_directory()).detail}", file=sys.stderr)
            sys.exit(StorageFull.exit_code)

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            print("aborted", file=sys.stderr)
            sys.exit(130)
        raise
    sys.exit(code if isinstance(code, int) else 0)


def _data_directory() -> Path:
    from ledger.settings import Settings

    try:
        return Settings.load().home
    except ClearanceError:
        return Path("$CLEARANCE_HOME")
