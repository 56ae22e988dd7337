"""Media answers: enrolment receipts, match results and the doctor report keep their exact shape."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.api.schemas.media import ChannelStatus, Doctor, Enrolled, MatchAnswer
from ledger.auth.keys import create_key
from ledger.context import Clearance

RECEIPT = {"index": 5, "leaf_hash": "aGFzaA==", "tree_size": 6, "inclusion_proof": ["eA=="], "checkpoint": "n\n"}
CHANNELS = {"ran": ["exact"], "unavailable": {"semantic": "no weights"},
            "channels": [{"name": "exact", "available": True, "detail": "SHA-256"},
                         {"name": "semantic", "available": False, "detail": "no weights", "pretrained": False}]}


def _as_given(model: type, value: dict) -> dict:  # type: ignore[type-arg]
    dumped: dict = model.model_validate(value).model_dump(mode="json", exclude_unset=True)  # type: ignore[attr-defined, type-arg]
    return dumped


def test_enrolment_receipts_keep_their_two_shapes() -> None:
    answer = {"enrolled": [{"file": "a.jpg", "faces": 1, "fingerprint_set": "fps_1", "log": {"index": 4}},
                           {"file": "b.wav", "faces": 0, "fingerprint_set": "fps_2", "log": RECEIPT,
                            "speech_s": 4.5, "voice_templates": 2}]}
    assert _as_given(Enrolled, answer) == answer


def test_channel_states_leave_pretrained_out_where_absent() -> None:
    assert _as_given(ChannelStatus, CHANNELS) == CHANNELS


def test_match_thresholds_keep_whole_numbers_whole() -> None:
    answer = {"format": 1, "query": {"kind": "image"}, "channels": CHANNELS,
              "thresholds": {"pdq_max_distance": 65, "clip_min_score": 0.82}, "matches": [], "owners": []}
    dumped = MatchAnswer.model_validate(answer).model_dump_json(exclude_unset=True)
    assert '"pdq_max_distance":65,' in dumped and '"clip_min_score":0.82' in dumped


def test_doctor_answers_in_its_model(sqlite_ctx: Clearance) -> None:
    key, _ = create_key(sqlite_ctx, "admin")
    answer = TestClient(create_app(sqlite_ctx)).get("/v1/doctor", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert Doctor.model_validate(body).model_dump(mode="json", exclude_unset=True) == body
    assert {c["name"] for c in body["channels"]["channels"]} >= {"exact"}
