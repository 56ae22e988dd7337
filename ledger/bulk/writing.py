"""Logging a batch of fingerprinted files: one transaction for the whole batch.

Each file's write is the one ``register`` makes (the asset's ``record.created``, its
``fingerprints.added`` and an opt-out per training-mining entry of its own C2PA manifest, with the
fingerprints beside their row), handed as one unit to :meth:`ledger.db.Database.run_together`, the
group commit that the API's concurrent writes share: every unit of the batch in one transaction
(one BEGIN, one COMMIT, one turn at the log head), or, if one of them fails, each alone, so only
the file at fault is refused. The bytes go to the media store before the transaction (content
addressed: a file stored by a batch that never committed is found there the next time), and the
indexes are brought forward once for the batch after the commit.

A unit looks for the file's SHA-256 among the assets inside the transaction, so bytes registered
by anyone since the job looked are skipped, never registered twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlmodel import Session, select

from ledger.bulk.listing import ListedFile
from ledger.context import Clearance
from ledger.errors import ClearanceError
from ledger.fingerprints.store import added_event, attach_data, encode
from ledger.media_store import StoredMedia, store_file
from ledger.records import models as m
from ledger.records.kinds import KINDS
from ledger.records.service import create_event
from ledger.signing import read_manifest_for_ingest

if TYPE_CHECKING:
    from embeddings import MediaFingerprints

Status = Literal["registered", "skipped", "refused"]


@dataclass(frozen=True)
class ReadyToWrite:
    """A listed file, identified by its SHA-256 before Ray saw it, with the fingerprints Ray computed."""

    listed: ListedFile
    sha256: str
    fields: dict[str, Any]
    """The record fields: the command's options, then the row's (no hashes)."""
    fingerprints: MediaFingerprints


@dataclass(frozen=True)
class Outcome:
    """What became of one file of a batch."""

    item: ReadyToWrite
    status: Status
    asset_id: str | None = None
    why: str | None = None
    fingerprints_index: int | None = None
    """The log index of its ``fingerprints.added`` (registered files only)."""


@dataclass(frozen=True)
class _Prepared:
    item: ReadyToWrite
    stored: StoredMedia
    fields: dict[str, Any]
    signals: list[dict[str, Any]]
    blob: bytes


def write_batch(ctx: Clearance, items: list[ReadyToWrite], actor: str) -> list[Outcome]:
    """Register ``items`` (one transaction if all goes well); one outcome per item, in order."""
    outcomes: dict[int, Outcome] = {}
    prepared: list[tuple[int, _Prepared]] = []
    for position, item in enumerate(items):
        try:  # a full disk or an unwritable media store is no fault of the file (an OSError): it stops the job
            prepared.append((position, _prepare(ctx, item)))
        except ClearanceError as exc:   # unreadable, changed since listed, ...
            outcomes[position] = Outcome(item, "refused", why=str(exc))
    answers = ctx.db.run_together([_unit(ctx, p, actor) for _, p in prepared])
    for (position, ready), answer in zip(prepared, answers, strict=True):
        if isinstance(answer, BaseException):
            outcomes[position] = Outcome(ready.item, "refused", why=str(answer) if isinstance(answer, ClearanceError)
                                         else f"could not be written ({type(answer).__name__}: {answer})")
        else:
            outcomes[position] = answer
        if outcomes[position].status != "registered" and ready.stored.created:
            ready.stored.path.unlink(missing_ok=True)  # stored by this batch for a write that did not happen
    done = [outcomes[position] for position in range(len(items))]
    _index(ctx, done)
    return done


def _prepare(ctx: Clearance, item: ReadyToWrite) -> _Prepared:
    """Copy the file into the media store (as a stream: a title is never held in memory) and read its own
    C2PA manifest; refuse a file that changed since it was identified."""
    from ledger.errors import ValidationFailed

    path = item.listed.path
    assert path is not None  # only files with a path were fingerprinted
    stored = store_file(ctx.settings, path, ctx.embeddings_config.max_title_bytes)
    if stored.sha256 != item.sha256 or item.fingerprints.sha256 != item.sha256:
        if stored.created:
            stored.path.unlink(missing_ok=True)
        raise ValidationFailed(f"{path} changed while it was being registered (SHA-256 {item.sha256} when listed, "
                               f"{stored.sha256} now); run the job again to register what it holds now")
    derived = {} if item.fields.get("title") else {"title": path.stem or path.name, "title_source": "derived"}
    fields = {**derived, **item.fields, "sha256": stored.sha256, "md5": stored.md5, "sha1": stored.sha1,
              "size_bytes": stored.size_bytes}
    fields.setdefault("media_type", stored.media_type)
    manifest, signals = read_manifest_for_ingest(ctx, stored.path, path.name)
    if manifest is not None:
        fields["rights_management_info"] = {**fields.get("rights_management_info", {}), "c2pa": manifest}
    return _Prepared(item, stored, fields, signals, encode(item.fingerprints))


def _unit(ctx: Clearance, ready: _Prepared, actor: str) -> Callable[[Session], Outcome]:
    def write(session: Session) -> Outcome:
        same = session.exec(select(m.Asset.id).where(m.Asset.sha256 == ready.item.sha256)).first()
        if same is not None:
            return Outcome(ready.item, "skipped", asset_id=same, why=f"already registered as {same}")
        asset_event = create_event(session, KINDS["asset"], ready.fields, actor)
        asset_id = asset_event.subject_id or ""
        fps_event = added_event("asset", asset_id, ready.item.fingerprints, ready.blob, actor)
        opt_outs = [create_event(session, KINDS["opt_out"], {**signal, "asset_id": asset_id}, actor,
                                 pending={"asset": {asset_id}}) for signal in ready.signals]
        appended = ctx.record(session, [asset_event, fps_event, *opt_outs])
        attach_data(session, fps_event.subject_id or "", ready.blob)
        return Outcome(ready.item, "registered", asset_id=asset_id, fingerprints_index=appended[1].index)

    return write


def _index(ctx: Clearance, outcomes: list[Outcome]) -> None:
    """Bring the indexes forward over the batch's fingerprints (rebuilt from the records if they lag otherwise)."""
    added = [o for o in outcomes if o.status == "registered" and o.fingerprints_index is not None]
    if not added:
        return
    indexes = [o.fingerprints_index or 0 for o in added]
    ctx.indexes.apply_committed(min(indexes), max(indexes),
                                [("asset", o.asset_id or "", o.item.fingerprints) for o in added], [])
