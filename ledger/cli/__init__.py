"""The ``clearance`` command line (Typer)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ledger.cli.app import app
from ledger.errors import ClearanceError, StorageFull

PROG = "clearance"


def main() -> None:
    """Entry point: run the app; Clearance errors and usage errors become diagnostics and exit codes."""
    try:
        code = app(prog_name=PROG, standalone_mode=False)
    except ClearanceError as exc:
        print(exc.diagnostics(), file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors (exit 2) and Typer's other errors, from its own click
        from typer._click.exceptions import NoArgsIsHelpError

        if isinstance(exc, NoArgsIsHelpError):  # a command group given no command: its help says what to add
            exc.show()
        else:
            print(usage_line(exc), file=sys.stderr)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a full disk (OSError or the database's error) names the data directory
        from ledger.storage_errors import is_disk_full, storage_full

        if not is_disk_full(exc):
            raise
        print(f"{StorageFull.title}: {storage_full(_data_directory()).detail}", file=sys.stderr)
        sys.exit(StorageFull.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def usage_line(exc: typer.TyperException) -> str:
    """``clearance check: missing option '--project'``: where, then what was wrong, on one line."""
    text = " ".join(exc.format_message().splitlines()).rstrip(".")
    text = text[:1].lower() + text[1:]
    ctx = getattr(exc, "ctx", None)  # usage errors know the command they came from
    if ctx is None:
        return f"{PROG}: {text}"
    path = ctx.command_path
    if ctx.parent is not None and ctx.meta.get("clearance.implied_command") == ctx.info_name:
        path = ctx.parent.command_path  # `clearance check FILE` runs `check run`: name what the user typed
    return f"{path}: {text}"


def _data_directory() -> Path:
    from ledger.settings import Settings

    try:
        return Settings.load().home
    except ClearanceError:
        return Path("$CLEARANCE_HOME")
