"""What every command shares: the installation, JSON output, field parsing."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from ledger import json_limits
from ledger.errors import FieldProblem, ValidationFailed

if TYPE_CHECKING:
    from ledger.context import Clearance

console = Console()
err_console = Console(stderr=True)

JSON_OPTION = typer.Option(False, "--json", help="print machine-readable JSON")


@lru_cache(maxsize=1)
def context() -> Clearance:
    """The installation, opened once on first use (``--help`` and usage errors never load the database
    layer); also where the CLI's logging is set up (text, WARNING by default)."""
    from ledger.context import Clearance
    from ledger.observability import configure_logging

    ctx = Clearance.open()
    configure_logging(ctx.settings.log_format or "text", ctx.settings.log_level or "WARNING")
    return ctx


def ready_context() -> Clearance:
    ctx = context()
    ctx.check_ready()
    return ctx


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, sort_keys=True, default=str))


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """``field=value`` pairs; values that look like JSON arrays or objects are parsed as JSON."""
    data: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValidationFailed("fields are given as FIELD=VALUE", problems=[FieldProblem(pair, "no '=' found")])
        if value[:1] in "[{":
            data[name] = json_limits.loads(value, name)  # bad JSON, deep nesting, NUL, 2**53+, NaN: named
            continue
        data[name] = value
    return data
