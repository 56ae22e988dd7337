"""The check is decided once per clip, however many times it is run and however the runs race."""

from __future__ import annotations

import threading

import pytest

from ledger.audit import replay
from ledger.checks import service
from ledger.context import Clearance
from ledger.errors import ValidationFailed
from tests.ledger.checks.clips import decisions_logged, nothing_found, submit_clip


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
