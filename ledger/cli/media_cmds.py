"""Commands that read media: register, person add/enroll/erase, match, index rebuild, doctor."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Optional

import typer
from rich.progress import Progress

from ledger.cli.common import JSON_OPTION, console, err_console, print_json, ready_context
from ledger.errors import ClearanceError, FieldProblem, ValidationFailed

MEDIA_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".mp4", ".mov", ".webm", ".mkv"}

person_app = typer.Typer(help="People whose likeness is protected: add, enroll likeness references, erase",
                         no_args_is_help=True)
index_app = typer.Typer(help="The similarity indexes", no_args_is_help=True)


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES))
        else:
            files.append(path)
    return files


_WORKER: Any = None


def _init_worker(config: Any) -> None:
    global _WORKER
    from embeddings import Fingerprinter

    _WORKER = Fingerprinter(config)


def _fingerprint_in_worker(path: str) -> tuple[str, Any, str | None]:
    from embeddings import EmbeddingsError

    try:
        return path, _WORKER.fingerprint_file(Path(path), purpose="reference"), None
    except EmbeddingsError as exc:
        return path, None, exc.diagnostics()
    except OSError as exc:
        return path, None, f"{path}: cannot be read ({exc.strerror})"


def register(paths: Optional[list[Path]] = typer.Argument(None, help="files or folders of media"),
             role: str = typer.Option("reference_work", help="training_asset, reference_work or likeness_reference"),
             acquisition: str = typer.Option("own_production", help="how the studio acquired the files"),
             license_id: Optional[str] = typer.Option(None, "--license", help="license covering these files"),
             rights_holder: Optional[str] = typer.Option(None, "--rights-holder", help="party id"),
             acquired_on: Optional[str] = typer.Option(None, "--acquired-on", help="when the studio acquired "
                                                       "the files (YYYY-MM-DD); not recorded if left out"),
             source_uri: Optional[str] = typer.Option(None, "--source-uri", help="where they came from (a URI; "
                                                      "ending in / appends each file's name); not recorded if left out"),
             workers: int = typer.Option(0, help="fingerprinting processes (0: one per core)"),
             bulk: Optional[Path] = typer.Option(None, "--bulk", metavar="LIST",
                                                 help="a CSV or JSON Lines list, one file per row ('path' and "
                                                      "record fields), fingerprinted on Ray"),
             report: Optional[Path] = typer.Option(None, "--report", help="--bulk: write the job's report (JSON) here"),
             ray_address: Optional[str] = typer.Option(None, "--ray-address",
                                                       help="--bulk: a running Ray cluster (default: the ray_address "
                                                            "setting, else a Ray instance started here)"),
             ray_cpus: Optional[int] = typer.Option(None, "--ray-cpus", min=1,
                                                    help="--bulk: CPUs of the Ray instance started here (default: all)"),
             batch_files: int = typer.Option(32, "--batch-files", min=1,
                                             help="--bulk: files logged per transaction"),
             title: Optional[str] = typer.Option(None, "--title", help="the work's real title (one file); "
                                                 "without it the file name is used and prompts are not screened for it"),
             titles: Optional[Path] = typer.Option(None, "--titles", help="CSV with columns file,title "
                                                   "(file name or path) titling many files"),
             as_json: bool = JSON_OPTION) -> None:
    """Register media files as assets with their fingerprints; a failed file is reported and skipped.

    With CLEARANCE_QUEUE_URL set, each file is a job for the queue's workers (which must see the same files).
    With --bulk LIST, the files of the list are fingerprinted on Ray and each registered exactly once
    (a file whose bytes are registered already is skipped, so a killed job is resumed by running it again)."""
    from ledger.fingerprints.service import register_asset
    from ledger.records.acquisition import acquisition_fields, source_of

    if bulk is not None and paths:
        raise ValidationFailed("give either files to register or --bulk LIST, not both",
                               problems=[FieldProblem("bulk", "the list names the files")])
    if bulk is not None and (title or titles):
        raise ValidationFailed("--title and --titles name files given on the command line; a --bulk list "
                               "gives each file's title in its 'title' column",
                               problems=[FieldProblem("title", "not with --bulk")])
    if bulk is None and (report or ray_address or ray_cpus):
        raise ValidationFailed("--report, --ray-address and --ray-cpus belong to --bulk LIST",
                               problems=[FieldProblem("bulk", "missing")])
    ctx = ready_context()
    base: dict[str, Any] = {"role": role, "acquisition_method": acquisition,
                            **acquisition_fields(acquired_on, source_uri)}
    if license_id:
        base["license_id"] = license_id
    if rights_holder:
        base["rights_holder_id"] = rights_holder
    if bulk is not None:
        from ledger.cli.bulk_view import register_bulk

        register_bulk(ctx, bulk, base, report, ray_address, ray_cpus, batch_files, as_json)
        return
    files = _expand(paths or [])
    if not files:
        raise ValidationFailed("no media files found", problems=[FieldProblem("paths", "no files given or found")])
    from ledger.cli.register_titles import titles_for

    entered = titles_for(files, title, titles)
    done: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    if ctx.settings.queue_url:  # one job per file for the queue's workers; --workers does not apply
        from ledger.jobs.registration import register_on_queue

        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task("queued; workers fingerprinting and registering", total=len(files))
            for answer in register_on_queue(ctx, files, base, "cli", lambda: bar.advance(task), entered):
                (failed if "error" in answer else done).append(answer)
        _report_registered(done, failed, as_json)
        return
    count = workers or min(len(files), os.cpu_count() or 1)
    config = ctx.embeddings_config
    if count > 1 and config.decode_threads == 0:  # one file per core: FFmpeg's own threads would only compete
        config = config.with_(decode_threads=1, fingerprint_threads=1)
    with Progress(console=err_console, transient=True) as bar, \
            ProcessPoolExecutor(count, initializer=_init_worker, initargs=(config,)) as pool:
        task = bar.add_task("fingerprinting and registering", total=len(files))
        futures = [pool.submit(_fingerprint_in_worker, str(f)) for f in files]
        for future in as_completed(futures):
            path, fps, error = future.result()
            try:
                if error:
                    raise ValidationFailed(error)
                result = register_asset(ctx, source_of({**base, **entered.get(path, {})}, Path(path)), Path(path),
                                        Path(path).name, "cli", fingerprints=fps)
                done.append({"file": path, "asset": result.written.record["id"], "frames": result.fingerprints["frames"]})
            except ClearanceError as exc:
                failed.append({"file": path, "error": str(exc)})
            bar.advance(task)
    _report_registered(done, failed, as_json)


def _report_registered(done: list[dict[str, Any]], failed: list[dict[str, str]], as_json: bool) -> None:
    if as_json:
        print_json({"registered": done, "failed": failed})
    else:
        for item in done:
            console.print(f"[green]registered[/green] {item['file']} as {item['asset']} ({item['frames']} frames)")
        for item in failed:
            console.print(f"[red]skipped[/red] {item['file']}: {item['error']}")
        console.print(f"{len(done)} registered, {len(failed)} failed")
    if failed:
        raise typer.Exit(2)


@person_app.command("add")
def person_add(name: str, died: Optional[str] = typer.Option(None, "--died", help="date of death, YYYY-MM-DD"),
               alias: list[str] = typer.Option([], "--alias", help="another name (repeatable)"),
               person_id: Optional[str] = typer.Option(None, "--id")) -> None:
    """Register a person (living, or deceased with --died)."""
    from ledger.records.kinds import KINDS
    from ledger.records.service import create_record

    data: dict[str, Any] = {"kind": "person", "name": name, "aliases": alias}
    if died:
        data["died_on"] = died
    if person_id:
        data["id"] = person_id
    written = create_record(ready_context(), KINDS["party"], data, "cli")
    console.print(f"added person {written.record['id']} ({name}), log entry {written.receipt.index}")


@person_app.command("enroll")
def person_enroll(person: str = typer.Argument(..., help="the person's id or exact name"),
                  files: list[Path] = typer.Argument(..., help="photos or clips of the person"),
                  face: Optional[int] = typer.Option(None, "--face", min=1,
                                                     help="which face of a group photo, counted from the left")) -> None:
    """Add face templates from likeness references (only their hash enters the log)."""
    from ledger.fingerprints.service import enroll

    for row in enroll(ready_context(), person, _read_files(files), "cli", face=face):
        console.print(f"enrolled {row['file']}: {row['faces']} face(s), log entry {row['log']['index']}")


@person_app.command("enroll-voice")
def person_enroll_voice(person: str = typer.Argument(..., help="the person's id or exact name"),
                        files: list[Path] = typer.Argument(..., help="recordings (audio or video) of the person speaking")
                        ) -> None:
    """Add voice templates from recordings of the person speaking, at least 3 s of speech each (only their hash
    enters the log)."""
    from ledger.fingerprints.service import enroll_voice

    for row in enroll_voice(ready_context(), person, _read_files(files), "cli"):
        console.print(f"enrolled {row['file']}: {row['speech_s']:.1f} s of speech, voice template "
                      f"{row['fingerprint_set']}, log entry {row['log']['index']}")


def _read_files(files: list[Path]) -> list[tuple[str, bytes]]:
    items = []
    for path in files:
        if not path.is_file():
            raise ValidationFailed(f"{path} does not exist or is not a file")
        items.append((path.name, path.read_bytes()))
    return items


@person_app.command("erase")
def person_erase(person: str, reason: str = typer.Option(..., "--reason")) -> None:
    """Erase a person's face and voice templates (refused under a legal hold)."""
    from ledger.fingerprints.service import erase_likeness

    receipt = erase_likeness(ready_context(), person, reason, "cli")
    console.print(f"erased face and voice templates; logged as entry {receipt.index}")


@index_app.command("withdraw")
def index_withdraw(asset_id: str, reason: str = typer.Option(..., "--reason")) -> None:
    """Take a registered work out of matching (its record and history stay in the log)."""
    from ledger.fingerprints.service import withdraw_asset

    receipt = withdraw_asset(ready_context(), asset_id, reason, "cli")
    console.print(f"withdrew {asset_id} from matching (log entry {receipt.index})")


def match(file: Path, as_json: bool = JSON_OPTION) -> None:
    """Which registered works or enrolled people does this image, video or recording look or sound like?"""
    from ledger.fingerprints.service import match_media

    if not file.is_file():
        raise ValidationFailed(f"{file} does not exist or is not a file")
    _, result = match_media(ready_context(), file.read_bytes(), file.name)
    if as_json:
        print_json(result.to_dict())
        return
    channels = result.channels
    console.print(f"channels run: {', '.join(channels.ran)}")
    for name, why in channels.unavailable.items():
        console.print(f"[yellow]not run[/yellow] {name}: {why}")
    for name, left_out in channels.limits.items():
        console.print(f"[yellow]searched in part[/yellow] {name}: {left_out}")
    if not result.owners:
        console.print("no matches")
    for owner in result.owners:
        align = f", alignment rate {owner.alignment.rate:.2f} offset {owner.alignment.offset_s:+.2f}s" \
            if owner.alignment else ""
        heard = ("; voice at " + ", ".join(f"{a:.1f}-{b:.1f}s" for a, b in owner.voice_ranges)
                 if owner.voice_ranges else "")
        unit = "query frames" if owner.methods != ["voice"] else "speech windows"
        console.print(f"{owner.owner_kind} {owner.owner}: {owner.frames_matched}/{owner.query_frames} {unit} "
                      f"({owner.share:.0%}) by {', '.join(owner.methods)}{align}{heard}")


@index_app.command("rebuild")
def index_rebuild() -> None:
    """Rebuild every channel's index from the stored fingerprints."""

    indexes = ready_context().indexes.rebuild()
    for name, stats in indexes.stats().items():
        console.print(f"{name}: {stats['vectors']} vectors, {stats['owners']} owners ({stats['index_type']})")


def doctor(as_json: bool = JSON_OPTION) -> None:
    """Report what this installation can and cannot look at (channels, weights, index)."""

    from ledger.witness.status import witness_report

    ctx = ready_context()
    status = ctx.fingerprinter.status
    stats = ctx.indexes.current().stats()
    witnesses = witness_report(ctx)
    if as_json:
        print_json({"channels": status.to_dict(), "index": stats, "home": str(ctx.settings.home),
                    "witnesses": witnesses.as_json()})
        return
    for line in status.lines():
        console.print(line)
    for name, item in stats.items():
        console.print(f"index {name}: {item['vectors']} vectors, {item['owners']} owners ({item['index_type']})")
    for line in witnesses.lines():
        console.print(line, markup=False, highlight=False)
