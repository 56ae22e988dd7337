"""Provenance for released clips: sign a releasable check, verify any file against C2PA and the log.

The C2PA work is in :mod:`ledger.provenance`; this module supplies it with the
ledger's facts (the check, its log entry and checkpoint) and records the
result (``clip.signed``). Verification trusts the database for nothing it can
prove: the checkpoint's signature is checked with the log key, and the check's
entry is proved included in that checkpoint.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from ledger.checks.models import Check, Clip
from ledger.context import Clearance
from ledger.errors import ConfigurationError, Conflict, FieldProblem, NotFound, ProvenanceError
from ledger.log import merkle, store
from ledger.log.events import Envelope, Event, payload_digest
from ledger.log.sql import StoredCheckpoint
from ledger.log.tables import LogEntry
from ledger.log.note import Checkpoint, NoteError, open_checkpoint
from ledger.media_store import path_for, store_file
from ledger.provenance import (
    TRAINED_ALGORITHMIC_MEDIA, AiDisclosure, ClearanceRelease, DevCredentials, GeneratingModel, ReferenceInput,
    SigningIdentity, TrainingMiningEntry, TrustSettings, VisibleLabel, create_dev_ca, read_disclosure, sign_clip,
    verify_file)
from ledger.provenance.media import media_type_of
from ledger.records import models as m


class DisclosureIncomplete(Conflict):
    """Signing refused: a field the law requires of the clip's AI disclosure is unknown (``problems`` names it)."""

    title = "AI disclosure incomplete"
    slug = "disclosure-incomplete"


def ensure_dev_credentials(ctx: Clearance) -> DevCredentials | None:
    """Create the development CA and signer at ``init`` unless a production signer is configured."""
    if ctx.settings.c2pa_signer_chain:
        return None
    credentials = DevCredentials.in_directory(ctx.settings.c2pa_dir)
    if not credentials.exists():
        credentials = create_dev_ca(ctx.settings.c2pa_dir)
    return credentials


def signing_identity(ctx: Clearance) -> SigningIdentity:
    settings = ctx.settings
    if settings.c2pa_signer_chain:
        if not settings.c2pa_signer_key:
            raise ConfigurationError("CLEARANCE_C2PA_SIGNER_CHAIN is set but CLEARANCE_C2PA_SIGNER_KEY is not")
        return SigningIdentity.from_pem_files(settings.c2pa_signer_chain, settings.c2pa_signer_key)
    credentials = DevCredentials.in_directory(settings.c2pa_dir)
    if not credentials.exists():
        raise ConfigurationError(f"no C2PA signer in {settings.c2pa_dir}; run 'clearance init' "
                                 "(or set CLEARANCE_C2PA_SIGNER_CHAIN and CLEARANCE_C2PA_SIGNER_KEY)")
    return credentials.identity()


def trust_settings(ctx: Clearance) -> TrustSettings | None:
    """The dev root (when present) plus every configured trust settings file."""
    found = []
    credentials = DevCredentials.in_directory(ctx.settings.c2pa_dir)
    if credentials.exists():
        found.append(credentials.trust())
    for path in ctx.settings.c2pa_trust_settings:
        if not Path(path).is_file():
            raise ConfigurationError(f"trust settings file {path} (CLEARANCE_C2PA_TRUST_SETTINGS) does not exist")
        found.append(TrustSettings.load(Path(path)))
    return TrustSettings.combine(*found) if found else None


def _signed(checkpoint: StoredCheckpoint | None) -> StoredCheckpoint:
    """A checkpoint that ``ctx.checkpoint()`` has just made sure exists."""
    if checkpoint is None:
        raise ProvenanceError("no signed checkpoint covers the check; run 'clearance log checkpoint'")
    return checkpoint


def _training_mining(ctx: Clearance) -> list[TrainingMiningEntry]:
    return [TrainingMiningEntry(key, use)  # type: ignore[arg-type]  # settings hold strings; c2pa-rs names a bad one
            for key, use in sorted(ctx.settings.c2pa_training_mining.items())]


def _parent_ingredient(ctx: Clearance, session: Session, clip: Clip) -> ReferenceInput | None:
    """The signed file of the clip this one edits, as a ``parentOf`` ingredient (its manifest travels with it)."""
    if not clip.parent_clip_id:
        return None
    parent = session.get(Clip, clip.parent_clip_id)
    query = select(Check).where(Check.clip_id == clip.parent_clip_id, col(Check.signed_sha256).is_not(None)) \
        .order_by(col(Check.log_index).desc())
    signed = session.exec(query).first()
    sha256 = signed.signed_sha256 if signed else parent.sha256 if parent else None
    if parent is None or sha256 is None:
        return None
    stored = path_for(ctx.settings, sha256)
    return ReferenceInput(title=parent.filename, media_type=media_type_of(stored) if stored.is_file() else "video/mp4",
                          path=stored if stored.is_file() else None, sha256=sha256, relationship="parentOf")


def sign_check(ctx: Clearance, check_id: str, out: Path, actor: str) -> dict[str, Any]:
    """Sign the clip of a releasable check into ``out`` and log ``clip.signed``."""
    with ctx.db.reader() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise NotFound(f"no check with id {check_id!r}")
        if not check.releasable:
            state = "awaits review" if check.review_state == "pending" else \
                f"was {check.review_state}" if check.review_state == "rejected" else f"is {check.verdict}"
            raise Conflict(f"refusing to sign: check {check_id} {state}; only a passed check or an approved "
                           "review can be signed", extra={"verdict": check.verdict, "review": check.review_state})
        clip = session.get(Clip, check.clip_id)
        model = session.get(m.AiModel, clip.model_id) if clip and clip.model_id else None
        references = []
        for asset_id in clip.reference_asset_ids if clip else []:
            asset = session.get(m.Asset, asset_id)
            if asset is not None:
                stored = path_for(ctx.settings, asset.sha256)
                references.append(ReferenceInput(title=asset.title, media_type=asset.media_type, asset_id=asset.id,
                                                 path=stored if stored.is_file() else None))
        parent = _parent_ingredient(ctx, session, clip) if clip else None
        if parent is not None:
            references.insert(0, parent)
        approved = check.review_state == "approved"
        # an approval is proved by its check.reviewed entry; the checkpoint covering it covers the decision too
        proved = check.review_log_index if approved and check.review_log_index is not None else check.log_index
        covering = store.checkpoint_covering(session, proved)
        assert clip is not None
        disclosure = _disclosure(ctx, session, check, clip, model)
    if covering is None:
        ctx.checkpoint()
        with ctx.db.reader() as session:
            covering = store.checkpoint_covering(session, proved)
    release = ClearanceRelease(
        check_id=check.id, verdict="approved" if check.review_state == "approved" else "pass",
        reviewer=check.reviewer if check.review_state == "approved" else None, policy_set_hash=check.policy_set_hash,
        log_index=check.log_index, log_origin=ctx.log_key.origin, checkpoint=_signed(covering).note,
        review_log_index=check.review_log_index if approved else None)
    # the action's software agent is the system the disclosure names (a registered model, or the service's system)
    generator = GeneratingModel(name=disclosure.system_name or clip.service, version=disclosure.system_version,
                                model_id=model.id if model else None)
    signed = sign_clip(
        path_for(ctx.settings, clip.sha256), Path(out), identity=signing_identity(ctx), release=release,
        model=generator, references=references, training_mining=_training_mining(ctx), clip_sha256=clip.sha256,
        title=clip.filename, disclosure=disclosure)
    store_file(ctx.settings, Path(out))
    payload: dict[str, Any] = {"signed_sha256": signed.sha256, "manifest_sha256": signed.manifest_sha256,
                               "manifest_label": signed.manifest_label}
    if signed.soft_binding is not None:  # the c2pa.soft-binding assertion's value, logged with the check
        payload["soft_binding"] = signed.soft_binding.as_dict()
    with ctx.db.transaction() as session:
        appended = ctx.record(session, [Event("clip.signed", payload, "check", check.id, actor)])[0]
    return {"path": str(out), "sha256": signed.sha256, "manifest_sha256": signed.manifest_sha256,
            "manifest_label": signed.manifest_label, "log": ctx.receipt(appended).as_json(),
            "download": f"/v1/checks/{check.id}/signed",
            "soft_binding": signed.soft_binding.as_dict() if signed.soft_binding else None}


def _disclosure(ctx: Clearance, session: Session, check: Check, clip: Clip, model: m.AiModel | None) -> AiDisclosure:
    """The latent disclosure SB 942 and EU AI Act Art. 50(2) ask of the clip, from the settings and records.

    Provider: the clip's service's ``[generative_systems]`` provider (clips without a model), else the
    ``provider_name`` setting, else the model's developer. System: the registered model, else the
    service's ``[generative_systems]`` entry. Time: the clip's ``clip.submitted`` entry. Identifier: the
    clip id. The check's visible-label obligations are recorded too. A field the law requires that
    is unknown refuses the signing (409), naming the field and where to supply it.
    """
    system = ctx.settings.generative_systems.get(clip.service) if model is None else None
    provider = (system.provider if system else None) or ctx.settings.provider_name
    if not provider and model is not None and model.developer_id:
        developer = session.get(m.Party, model.developer_id)
        provider = developer.name if developer else None
    submitted = Envelope.parse(store.get_entry(session, clip.log_index).leaf)
    labels = tuple(VisibleLabel(law=o["law"], jurisdiction=o["jurisdiction"], label=o["label"], reason=o["reason"])
                   for o in check.obligations or [] if o.get("kind") == "visible_label")
    disclosure = AiDisclosure(
        provider=provider, system_name=model.name if model else system.name if system else clip.service,
        system_version=model.version if model else system.version if system else None, created_at=submitted.time,
        identifier=f"clearance:clip:{clip.id}", digital_source_type=TRAINED_ALGORITHMIC_MEDIA, visible_labels=labels)
    where = {"provider": "set provider_name (CLEARANCE_PROVIDER_NAME)" + (
                 f", or record the developer_id of model {model.id}" if model else
                 f", or provider in [generative_systems.{clip.service}]"),
             "system_version": f"the clip names no registered model (model_id); set name and version in "
                               f"[generative_systems.{clip.service}] of the settings file"}
    problems = [FieldProblem(p.field, f"{p.message}; {where[p.field]}" if p.field in where else p.message)
                for p in disclosure.problems()]
    if problems:
        raise DisclosureIncomplete(f"refusing to sign check {check.id}: the AI disclosure the law requires of a generated clip "
                       f"lacks {', '.join(p.field for p in problems)}", problems=problems)
    return disclosure


@dataclass
class VerifyReport:
    c2pa: dict[str, Any]
    log: dict[str, Any]
    content: dict[str, Any]
    disclosure: dict[str, Any] | None = None
    recovered: dict[str, Any] | None = None
    """Set when the file had no manifest and one was recovered by soft binding (see ledger.resolution)."""

    @property
    def ok(self) -> bool:
        if self.recovered is not None:  # a copy: only its hard binding may fail, and the log must prove the check
            soft_only = all(f["code"] in HARD_BINDING_MISMATCH for f in self.c2pa["failures"])
            return soft_only and self.log["ok"] is True and self.content["ok"] is True
        c2pa_ok = self.c2pa["state"] == "Trusted" and not self.c2pa["failures"]
        return c2pa_ok and self.log["ok"] is not False and self.content["ok"] is not False

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "c2pa": self.c2pa, "log": self.log, "content": self.content,
                "disclosure": self.disclosure, "recovered": self.recovered}


#: The codes of a manifest's hard binding failing: expected when a recovered manifest meets a copy.
HARD_BINDING_MISMATCH = frozenset({"assertion.bmffHash.mismatch", "assertion.dataHash.mismatch",
                                   "assertion.boxesHash.mismatch", "assertion.collectionHash.mismatch"})


def _proved_entry(ctx: Clearance, index: int, checkpoint: Checkpoint, event_type: str, check_id: str,
                  name: str) -> tuple[LogEntry, list[bytes], Envelope] | str:
    """Entry ``index`` with its inclusion proof in ``checkpoint``, when it is the ``event_type`` of the check;
    else the reason it is not (``name`` says what the entry is to the reader: "log entry", "review entry")."""
    with ctx.db.reader() as session:
        try:
            entry = store.get_entry(session, index)
            proof = store.inclusion_proof(session, index, checkpoint.size)
        except (NotFound, ConfigurationError, ValueError) as exc:
            return f"{name} {index} cannot be proved: {exc}"
    try:
        merkle.verify_inclusion(index, checkpoint.size, merkle.leaf_hash(entry.leaf), proof, checkpoint.root)
    except merkle.ProofError as exc:
        return f"{name} {index} is not in the signed checkpoint: {exc}"
    envelope = Envelope.parse(entry.leaf)
    if envelope.type != event_type or envelope.subject_id != check_id:
        wanted = "decision" if event_type == "check.decided" else "review"
        return f"log entry {index} is {envelope.type} of {envelope.subject_id}, not the {wanted} of check {check_id}"
    return entry, proof, envelope


def _log_inclusion(ctx: Clearance, release: ClearanceRelease) -> dict[str, Any]:
    """Is the assertion's check entry in a checkpoint signed by this log's key?"""
    result: dict[str, Any] = {"ok": False, "index": release.log_index, "origin": release.log_origin}
    try:
        checkpoint = open_checkpoint(release.checkpoint, ctx.log_key.verifier)
    except NoteError as exc:
        return {**result, "reason": f"the checkpoint in the manifest is not signed by this log's key ({exc})"}
    result["checkpoint_size"] = checkpoint.size
    proved = _proved_entry(ctx, release.log_index, checkpoint, "check.decided", release.check_id, "log entry")
    if isinstance(proved, str):
        return {**result, "reason": proved}
    _, proof, _ = proved
    result = {**result, "ok": True, "proof": [base64.b64encode(h).decode() for h in proof],
              "reason": f"check {release.check_id} is entry {release.log_index}, included in the signed checkpoint "
                        f"of size {checkpoint.size}"}
    if release.verdict == "approved":
        review = prove_approval(ctx, release, checkpoint)
        result["review"] = review
        if not review["ok"]:
            return {**result, "ok": False, "reason": review["reason"]}
        result["reason"] += f"; {review['reason']}"
    return result


def prove_approval(ctx: Clearance, release: ClearanceRelease, checkpoint: Checkpoint) -> dict[str, Any]:
    """Is the manifest's ``check.reviewed`` entry an approval of this check by the named reviewer, in the checkpoint?"""
    index = release.review_log_index
    if index is None:
        return {"ok": False, "reason": "the manifest says the check was approved but names no check.reviewed entry"}
    found: dict[str, Any] = {"ok": False, "index": index}
    proved = _proved_entry(ctx, index, checkpoint, "check.reviewed", release.check_id, "review entry")
    if isinstance(proved, str):
        return {**found, "reason": proved}
    entry, _, envelope = proved
    if entry.payload is None or payload_digest(envelope.version, entry.payload) != envelope.payload_sha256:
        return {**found, "reason": f"the payload of review entry {index} is redacted or does not match its leaf"}
    payload = json.loads(entry.payload)
    reviewer = (payload.get("reviewer") or {}).get("name") or envelope.actor
    if payload.get("decision") != "approved" or reviewer != release.reviewer:
        return {**found, "reason": f"review entry {index} records {payload.get('decision')} by {reviewer}, "
                                   f"not the approval by {release.reviewer} the manifest claims"}
    return {**found, "ok": True, "reviewer": reviewer, "role": (payload.get("reviewer") or {}).get("role"),
            "reason": f"approved by {reviewer} at entry {index}, included in the same checkpoint"}


def verify_media(ctx: Clearance, path: Path, *, recover: bool = False, resolver_url: str | None = None,
                 resolver_key: str | None = None) -> VerifyReport:
    """Verify a file; with ``recover``, a file without a manifest has one recovered by soft binding and verified."""
    result = verify_file(path, trust=trust_settings(ctx))
    if recover and not result.has_manifest:
        recovered = _verify_recovered(ctx, path, resolver_url, resolver_key)
        if recovered is not None:
            return recovered
    c2pa_report = result.as_dict()
    release = result.active_manifest.clearance if result.active_manifest else None
    disclosure = read_disclosure(result.active_manifest.assertions, result.active_manifest.instance_id) \
        if result.active_manifest else None
    if release is None:
        na = {"ok": None, "reason": "no Clearance assertion in this file"}
        return VerifyReport(c2pa_report, na, dict(na), disclosure)
    log = _log_inclusion(ctx, release)
    with ctx.db.reader() as session:
        check = session.get(Check, release.check_id)
        clip = session.get(Clip, check.clip_id) if check else None
    if check is None or clip is None or not check.signed_sha256:
        content = {"ok": False, "reason": f"this ledger has no signed clip for check {release.check_id}"}
    elif release.clip_sha256 != clip.sha256:
        content = {"ok": False, "reason": "the manifest names another clip than the one this check decided "
                                          "(a manifest moved from another clip)"}
    elif result.manifest_sha256 != check.manifest_sha256:
        content = {"ok": False, "reason": "the manifest differs from the one logged when the clip was signed"}
    elif result.file_sha256 != check.signed_sha256:
        content = {"ok": False, "reason": "the file's bytes differ from the signed clip that was logged"}
    else:
        content = {"ok": True, "reason": f"the file is the signed clip logged for check {check.id}",
                   "clip_id": clip.id}
    return VerifyReport(c2pa_report, log, content, disclosure)


def _verify_recovered(ctx: Clearance, path: Path, resolver_url: str | None,
                      resolver_key: str | None) -> VerifyReport | None:
    from ledger.provenance.verify import verify_detached
    from ledger.resolution.recover import recover

    found = recover(ctx, path, resolver_url, resolver_key)
    if found is None:
        return None
    result = verify_detached(path, found.store, trust=trust_settings(ctx))
    release = result.active_manifest.clearance if result.active_manifest else None
    disclosure = read_disclosure(result.active_manifest.assertions, result.active_manifest.instance_id) \
        if result.active_manifest else None
    how = f"by {found.by}" + (f" (score {found.score})" if found.score is not None else "")
    with ctx.db.reader() as session:
        check = session.get(Check, release.check_id) if release else None
    clip_id = check.clip_id if check else None
    recovered = {**found.as_json(), "clip_id": clip_id,
                 "summary": f"no manifest in the file; recovered manifest of clip {clip_id or '(unknown here)'} {how}"
                            f" from {found.source}; the binding is soft: the file is a copy, not the signed bytes"}
    if release is None:
        na = {"ok": False, "reason": "the recovered manifest has no Clearance assertion"}
        return VerifyReport(result.as_dict(), na, dict(na), disclosure, recovered)
    log = _log_inclusion(ctx, release)
    if check is None or not check.signed_sha256:
        content = {"ok": False, "reason": f"this ledger has no signed clip for check {release.check_id}"}
    elif result.manifest_sha256 != check.manifest_sha256:
        content = {"ok": False, "reason": "the recovered manifest differs from the one logged when the clip was signed"}
    else:
        content = {"ok": True, "clip_id": check.clip_id,
                   "reason": f"the recovered manifest is the one logged for check {check.id} (clip {check.clip_id}); "
                             "the file's bytes are not the signed clip's, so only the soft binding ties them"}
    return VerifyReport(result.as_dict(), log, content, disclosure, recovered)


def signed_path(ctx: Clearance, check_id: str) -> Path:
    with ctx.db.reader() as session:
        check = session.get(Check, check_id)
    if check is None or not check.signed_sha256:
        raise NotFound(f"check {check_id!r} has no signed clip")
    path = path_for(ctx.settings, check.signed_sha256)
    if not path.is_file():
        raise ProvenanceError(f"the signed clip of check {check_id} is missing from the media store")
    return path


def read_manifest_for_ingest(ctx: Clearance, path: Path, filename: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """What an asset's own C2PA manifest says, for its record; training-mining entries become opt-out signals.

    Returns (summary for ``rights_management_info["c2pa"]`` or None without a
    manifest, opt-out signal fields without ``asset_id``). An invalid manifest
    is recorded with its state and codes, never dropped.
    """
    from datetime import UTC, datetime

    result = verify_file(path, trust=trust_settings(ctx))
    if not result.has_manifest:
        return None, []
    manifest = result.active_manifest
    summary: dict[str, Any] = {"state": result.state, "codes": list(result.codes), "reasons": list(result.reasons),
                               "manifest_count": result.manifest_count, "manifest_sha256": result.manifest_sha256}
    if manifest is not None:
        details = result.as_dict().get("active_manifest") or {}
        summary.update({key: details.get(key) for key in ("label", "claim_generator", "signer", "actions",
                                                          "ingredients", "training_mining_label")})
        summary["training_mining"] = {e.key: e.as_dict() for e in manifest.training_mining}
    signals = []
    label = manifest.training_mining_label if manifest else None
    for entry in manifest.training_mining if manifest else ():
        source = "c2pa.training-mining" if (label or "").startswith("c2pa.") else "cawg.training-mining"
        prefix = source.split(".")[0]
        key = entry.key if entry.key.startswith(prefix + ".") else f"{prefix}.{entry.key.split('.')[-1]}"
        signals.append({"source": source, "entry": key, "value": entry.effective_use,
                        "constraint_details": entry.constraint_info,
                        "read_from": f"C2PA manifest {manifest.label if manifest else ''} in {filename} ({result.state})",
                        "read_at": datetime.now(UTC).isoformat()})
    return summary, signals
