"""The check's I/O shell with a fake matcher: what gets recorded, on success and on every kind of failure."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from embeddings import MatchResult
from ledger.audit import replay
from ledger.checks import service
from ledger.checks.models import CheckFailure
from ledger.checks.request import CheckRequest
from ledger.context import Clearance
from ledger.errors import MediaRejected
from tests.ledger.checks.fakes import evidence, matcher_returning, result_of
from tests.ledger.records.builders import add

REQUEST = CheckRequest(service="gen", project="P", media=["streaming"], territories=["US"])


def submitted(ctx: Clearance, content: bytes = b"clip bytes") -> str:
    return service.submit(ctx, REQUEST, content, "clip.mp4", "test")


def failures(ctx: Clearance) -> list[CheckFailure]:
    with ctx.db.reader() as session:
        return list(session.exec(select(CheckFailure)).all())


def test_a_fake_match_on_a_registered_work_is_decided_and_logged(ctx: Clearance) -> None:
    work = add(ctx, "asset", role="reference_work", title="Harbor at Dusk", media_type="video/mp4", sha256="ab" * 32,
               acquisition_method="own_production")["id"]
    clip_id = submitted(ctx)
    outcome = service.run(ctx, clip_id, "test", matcher_returning(result_of(evidence("pdq", 10, owner=work))))
    assert outcome.verdict == "block"
    assert outcome.check["matches"][0]["subject_id"] == work
    assert service.check_for_clip(ctx, clip_id) == {"state": "decided", "check": outcome.check}
    assert replay.verify(ctx).ok


def test_an_unexpected_error_in_matching_is_logged_as_check_failed(ctx: Clearance) -> None:
    def broken(data: bytes, filename: str) -> MatchResult:
        raise RuntimeError("the index exploded at /secret/path")

    clip_id = submitted(ctx)
    with pytest.raises(RuntimeError):
        service.run(ctx, clip_id, "test", broken)
    state = service.check_for_clip(ctx, clip_id)
    assert state is not None and state["state"] == "failed" and state["status"] == 500
    assert "RuntimeError" in state["detail"] and "/secret/path" not in state["detail"]


def test_a_policy_evaluation_error_after_matching_is_logged_too(ctx: Clearance) -> None:
    class BrokenEngine:
        def decide(self, request: Any) -> Any:
            raise ValueError("a policy could not be evaluated")

    ctx.policy_engine = BrokenEngine()  # type: ignore[assignment]
    clip_id = submitted(ctx, b"another clip")
    with pytest.raises(ValueError):
        service.run(ctx, clip_id, "test", matcher_returning(result_of()))
    state = service.check_for_clip(ctx, clip_id)
    assert state is not None and state["state"] == "failed" and "ValueError" in state["detail"]


def test_a_user_error_keeps_its_status_and_a_retry_records_no_second_failure(ctx: Clearance) -> None:
    def rejecting(data: bytes, filename: str) -> MatchResult:
        raise MediaRejected("clip.mp4: not a video")

    clip_id = submitted(ctx, b"not a video")
    for _ in range(2):
        with pytest.raises(MediaRejected):
            service.run(ctx, clip_id, "test", rejecting)
    assert [(f.clip_id, f.status, f.detail) for f in failures(ctx)] == [(clip_id, 422, "clip.mp4: not a video")]
    assert replay.verify(ctx).ok
