"""How ``clearance register --bulk`` shows a job: a progress bar on a terminal, JSON lines otherwise, then the summary.

On a terminal (stderr), a bar with files done of the list, frames fingerprinted, frames per second
and the time left. Elsewhere (a pipe, a log file, CI) one JSON object per committed batch on
stderr, ``{"event": "progress", ...}`` with the counts and rates of :meth:`JobProgress.as_json`, so a
supervisor can follow the job line by line. The summary goes to stdout: counts and each refused
file with its reason, or the whole report with ``--json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ledger.cli.common import console, err_console, print_json

if TYPE_CHECKING:
    from ledger.bulk.job import JobProgress, JobReport, Listener
    from ledger.context import Clearance


def _eta(progress: JobProgress) -> str:
    eta = progress.eta_s
    if eta is None:
        return "-:--:--"
    seconds = int(eta)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@contextmanager
def progress_listener(on_terminal: bool | None = None) -> Iterator[Listener]:
    """A listener for the job: the bar when stderr is a terminal (or ``on_terminal``), else JSON lines."""
    if not (err_console.is_terminal if on_terminal is None else on_terminal):
        yield _json_lines
        return
    columns = (TextColumn("[bold]registering[/bold]"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
               TextColumn("{task.fields[frames]} frames"), TextColumn("{task.fields[rate]:.1f} frames/s"),
               TextColumn("ETA {task.fields[eta]}"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("registering", total=None, frames=0, rate=0.0, eta="-:--:--")

        def show(_event: Literal["file", "batch"], progress: JobProgress) -> None:
            bar.update(task, total=progress.files_total, completed=progress.files_done, frames=progress.frames,
                       rate=progress.frames_per_s, eta=_eta(progress))

        yield show


def _json_lines(event: Literal["file", "batch"], progress: JobProgress) -> None:
    if event == "batch":
        sys.stderr.write(json.dumps({"event": "progress", **progress.as_json()}) + "\n")
        sys.stderr.flush()


def print_summary(report: JobReport, as_json: bool) -> None:
    if as_json:
        print_json(report.as_json())
        return
    summary = report.progress
    for result in report.of("refused"):
        console.print(f"[red]refused[/red] row {result.row} {result.given}: {result.why}", highlight=False, soft_wrap=True)
    console.print(f"{summary.registered} registered, {summary.skipped} skipped (registered before, or the same "
                  f"bytes as an earlier row), {summary.refused} refused; {summary.frames} frames in "
                  f"{summary.elapsed_s:.1f} s ({summary.frames_per_s:.2f} frames/s), {summary.batches} batches",
                  highlight=False, soft_wrap=True)


def register_bulk(ctx: Clearance, list_path: Path, base: dict[str, Any], report_path: Path | None,
                  ray_address: str | None, ray_cpus: int | None, batch_files: int, as_json: bool) -> None:
    """Run the job with its progress shown; write the report; exit 2 when a file was refused."""
    from ledger.bulk.job import JobOptions, run_job
    from ledger.fsutil import write_atomic

    options = JobOptions(base_fields=base, batch_files=batch_files, num_cpus=ray_cpus,
                         ray_address=ray_address or ctx.settings.ray_address)
    with progress_listener() as listen:
        report = run_job(ctx, list_path, options, listen)
    if report_path is not None:
        write_atomic(report_path, (json.dumps(report.as_json(), indent=2, sort_keys=True) + "\n").encode())
    print_summary(report, as_json)
    if report.progress.refused:
        raise typer.Exit(2)
