"""The pre-release check's I/O shell: submit, then gather -> decide -> record.

``submit`` stores the clip and logs ``clip.submitted``. ``run`` reads the stored
bytes, asks the injected matcher for similarity matches, classifies them, gathers
the records they touch (:mod:`ledger.checks.gather`), hands everything to the pure
decision (:mod:`ledger.checks.decide`) and logs ``check.decided``; any failure on
the way is logged as ``check.failed``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic_core import to_jsonable_python
from sqlmodel import Session, SQLModel, col, select

from ledger.checks.decide import decide
from ledger.checks.evidence import capture as capture_evidence
from ledger.checks.edits import parent_in_manifest
from ledger.checks.gather import gather
from ledger.checks.models import Check, CheckFailure, Clip
from ledger.checks.request import CheckRequest
from ledger.checks.strength import classify
from ledger.context import Clearance, Receipt
from ledger.db import table_of
from ledger.errors import ClearanceError, FieldProblem, NotFound, ValidationFailed
from ledger.log.events import Event
from ledger.media_store import path_for, read_stored, stored_for
from ledger.observability import log_context
from ledger.records import models as m

if TYPE_CHECKING:
    from embeddings import DecodedMedia, MatchResult

Matcher = Callable[[bytes, str], "MatchResult"]
"""Clip bytes and file name in, similarity matches out (the media stack, or a fake in tests)."""

log = logging.getLogger(__name__)


@dataclass
class CheckOutcome:
    check: dict[str, Any]
    clip: dict[str, Any]
    frame_matches: list[dict[str, Any]]
    receipt: Receipt
    signed: dict[str, Any] | None = field(default=None)
    signing_refused: dict[str, Any] | None = field(default=None)
    """Why a passed clip was not signed (the AI disclosure lacks a field the law requires)."""

    @property
    def verdict(self) -> str:
        return str(self.check["verdict"])

    def as_json(self) -> dict[str, Any]:
        body = {key: self.check[key] for key in ("verdict", "reasons", "matches", "channels", "prompt_findings",
                                                  "policy_set_hash", "relied_on", "review_state", "evidence",
                                                  "parent_check_id", "obligations")}
        body["parent_clip_id"] = self.clip.get("parent_clip_id")
        return {"check_id": self.check["id"], "clip_id": self.clip["id"], **body,
                "releasable": self.check["verdict"] == "pass" or self.check["review_state"] == "approved",
                "frame_matches": self.frame_matches, "log": self.receipt.as_json(), "signed": self.signed,
                **({"signing_refused": self.signing_refused} if self.signing_refused else {})}


def _row_json(row: SQLModel | None) -> dict[str, Any]:
    if row is None:
        raise NotFound("the record was not found")
    values: dict[str, Any] = to_jsonable_python({c.name: getattr(row, c.name) for c in table_of(type(row)).columns})
    return values


def _check_references(session: Session, request: CheckRequest) -> None:
    problems = []
    wanted: list[tuple[str, type[SQLModel], str]] = []
    if request.model_id:
        wanted.append(("model_id", m.AiModel, request.model_id))
    wanted += [(f"dataset_version_ids[{i}]", m.DatasetVersion, v) for i, v in enumerate(request.dataset_version_ids)]
    wanted += [(f"reference_asset_ids[{i}]", m.Asset, v) for i, v in enumerate(request.reference_asset_ids)]
    wanted += [(f"declared_people[{i}]", m.Party, v) for i, v in enumerate(request.declared_people)]
    wanted += [(f"declared_voices[{i}]", m.Party, v) for i, v in enumerate(request.declared_voices)]
    if request.licensee_id:
        wanted.append(("licensee_id", m.Party, request.licensee_id))
    if request.parent_clip_id:
        wanted.append(("parent_clip_id", Clip, request.parent_clip_id))
    for name, table, record_id in wanted:
        if session.get(table, record_id) is None:
            problems.append(FieldProblem(name, f"no {table_of(table).name.rstrip('s')} with id {record_id!r}"))
    if problems:
        raise ValidationFailed("the check request refers to records that do not exist", problems=problems)


def submit(ctx: Clearance, request: CheckRequest, data: bytes, filename: str, actor: str) -> str:
    """Store the clip and log ``clip.submitted``; returns the clip id."""
    clip_id = f"clp_{uuid.uuid4().hex[:20]}"
    with stored_for(ctx.settings, data, filename) as stored:
        payload = {"sha256": stored.sha256, "md5": stored.md5, "sha1": stored.sha1, "size_bytes": stored.size_bytes,
                   "filename": filename, **request.payload()}
        with ctx.db.transaction() as session:
            _check_references(session, request)
            if request.parent_clip_id is None:
                parent = parent_in_manifest(session, data)
                if parent is not None:
                    payload["parent_clip_id"] = parent
            ctx.record(session, [Event("clip.submitted", payload, "clip", clip_id, actor)])
    return clip_id


class CheckFailed(ClearanceError):
    """A clip whose check ended in a logged ``check.failed``; carries that failure's status and detail."""

    title = "Check failed"
    slug = "check-failed"

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def _lock_clip(session: Session, clip_id: str) -> None:
    """Serialise the deciders of one clip for the rest of the write transaction.

    PostgreSQL: the clip's row lock, so a second decider waits here and then sees the first one's
    decision (each statement reads what is committed). SQLite: ``BEGIN IMMEDIATE`` already holds
    the database's one write lock, so there is no one to wait for.
    """
    session.exec(select(Clip.id).where(Clip.id == clip_id).with_for_update()).first()


def _decision(session: Session, clip_id: str) -> Check | CheckFailure | None:
    check = session.exec(select(Check).where(Check.clip_id == clip_id)).first()
    return check if check is not None else session.get(CheckFailure, clip_id)


def _fail(ctx: Clearance, clip_id: str, status: int, detail: str, actor: str) -> None:
    """Log ``check.failed`` for a clip that has no decision yet (once; a retry may have failed before)."""
    with ctx.db.transaction() as session:
        _lock_clip(session, clip_id)
        if _decision(session, clip_id) is None:
            ctx.record(session, [Event("check.failed", {"status": status, "detail": detail}, "clip", clip_id, actor)])


def undecided_clips(ctx: Clearance) -> list[str]:
    """Ids of submitted clips with neither a decided check nor a failure: queued or running jobs."""
    decided = select(Check.clip_id).where(Check.clip_id == Clip.id).exists()
    failed = select(CheckFailure.clip_id).where(CheckFailure.clip_id == Clip.id).exists()
    with ctx.db.reader() as session:
        return list(session.exec(select(Clip.id).where(~decided, ~failed).order_by(col(Clip.log_index))))


def fail_undecided(ctx: Clearance, clip_id: str, status: int, detail: str, actor: str) -> None:
    """Log ``check.failed`` for a clip whose check will not be decided (e.g. its job died in a restart)."""
    log.warning("check failed: %s", detail, extra={"clip_id": clip_id})
    _fail(ctx, clip_id, status, detail, actor)


class MediaMatcher:
    """The installation's matcher: fingerprint the clip and search every channel's index.

    Keeps the clip's decoded pictures (``decoded``) so the check's evidence
    thumbnails come from them instead of decoding the clip a second time
    (0.4-0.6 s of a 10 s 720p check, ``benchmarks/check.py``).
    """

    def __init__(self, ctx: Clearance) -> None:
        self.ctx = ctx
        self.decoded: DecodedMedia | None = None

    def _keep(self, media: DecodedMedia) -> None:
        self.decoded = media

    def __call__(self, data: bytes, filename: str) -> MatchResult:
        from ledger.fingerprints.service import match_media

        self.decoded = None
        return match_media(self.ctx, data, filename, decoded=self._keep)[1]


def media_matcher(ctx: Clearance) -> Matcher:
    """The installation's matcher (a fresh one per check: it holds the clip's decoded pictures)."""
    return MediaMatcher(ctx)


def run(ctx: Clearance, clip_id: str, actor: str, matcher: Matcher | None = None) -> CheckOutcome:
    """Decide the check of a submitted clip: gather, decide (pure), record ``check.decided``.

    Idempotent on the clip: a clip already decided returns that check (its ``frame_matches`` are
    only in the answer of the run that decided it), one whose check failed raises :class:`CheckFailed`
    again, and of two runs racing on one clip only the first to record is kept. Whatever goes wrong
    after ``clip.submitted`` ends in a logged ``check.failed`` naming the error, so a background job
    never stays "running"; the error is raised again for the caller.
    """
    with ctx.db.reader() as session:
        clip = session.get(Clip, clip_id)
        if clip is None:
            raise NotFound(f"no clip with id {clip_id!r}")
        earlier = _decision(session, clip_id)
    if earlier is not None:  # a job delivered again, or a clip checked by someone else first: decided once
        with log_context(clip_id=clip_id):
            log.info("check already decided (entry %d); returning that decision", earlier.log_index)
        return _earlier_outcome(ctx, earlier)
    with log_context(clip_id=clip_id):
        log.info("check started (%s)", clip.filename)
        try:
            outcome = _decide_and_record(ctx, clip, actor, matcher or media_matcher(ctx))
        except ClearanceError as error:
            log.warning("check failed: %s", error)
            _fail(ctx, clip_id, error.status, str(error), actor)
            raise
        except Exception as error:
            log.exception("check failed with an unexpected error")
            _fail(ctx, clip_id, 500, f"internal error while checking ({type(error).__name__}); "
                                     "the server log has the details", actor)
            raise
        with log_context(check_id=outcome.check["id"]):
            log.info("check decided: %s", outcome.verdict)
    return outcome


def _decide_and_record(ctx: Clearance, clip: Clip, actor: str, matcher: Matcher) -> CheckOutcome:
    data = read_stored(ctx.settings, clip.sha256)
    result = matcher(data, clip.filename)
    owners = classify(result, ctx.settings.strength)
    channels = {"ran": result.channels.ran, "unavailable": result.channels.unavailable,
                "detail": result.channels.to_dict()}
    if limits := result.channels.limits:   # only where a search was partial, so earlier entries keep their shape
        channels["limits"] = limits
    with ctx.db.reader() as session:
        gathered = gather(session, clip, owners, channels)
    payload = decide(gathered, ctx.policy_engine)
    decoded = matcher.decoded if isinstance(matcher, MediaMatcher) else None
    payload["evidence"] = capture_evidence(ctx, data, clip.filename, result, decoded=decoded)
    check_id = f"chk_{uuid.uuid4().hex[:20]}"
    with ctx.db.transaction() as session:
        _lock_clip(session, clip.id)
        earlier = _decision(session, clip.id)
        if earlier is None:
            appended = ctx.record(session, [Event("check.decided", payload, "check", check_id, actor)])[0]
            check, clip_row = _row_json(session.get(Check, check_id)), _row_json(session.get(Clip, clip.id))
    if earlier is not None:
        log.info("check of this clip was decided by another run meanwhile; keeping that decision")
        return _earlier_outcome(ctx, earlier)
    return CheckOutcome(check, clip_row, result.to_dict()["matches"], ctx.receipt(appended))


def _earlier_outcome(ctx: Clearance, decision: Check | CheckFailure) -> CheckOutcome:
    """The recorded decision of a clip as an outcome, or its recorded failure raised again."""
    if isinstance(decision, CheckFailure):
        raise CheckFailed(decision.status, decision.detail)
    check, clip = get_check(ctx, decision.id)
    return CheckOutcome(check, clip, [], ctx.receipt_for(decision.log_index))


def check_clip(ctx: Clearance, request: CheckRequest, data: bytes, filename: str, actor: str,
               matcher: Matcher | None = None) -> CheckOutcome:
    return run(ctx, submit(ctx, request, data, filename, actor), actor, matcher)


def recheck(ctx: Clearance, check_id: str, actor: str, matcher: Matcher | None = None) -> CheckOutcome:
    """Check a decided check's clip again, as a new submission of the same bytes and request.

    Records change after a check (a license or an exception is recorded); a check is never
    decided twice, so the clip is submitted again with ``recheck_of`` naming the old check and
    decided afresh. Both entries are logged; :func:`rechecks_of` finds the new checks from the old.
    """
    old, clip = get_check(ctx, check_id)
    fields = set(CheckRequest.model_fields) - {"parent_clip_id"}
    request = CheckRequest(**{k: v for k, v in clip.items() if k in fields and v is not None})
    if not path_for(ctx.settings, clip["sha256"]).is_file():
        raise NotFound(f"the bytes of clip {clip['id']} are no longer in the media store; submit the clip again")
    clip_id = f"clp_{uuid.uuid4().hex[:20]}"
    payload = {"sha256": clip["sha256"], "md5": clip["md5"], "sha1": clip["sha1"], "size_bytes": clip["size_bytes"],
               "filename": clip["filename"], **request.payload(), "recheck_of": old["id"]}
    if clip.get("parent_clip_id"):
        payload["parent_clip_id"] = clip["parent_clip_id"]
    with ctx.db.transaction() as session:
        ctx.record(session, [Event("clip.submitted", payload, "clip", clip_id, actor)])
    return run(ctx, clip_id, actor, matcher)


def rechecks_of(ctx: Clearance, check_id: str) -> list[dict[str, Any]]:
    """The checks of the clips submitted again as re-checks of ``check_id``, oldest first."""
    with ctx.db.reader() as session:
        clips = select(Clip.id).where(Clip.recheck_of == check_id)
        rows = session.exec(select(Check).where(col(Check.clip_id).in_(clips)).order_by(col(Check.log_index))).all()
        return [_row_json(row) for row in rows]


def get_check(ctx: Clearance, check_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    with ctx.db.reader() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise NotFound(f"no check with id {check_id!r}")
        return _row_json(check), _row_json(session.get(Clip, check.clip_id))


def check_for_clip(ctx: Clearance, clip_id: str) -> dict[str, Any] | None:
    """The decided check of a clip, a failure, or None while it is still running (or waiting for a worker)."""
    with ctx.db.reader() as session:
        if session.get(Clip, clip_id) is None:
            raise NotFound(f"no clip with id {clip_id!r}")
        check = session.exec(select(Check).where(Check.clip_id == clip_id)).first()
        if check is not None:
            return {"state": "decided", "check": _row_json(check)}
        failure = session.get(CheckFailure, clip_id)
        if failure is not None:
            return {"state": "failed", "status": failure.status, "detail": failure.detail}
    return None
