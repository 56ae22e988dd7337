"""The pre-release check: fingerprint, match, screen the prompt, apply the policies, log the decision."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from ledger.checks.facts import asset_facts, person_facts
from ledger.checks.models import Check, CheckFailure, Clip
from ledger.checks.request import CheckRequest
from ledger.checks.screening import PromptFindings, screen_prompt
from ledger.checks.strength import StrengthSettings, classify
from ledger.context import Clearance, Receipt
from ledger.errors import ClearanceError, ConfigurationError, FieldProblem, NotFound, ValidationFailed
from ledger.log.events import Event, canonical
from ledger.media_store import path_for, store_bytes
from ledger.records import models as m
from policies import MatchFacts, PolicyEngine, PolicyError, PolicyRequest, RequestContext


def policy_engine(ctx: Clearance) -> PolicyEngine:
    """The validated policy set, loaded once per process; a bad policy file stops start-up."""
    engine = ctx.__dict__.get("_policy_engine")
    if engine is None:
        try:
            engine = PolicyEngine.load(ctx.settings.policies_dir)
        except PolicyError as exc:
            raise ConfigurationError(exc.diagnostics()) from None
        ctx.__dict__["_policy_engine"] = engine
    return engine


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
    from pydantic_core import to_jsonable_python

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
    stored = store_bytes(ctx.settings, data, filename)
    clip_id = f"clp_{uuid.uuid4().hex[:20]}"
    payload = {"sha256": stored.sha256, "md5": stored.md5, "sha1": stored.sha1, "size_bytes": stored.size_bytes,
               "filename": filename, **request.model_dump(mode="json")}
    with ctx.db.transaction() as session:
        _check_references(session, request)
        ctx.record(session, [Event("clip.submitted", payload, "clip", clip_id, actor)])
    return clip_id


def _policy_request(session: Session, clip: Clip, owners: list[dict[str, Any]], prompt: PromptFindings) -> PolicyRequest:
    asset_ids = list(dict.fromkeys([*clip.reference_asset_ids, *(o["subject_id"] for o in owners if o["subject"] == "asset"),
                                    *(w["id"] for w in prompt.works)]))
    assets = [asset_facts(session, a) for a in asset_ids]
    people_ids = list(dict.fromkeys([*clip.declared_people, *(o["subject_id"] for o in owners if o["subject"] == "person"),
                                     *(p["id"] for p in prompt.people), *(p for a in assets for p in a.people_depicted)]))
    context = RequestContext(
        action="release", model_id=clip.model_id, service_id=clip.service, project=clip.project,
        uses=frozenset(clip.uses), media=frozenset(x for x in clip.media if x != "any"),
        territories=frozenset(clip.territories), use_date=clip.release_date, clip_id=clip.id,
        reference_inputs=list(clip.reference_asset_ids), declared_people=list(clip.declared_people),
        prompt_people=[p["id"] for p in prompt.people], prompt_works=[w["id"] for w in prompt.works])
    matches = [MatchFacts(subject=o["subject"], subject_id=o["subject_id"], channel=o["channel"], score=o["score"],
                          strength=o["strength"], threshold=o["threshold"], query_time_s=o["query_time_s"],
                          matched_time_s=o["matched_time_s"]) for o in owners]
    return PolicyRequest(context=context, assets=assets, people=[person_facts(session, p) for p in people_ids],
                         matches=matches)


def _fail(ctx: Clearance, clip_id: str, error: ClearanceError, actor: str) -> None:
    with ctx.db.transaction() as session:
        if session.get(CheckFailure, clip_id) is None:
            ctx.record(session, [Event("check.failed", {"status": error.status, "detail": str(error)},
                                       "clip", clip_id, actor)])


def run(ctx: Clearance, clip_id: str, actor: str) -> CheckOutcome:
    """Decide the check of a submitted clip and log ``check.decided``."""
    from ledger.fingerprints.service import match_media

    engine = policy_engine(ctx)
    with ctx.db.reader() as session:
        clip = session.get(Clip, clip_id)
        if clip is None:
            raise NotFound(f"no clip with id {clip_id!r}")
    try:
        data = path_for(ctx.settings, clip.sha256).read_bytes()
        _, result = match_media(ctx, data, clip.filename)
    except ClearanceError as error:
        _fail(ctx, clip_id, error, actor)
        raise
    try:
        strength = StrengthSettings(**ctx.settings.strength)
    except TypeError as exc:
        raise ConfigurationError(f"[strength] settings: {exc}") from None
    owners = classify(result, strength)
    with ctx.db.reader() as session:
        prompt = screen_prompt(session, clip.prompt)
        request = _policy_request(session, clip, owners, prompt)
    decision = engine.decide(request)
    relied_on = sorted({f"{f.relied_on.kind}:{f.relied_on.id.split('#')[0]}" for f in decision.findings if f.relied_on})
    channels = result.channels.to_dict()
    payload = {"clip_id": clip_id, "verdict": decision.verdict.value,
               "reasons": [r.model_dump(mode="json") for r in decision.reasons], "matches": owners,
               "channels": {"ran": result.channels.ran, "unavailable": result.channels.unavailable,
                            "detail": channels}, "prompt_findings": prompt.as_json(), "relied_on": relied_on,
               "policy_set_hash": decision.policy_set_hash,
               "inputs_sha256": hashlib.sha256(canonical(request.model_dump(mode="json"))).hexdigest()}
    check_id = f"chk_{uuid.uuid4().hex[:20]}"
    with ctx.db.transaction() as session:
        appended = ctx.record(session, [Event("check.decided", payload, "check", check_id, actor)])[0]
        check, clip_row = _row_json(session.get(Check, check_id)), _row_json(session.get(Clip, clip_id))
    return CheckOutcome(check, clip_row, result.to_dict()["matches"], ctx.receipt(appended))


def check_clip(ctx: Clearance, request: CheckRequest, data: bytes, filename: str, actor: str) -> CheckOutcome:
    return run(ctx, submit(ctx, request, data, filename, actor), actor)


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
