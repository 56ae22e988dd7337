"""The check's I/O shell with a fake matcher: what gets recorded, on success and on every kind of failure,
and that a clip is decided once however many times it is run and however the runs race."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlmodel import select

from embeddings import MatchResult
from ledger.audit import replay
from ledger.checks import service
from ledger.checks.models import CheckFailure
from ledger.checks.request import CheckRequest
from ledger.context import Clearance
from ledger.errors import MediaRejected, ValidationFailed
from tests.ledger.checks.clips import decisions_logged, nothing_found, submit_clip
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
    with pytest.raises(MediaRejected):
        service.run(ctx, clip_id, "test", rejecting)
    with pytest.raises(service.CheckFailed) as again:  # a failed clip stays failed: the retry reports the failure
        service.run(ctx, clip_id, "test", rejecting)
    assert again.value.status == 422
    assert [(f.clip_id, f.status, f.detail) for f in failures(ctx)] == [(clip_id, 422, "clip.mp4: not a video")]


def test_running_a_decided_clip_again_returns_the_first_decision(ctx: Clearance) -> None:
    clip_id = submit_clip(ctx)
    first = service.run(ctx, clip_id, "generator:test", nothing_found())
    again = service.run(ctx, clip_id, "worker:redelivered", nothing_found())
    assert again.check["id"] == first.check["id"] and again.verdict == first.verdict == "pass"
    assert again.receipt.index == first.receipt.index
    assert decisions_logged(ctx) == [("check.decided", clip_id)]


def test_a_failed_clip_stays_failed_when_run_again(ctx: Clearance) -> None:
    clip_id = submit_clip(ctx)

    def broken(_data: bytes, name: str) -> object:
        raise ValidationFailed(f"{name} cannot be decoded")

    with pytest.raises(ValidationFailed):
        service.run(ctx, clip_id, "generator:test", broken)  # type: ignore[arg-type]
    with pytest.raises(service.CheckFailed) as again:
        service.run(ctx, clip_id, "worker:redelivered", nothing_found())
    assert again.value.status == 422 and "cannot be decoded" in again.value.detail
    assert decisions_logged(ctx) == [("check.failed", clip_id)]


def test_concurrent_runs_of_one_clip_record_one_decision(ctx: Clearance) -> None:
    clip_id = submit_clip(ctx)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def decide() -> None:
        try:  # both runs see no decision, fingerprint for a while, then race to record
            outcomes.append(service.run(ctx, clip_id, "worker:test", nothing_found(0.5)).check["id"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    runs = [threading.Thread(target=decide) for _ in range(4)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(30)
    assert not errors and len(outcomes) == 4
    assert len(set(outcomes)) == 1, outcomes
    assert decisions_logged(ctx) == [("check.decided", clip_id)]
    assert replay.verify(ctx).ok
