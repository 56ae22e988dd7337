"""Registering assets with their fingerprints, enrolling likenesses, and matching media."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import select

from embeddings import DecodedMedia, MatchResult, MediaFingerprints
from embeddings import match as search
from ledger.context import Clearance, Receipt
from ledger.errors import Conflict, FieldProblem, MediaRejected, NotFound, ValidationFailed
from ledger.fingerprints.compute import fingerprint
from ledger.fingerprints.models import FingerprintSet
from ledger.fingerprints.store import added_event, attach_data, encode
from ledger.log.events import Event
from ledger.media_store import digests, stored_for
from ledger.records import models as m
from ledger.records.kinds import KINDS
from ledger.records.service import Written, active_holds, create_event, get_row, record_dict
from ledger.signing import read_manifest_for_ingest


@dataclass(frozen=True)
class Registered:
    written: Written
    fingerprints: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {**self.written.as_json(), "fingerprints": self.fingerprints}


def _summary(fps: MediaFingerprints) -> dict[str, Any]:
    return {"kind": fps.kind, "frames": len(fps.frames), "faces": len(fps.face_templates()),
            "channels": fps.channels.to_dict()}


def register_asset(ctx: Clearance, data: dict[str, Any], media: bytes | Path, name: str, actor: str,
                   fingerprints: MediaFingerprints | None = None) -> Registered:
    """Store the bytes, fingerprint them, and log the asset and its fingerprints in one transaction.

    ``media`` is an upload's bytes or a file on disk (a title: streamed into the store, never held,
    up to ``max_title_bytes``). Bytes that differ from what was fingerprinted are refused."""
    fps = fingerprints or fingerprint(ctx, media, name, "reference")  # undecodable media is refused unstored
    with stored_for(ctx.settings, media, name, ctx.embeddings_config.max_title_bytes) as stored:
        if stored.sha256 != fps.sha256:
            raise ValidationFailed(f"{name} changed while it was being registered (SHA-256 {fps.sha256} when "
                                   f"fingerprinted, {stored.sha256} when stored); register it again")
        derived = {} if data.get("title") else {"title": Path(name).stem or name, "title_source": "derived"}
        fields_ = {**derived, **data, "sha256": stored.sha256, "md5": stored.md5,
                   "sha1": stored.sha1, "size_bytes": stored.size_bytes}
        fields_.setdefault("media_type", stored.media_type)
        manifest, signals = read_manifest_for_ingest(ctx, stored.path, name)
        if manifest is not None:
            fields_["rights_management_info"] = {**fields_.get("rights_management_info", {}), "c2pa": manifest}
        blob = encode(fps)
        kind = KINDS["asset"]
        with ctx.db.transaction() as session:
            asset_event = create_event(session, kind, fields_, actor)
            fps_event = added_event("asset", asset_event.subject_id or "", fps, blob, actor)
            opt_outs = [create_event(session, KINDS["opt_out"], {**signal, "asset_id": asset_event.subject_id}, actor,
                                     pending={"asset": {asset_event.subject_id or ""}}) for signal in signals]
            appended = ctx.record(session, [asset_event, fps_event, *opt_outs])
            attach_data(session, fps_event.subject_id or "", blob)
            record = record_dict(kind, get_row(session, kind, asset_event.subject_id or ""))
    ctx.indexes.apply_committed(appended[1].index, appended[1].index, [("asset", record["id"], fps)], [])
    return Registered(Written(record, ctx.receipt(appended[0])), _summary(fps))


def resolve_person(ctx: Clearance, name_or_id: str) -> m.Party:
    with ctx.db.reader() as session:
        party = session.get(m.Party, name_or_id)
        if party is None:
            found = session.exec(select(m.Party).where(m.Party.name == name_or_id, m.Party.kind == "person")).all()
            if len(found) > 1:
                raise Conflict(f"{len(found)} people are named {name_or_id!r}; use an id: "
                               f"{', '.join(p.id for p in found)}")
            party = found[0] if found else None
    if party is None or (party.kind.value if hasattr(party.kind, "value") else party.kind) != "person":
        raise NotFound(f"no person with id or name {name_or_id!r}")
    return party


def enroll(ctx: Clearance, person_id: str, files: list[tuple[str, bytes]], actor: str,
           face: int | None = None) -> list[dict[str, Any]]:
    """Add face templates from likeness references. A file with no face is refused, naming it.

    A photo showing several faces is refused unless ``face`` says which one
    (numbered from 1, left to right); only that face is enrolled.
    """
    party = resolve_person(ctx, person_id)
    if face is not None and face < 1:
        raise ValidationFailed("faces are numbered from 1, left to right",
                               problems=[FieldProblem("face", "must be 1 or more")])
    prepared = []
    for name, data in files:
        fps = fingerprint(ctx, data, name, "likeness")
        if not fps.face_templates():
            raise MediaRejected(f"{name}: no face found; a likeness reference must show the person's face",
                                extra={"file": name})
        if fps.kind == "image":
            _pick_face(fps, name, face)
        prepared.append((name, fps, encode(fps)))
    return _enroll_prepared(ctx, party.id, prepared, actor)


def _pick_face(fps: MediaFingerprints, name: str, face: int | None) -> None:
    """Keep one face of a photo: the only one, or the ``face``-th from the left; refuse an ambiguous photo."""
    frame = fps.frames[0]
    faces = sorted(frame.faces, key=lambda f: (f.box[0], f.box[1]))
    if face is None:
        if len(faces) > 1:
            raise MediaRejected(f"{name}: the photo shows {len(faces)} faces; say which one is the person "
                                f"(face 1 to {len(faces)}, numbered from the left: --face N, or the 'face' field)",
                                extra={"file": name, "faces": len(faces)})
        return
    if face > len(faces):
        raise MediaRejected(f"{name}: face {face} asked for, but the photo shows {len(faces)}",
                            extra={"file": name, "faces": len(faces)})
    frame.faces = [faces[face - 1]]


def enroll_voice(ctx: Clearance, person_id: str, files: list[tuple[str, bytes]], actor: str) -> list[dict[str, Any]]:
    """Add voice templates from voice references (audio files or clips): one template per file.

    A reference with less detected speech than ``voice_min_enrol_speech_s`` is refused, naming
    the file and how much speech it holds, and so is one whose speech seems to hold two speakers
    (``voice_min_speaker_consistency``). Only the templates' hash enters the log.
    """
    party = resolve_person(ctx, person_id)
    least = ctx.embeddings_config.voice_min_enrol_speech_s
    prepared = []
    for name, data in files:
        fps = fingerprint(ctx, data, name, "voice")
        if fps.speech_s < least or not fps.voice:
            raise MediaRejected(f"{name}: only {fps.speech_s:.1f} s of speech detected; a voice reference needs at "
                                f"least {least:g} s of the person speaking ({fps.audio or 'no audio'})",
                                extra={"file": name, "speech_s": fps.speech_s})
        consistency, floor = fps.speaker_consistency, ctx.embeddings_config.voice_min_speaker_consistency
        if consistency is not None and consistency < floor:
            raise MediaRejected(f"{name}: the speech seems to hold more than one speaker (two stretches as "
                                f"different as {consistency:.2f}, under {floor:g}); enrol a recording of the "
                                "person alone", extra={"file": name, "speaker_consistency": consistency})
        prepared.append((name, fps, encode(fps)))
    rows = _enroll_prepared(ctx, party.id, prepared, actor)
    for row, (_, fps, _) in zip(rows, prepared):
        row["speech_s"] = fps.speech_s
        row["voice_templates"] = len(fps.voice)
    return rows


def _enroll_prepared(ctx: Clearance, person_id: str, prepared: list[tuple[str, MediaFingerprints, bytes]],
                     actor: str) -> list[dict[str, Any]]:
    """Log the fingerprint sets of a person's references in one transaction and index them."""
    with ctx.db.transaction() as session:
        events = [added_event("person", person_id, fps, blob, actor) for _, fps, blob in prepared]
        appended = ctx.record(session, events)
        for event, (_, _, blob) in zip(events, prepared):
            attach_data(session, event.subject_id or "", blob)
    ctx.indexes.apply_committed(appended[0].index, appended[-1].index,
                             [("person", person_id, fps) for _, fps, _ in prepared], [])
    receipt = ctx.receipt(appended[-1])
    return [{"file": name, "faces": len(fps.face_templates()), "fingerprint_set": e.subject_id,
             "log": receipt.as_json() if e is events[-1] else {"index": a.index}}
            for (name, fps, _), e, a in zip(prepared, events, appended)]


def erase_fingerprints(ctx: Clearance, owner_kind: str, owner_id: str, reason: str, actor: str) -> Receipt:
    """Erase every fingerprint set of an asset or person and take it out of the index.

    For a person this erases face templates (an erasure request, revoked consent);
    for an asset it withdraws the work from matching. A legal hold refuses it.
    """
    if not reason.strip():
        raise ValidationFailed("an erasure needs a reason", problems=[FieldProblem("reason", "must not be empty")])
    record_kind = "party" if owner_kind == "person" else "asset"
    with ctx.db.transaction() as session:
        holds = active_holds(session, record_kind, owner_id)
        if holds:
            raise Conflict(f"legal hold {holds[0].id} ({holds[0].matter}) blocks erasing the fingerprints of "
                           f"{record_kind} {owner_id}", extra={"legal_hold": holds[0].id})
        sets = session.exec(select(FingerprintSet).where(FingerprintSet.owner_id == owner_id,
                                                          FingerprintSet.erased == False)).all()  # noqa: E712
        if not sets:
            raise NotFound(f"{record_kind} {owner_id} has no fingerprints to erase")
        appended = ctx.record(session, [Event("fingerprints.erased", {"reason": reason}, "fingerprint_set", s.id, actor)
                                        for s in sets])
    ctx.indexes.apply_committed(appended[0].index, appended[-1].index, [], [owner_id])
    return ctx.receipt(appended[-1])


def erase_likeness(ctx: Clearance, person_id: str, reason: str, actor: str) -> Receipt:
    """Erase a person's face and voice templates (an erasure request or revoked consent); refused under legal hold."""
    return erase_fingerprints(ctx, "person", resolve_person(ctx, person_id).id, reason, actor)


def withdraw_asset(ctx: Clearance, asset_id: str, reason: str, actor: str) -> Receipt:
    """Take a registered work out of matching (its record and log history stay)."""
    with ctx.db.reader() as session:
        if session.get(m.Asset, asset_id) is None:
            raise NotFound(f"no asset with id {asset_id!r}")
    return erase_fingerprints(ctx, "asset", asset_id, reason, actor)


def match_media(ctx: Clearance, data: bytes, name: str, *,
                decoded: Callable[[DecodedMedia], None] | None = None) -> tuple[MediaFingerprints, MatchResult]:
    """Fingerprint a query and search every channel; identical registered files match exactly.

    ``decoded`` receives the query's decoded pictures (a check's evidence reuses them).
    """
    query = fingerprint(ctx, data, name, "query", decoded=decoded)
    with ctx.db.reader() as session:
        exact = list(session.exec(select(m.Asset.id).where(m.Asset.sha256 == query.sha256)).all())
    return query, search(query, ctx.indexes.current(), ctx.embeddings_config, exact_owners=exact)


def hashes_of(data: bytes) -> dict[str, str]:
    sha256, md5, sha1 = digests(data)
    return {"sha256": sha256, "md5": md5, "sha1": sha1}


def require_files(files: list[tuple[str, bytes]]) -> None:
    if not files:
        raise ValidationFailed("no files given", problems=[FieldProblem("files", "give at least one file")])
