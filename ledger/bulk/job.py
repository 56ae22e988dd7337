"""A bulk registration job: read the list, identify each file, fingerprint on Ray, log in batches.

Exactly once: each file is identified by the SHA-256 of its bytes before anything else. Bytes an
asset already has are skipped (a job started again after being killed skips everything its
committed batches registered), and so are bytes met earlier in the same list. A batch commits
whole or, when one of its files cannot be written, file by file, and a file's asset and
fingerprints are one unit of it, so a kill at any moment leaves each file registered once or not
at all; the next run does the rest. Ray runs a task again when its worker dies; the task only
computes, so running it twice changes nothing.

Bad rows and bad files are refused one by one, with the reason, and the job goes on.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlmodel import select

from ledger.bulk.listing import ListedFile, read_list
from ledger.bulk.remote import RayFingerprinting
from ledger.bulk.writing import Outcome, ReadyToWrite, write_batch
from ledger.context import Clearance
from ledger.errors import ClearanceError
from ledger.records import models as m
from ledger.records.kinds import KINDS
from ledger.records.service import create_event

FILLED_IN = ("sha256", "md5", "sha1", "size_bytes")
"""Fields the job computes from the bytes (a row's ``sha256`` is checked against them, the rest are replaced)."""


@dataclass(frozen=True)
class JobOptions:
    base_fields: dict[str, Any]
    """The record fields a row does not give (from the command's options)."""
    actor: str = "cli"
    batch_files: int = 32
    """Files logged per transaction, at most."""
    batch_seconds: float = 30.0
    """A batch waiting this long since its first file is logged even if smaller."""
    ray_address: str | None = None
    num_cpus: int | None = None
    max_retries: int = 3
    """How often Ray runs a file's task again after its worker died."""
    tasks_per_cpu: int = 2
    """Files given to Ray at once, per CPU of the cluster (the rest wait on the driver)."""


FileStatus = Literal["registered", "skipped", "refused"]


@dataclass(frozen=True)
class FileResult:
    row: int
    given: str
    status: FileStatus
    sha256: str | None = None
    asset_id: str | None = None
    frames: int | None = None
    why: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"row": self.row, "path": self.given}
        if self.sha256:
            body["sha256"] = self.sha256
        if self.asset_id:
            body["asset"] = self.asset_id
        if self.frames is not None:
            body["frames"] = self.frames
        if self.why:
            body["why"] = self.why
        return body


@dataclass
class JobProgress:
    """How far the job is: counts, frames fingerprinted and the rates they give."""

    files_total: int
    registered: int = 0
    skipped: int = 0
    refused: int = 0
    frames: int = 0
    """Frames fingerprinted so far (of files registered or not)."""
    fingerprinted: int = 0
    """Files Ray has answered for so far."""
    batches: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def files_done(self) -> int:
        return self.registered + self.skipped + self.refused

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the rate files have been fingerprinted (unknown before the first one)."""
        left = self.files_total - self.files_done
        if left <= 0:
            return 0.0
        if not self.fingerprinted:
            return None
        return self.elapsed_s / self.fingerprinted * left

    def as_json(self) -> dict[str, Any]:
        eta = self.eta_s
        return {"files_total": self.files_total, "files_done": self.files_done, "registered": self.registered,
                "skipped": self.skipped, "refused": self.refused, "frames": self.frames,
                "frames_per_s": round(self.frames_per_s, 3), "elapsed_s": round(self.elapsed_s, 3),
                "eta_s": None if eta is None else round(eta, 1), "batches": self.batches}


@dataclass
class JobReport:
    list_path: Path
    progress: JobProgress
    results: list[FileResult] = field(default_factory=list)
    ray: dict[str, Any] = field(default_factory=dict)
    checkpoint: str | None = None

    def of(self, status: FileStatus) -> list[FileResult]:
        return sorted((r for r in self.results if r.status == status), key=lambda r: r.row)

    def as_json(self) -> dict[str, Any]:
        return {"list": str(self.list_path), "summary": self.progress.as_json(), "ray": self.ray,
                "checkpoint": self.checkpoint,
                **{status: [r.as_json() for r in self.of(status)] for status in ("registered", "skipped", "refused")}}


Listener = Callable[[Literal["file", "batch"], JobProgress], None]
"""Hears ``"file"`` whenever a file is decided or fingerprinted, and ``"batch"`` after each batch commits."""


@dataclass(frozen=True)
class _Identified:
    listed: ListedFile
    path: Path
    sha256: str
    fields: dict[str, Any]


def run_job(ctx: Clearance, list_path: Path, options: JobOptions,
            listen: Listener = lambda _event, _progress: None) -> JobReport:
    """Register every file of the list once; the report says what became of each row."""
    listed = read_list(list_path, ctx.settings.max_import_rows)
    report = JobReport(list_path, JobProgress(len(listed)))
    job = _Job(ctx, options, report, listen)
    with RayFingerprinting(options.ray_address, options.num_cpus, options.max_retries) as ray_:
        job.run(deque(listed), ray_)
        report.ray = {"address": options.ray_address or "local", "cpus": ray_.cpus if ray_.connected else None,
                      "used": ray_.connected}
    report.results.sort(key=lambda result: result.row)
    if report.progress.registered:
        report.checkpoint = ctx.checkpoint()
    return report


def _refused(listed: ListedFile, why: str, sha256: str | None = None) -> FileResult:
    return FileResult(listed.row, listed.given, "refused", sha256, why=why)


class _Job:
    def __init__(self, ctx: Clearance, options: JobOptions, report: JobReport, listen: Listener) -> None:
        self.ctx = ctx
        self.options = options
        self.report = report
        self.listen = listen
        self.seen: dict[str, int] = {}  # SHA-256 -> the row that has those bytes in this job
        self.waiting: list[ReadyToWrite] = []
        self.waiting_since = 0.0

    def run(self, rows: deque[ListedFile], ray_: RayFingerprinting) -> None:
        in_flight: dict[Any, _Identified] = {}
        config = self.ctx.embeddings_config
        while rows or in_flight or self.waiting:
            while rows and len(in_flight) < self.options.tasks_per_cpu * ray_.cpus:
                identified = self._identify(rows.popleft())
                if isinstance(identified, FileResult):
                    self._decide(identified)
                else:
                    in_flight[ray_.submit(identified.path, config)] = identified
            wait_s = 0.5 if not self.waiting else max(0.0, min(0.5, self._batch_deadline() - time.monotonic()))
            for ref in ray_.finished(list(in_flight), wait_s):
                identified = in_flight.pop(ref)
                self._fingerprinted(identified, ray_.answer(ref, identified.path))
            if self.waiting and (len(self.waiting) >= self.options.batch_files or not (rows or in_flight)
                                 or time.monotonic() >= self._batch_deadline()):
                self._write()

    def _batch_deadline(self) -> float:
        return self.waiting_since + self.options.batch_seconds

    # ------------------------------------------------------------ before Ray: identify by SHA-256

    def _identify(self, listed: ListedFile) -> _Identified | FileResult:
        """The file, its SHA-256 and its record fields, when it is to be fingerprinted; else what became of it
        (refused, or skipped because its bytes are registered or met earlier in the list)."""
        if listed.refusal is not None or listed.path is None:
            return _refused(listed, listed.refusal or "no file")
        path = listed.path
        try:
            if not path.is_file():
                raise FileNotFoundError(f"{path} does not exist or is not a file")
            size = path.stat().st_size
            limit = self.ctx.embeddings_config.max_title_bytes   # a title is streamed from disk, never held
            if size > limit:
                return _refused(listed, f"{path} is {size} bytes; max_title_bytes is {limit}")
            with path.open("rb") as handle:
                sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        except FileNotFoundError as exc:
            return _refused(listed, str(exc))
        except OSError as exc:
            return _refused(listed, f"{path}: cannot be read ({exc.strerror or exc})")
        stated = listed.fields.get("sha256")
        if stated is not None and stated != sha256:
            return _refused(listed, f"the list gives sha256 {stated} but {path} has {sha256}", sha256)
        if sha256 in self.seen:
            return FileResult(listed.row, listed.given, "skipped", sha256,
                              why=f"the same bytes as row {self.seen[sha256]}")
        fields = {**self.options.base_fields, "source_uri": path.resolve().as_uri(),
                  **{k: v for k, v in listed.fields.items() if k not in FILLED_IN}}
        with self.ctx.db.reader() as session:
            same = session.exec(select(m.Asset.id).where(m.Asset.sha256 == sha256)).first()
            if same is not None:
                return FileResult(listed.row, listed.given, "skipped", sha256, same,
                                  why=f"already registered as {same}")
            try:  # the record as it would be written, checked now so a bad row costs no fingerprinting
                create_event(session, KINDS["asset"], {"title": path.stem or path.name, **fields, "sha256": sha256,
                                                       "media_type": "application/octet-stream", "size_bytes": size},
                             self.options.actor)
            except ClearanceError as exc:
                return _refused(listed, str(exc), sha256)
        self.seen[sha256] = listed.row
        return _Identified(listed, path, sha256, fields)

    def _decide(self, result: FileResult) -> None:
        self._count(result)
        self.listen("file", self.report.progress)

    def _count(self, result: FileResult) -> None:
        self.report.results.append(result)
        progress = self.report.progress
        setattr(progress, result.status, getattr(progress, result.status) + 1)  # registered, skipped or refused

    # ------------------------------------------------------------ after Ray: batch, write

    def _fingerprinted(self, identified: _Identified, answer: Any) -> None:
        progress = self.report.progress
        progress.fingerprinted += 1
        if answer.fingerprints is None:
            self._decide(_refused(identified.listed, answer.refusal or "not fingerprinted", identified.sha256))
            return
        progress.frames += len(answer.fingerprints.frames)
        if not self.waiting:
            self.waiting_since = time.monotonic()
        self.waiting.append(ReadyToWrite(identified.listed, identified.sha256, identified.fields,
                                         answer.fingerprints))
        self.listen("file", progress)

    def _write(self) -> None:
        batch, self.waiting = self.waiting, []
        outcomes = write_batch(self.ctx, batch, self.options.actor)
        self.report.progress.batches += 1
        for outcome in outcomes:
            self._record(outcome)
        self.listen("batch", self.report.progress)

    def _record(self, outcome: Outcome) -> None:
        item = outcome.item
        frames = len(item.fingerprints.frames) if outcome.status == "registered" else None
        self._count(FileResult(item.listed.row, item.listed.given, outcome.status, item.sha256, outcome.asset_id,
                               frames, outcome.why))
