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
from sqlmodel import Session, select

from ledger.checks.decide import decide
from ledger.checks.gather import gather
from ledger.checks.models import Check, CheckFailure, Clip
from ledger.checks.request import CheckRequest
from ledger.checks.strength import classify
from ledger.context import Clearance, Receipt
from ledger.errors import ClearanceError, FieldProblem, NotFound, ValidationFailed
from ledger.log.events import Event
from ledger.media_store import read_stored, stored_for
from ledger.observability import log_context
from ledger.records import models as m

if TYPE_CHECKING:
    from embeddings import MatchResult

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

    @property
    def verdict(self) -> str:
        return self.check["verdict"]

    def as_json(self) -> dict[str, Any]:
        body = {key: self.check[key] for key in ("verdict", "reasons", "matches", "channels", "prompt_findings",
                                                  "policy_set_hash", "relied_on", "review_state")}
        return {"check_id": self.check["id"], "clip_id": self.clip["id"], **body,
                "releasable": self.check["verdict"] == "pass" or self.check["review_state"] == "approved",
                "frame_matches": self.frame_matches, "log": self.receipt.as_json(), "signed": self.signed}


def _row_json(row: Any) -> dict[str, Any]:
    return to_jsonable_python({c.name: getattr(row, c.name) for c in row.__table__.columns})


def _check_references(session: Session, request: CheckRequest) -> None:
    problems = []
    wanted: list[tuple[str, type, str]] = []
    if request.model_id:
        wanted.append(("model_id", m.AiModel, request.model_id))
    wanted += [(f"dataset_version_ids[{i}]", m.DatasetVersion, v) for i, v in enumerate(request.dataset_version_ids)]
    wanted += [(f"reference_asset_ids[{i}]", m.Asset, v) for i, v in enumerate(request.reference_asset_ids)]
    wanted += [(f"declared_people[{i}]", m.Party, v) for i, v in enumerate(request.declared_people)]
    for name, table, record_id in wanted:
        if session.get(table, record_id) is None:
            problems.append(FieldProblem(name, f"no {table.__tablename__.rstrip('s')} with id {record_id!r}"))
    if problems:
        raise ValidationFailed("the check request refers to records that do not exist", problems=problems)


def submit(ctx: Clearance, request: CheckRequest, data: bytes, filename: str, actor: str) -> str:
    """Store the clip and log ``clip.submitted``; returns the clip id."""
    clip_id = f"clp_{uuid.uuid4().hex[:20]}"
    with stored_for(ctx.settings, data, filename) as stored:
        payload = {"sha256": stored.sha256, "md5": stored.md5, "sha1": stored.sha1, "size_bytes": stored.size_bytes,
                   "filename": filename, **request.model_dump(mode="json")}
        with ctx.db.transaction() as session:
            _check_references(session, request)
            ctx.record(session, [Event("clip.submitted", payload, "clip", clip_id, actor)])
    return clip_id


def _fail(ctx: Clearance, clip_id: str, status: int, detail: str, actor: str) -> None:
    """Log ``check.failed`` for a clip that has no decision yet (once; a retry may have failed before)."""
    with ctx.db.transaction() as session:
        decided = session.exec(select(Check.id).where(Check.clip_id == clip_id)).first()
        if decided is None and session.get(CheckFailure, clip_id) is None:
            ctx.record(session, [Event("check.failed", {"status": status, "detail": detail}, "clip", clip_id, actor)])


def media_matcher(ctx: Clearance) -> Matcher:
    """The installation's matcher: fingerprint the clip and search every channel's index."""
    from ledger.fingerprints.service import match_media

    def match(data: bytes, filename: str) -> MatchResult:
        return match_media(ctx, data, filename)[1]

    return match


def run(ctx: Clearance, clip_id: str, actor: str, matcher: Matcher | None = None) -> CheckOutcome:
    """Decide the check of a submitted clip: gather, decide (pure), record ``check.decided``.

    Whatever goes wrong after ``clip.submitted`` ends in a logged ``check.failed`` naming the
    error, so a background job never stays "running"; the error is raised again for the caller.
    """
    with ctx.db.reader() as session:
        clip = session.get(Clip, clip_id)
        if clip is None:
            raise NotFound(f"no clip with id {clip_id!r}")
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
    with ctx.db.reader() as session:
        gathered = gather(session, clip, owners, channels)
    payload = decide(gathered, ctx.policy_engine)
    check_id = f"chk_{uuid.uuid4().hex[:20]}"
    with ctx.db.transaction() as session:
        appended = ctx.record(session, [Event("check.decided", payload, "check", check_id, actor)])[0]
        check, clip_row = _row_json(session.get(Check, check_id)), _row_json(session.get(Clip, clip.id))
    return CheckOutcome(check, clip_row, result.to_dict()["matches"], ctx.receipt(appended))


def check_clip(ctx: Clearance, request: CheckRequest, data: bytes, filename: str, actor: str,
               matcher: Matcher | None = None) -> CheckOutcome:
    return run(ctx, submit(ctx, request, data, filename, actor), actor, matcher)


def get_check(ctx: Clearance, check_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    with ctx.db.reader() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise NotFound(f"no check with id {check_id!r}")
        return _row_json(check), _row_json(session.get(Clip, check.clip_id))


def check_for_clip(ctx: Clearance, clip_id: str) -> dict[str, Any] | None:
    """The decided check of a clip, a failure, or None while it is still running."""
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
