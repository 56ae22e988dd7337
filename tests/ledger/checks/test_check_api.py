"""The pre-release check end to end through the HTTP API, with real media from ../shared/data."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.audit import replay
from ledger.settings import Settings
from ledger.setup import initialise
from tests.dates import TODAY

pytestmark = pytest.mark.corpus

REQUEST = {"service": "gen-svc", "project": "Tidewater", "media": ["streaming"], "territories": ["US"],
           "uses": ["generate", "release"], "release_date": TODAY.isoformat()}


class Studio:
    """One installation shared by the tests of this module, with a key per role."""

    def __init__(self, home: Path, shared: Path) -> None:
        # the AI disclosure of signed clips (SB 942) needs a provider and the service's system and version
        self.ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(home),
                                                    "CLEARANCE_PROVIDER_NAME": "Tidewater Studio"},
                                           generative_systems={"gen-svc": {"name": "Gen", "version": "1.0"}}))
        initialise(self.ctx)
        self.shared = shared
        self.headers = {role: {"Authorization": f"Bearer {create_key(self.ctx, role)[0]}"}
                        for role in ("admin", "registrar", "generator", "legal", "auditor")}
        self.client = TestClient(create_app(self.ctx))

    def post(self, path: str, role: str, **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.headers[role], **kwargs)

    def get(self, path: str, role: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers[role], **kwargs)

    def add(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post(path, "registrar", json=body)
        assert response.status_code == 201, response.text
        return response.json()["record"]

    def upload_asset(self, relative: str, **fields: Any) -> dict[str, Any]:
        path = self.shared / relative
        record = {"role": "reference_work", "acquisition_method": "licensed", **fields}
        response = self.post("/v1/assets/upload", "registrar", files={"file": (path.name, path.read_bytes())},
                             data={"record": json.dumps(record)})
        assert response.status_code == 201, response.text
        return response.json()

    def check(self, relative: str, **request: Any) -> Any:
        path = self.shared / relative
        return self.post("/v1/checks", "generator", files={"file": (path.name, path.read_bytes())},
                         data={"request": json.dumps({**REQUEST, **request})})


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Studio]:
    studio = Studio(tmp_path_factory.mktemp("studio") / "home", shared_data)
    studio.studio_id = studio.add("/v1/parties", {"kind": "organisation", "name": "Northlight"})["id"]
    chair = studio.upload_asset("video/chair-orig-22-sd-bar.mp4", title="The Chair (2019)")
    studio.chair_id = chair["record"]["id"]
    yield studio
    studio.ctx.db.dispose()


def test_unlicensed_near_copy_is_blocked_then_passes_once_licensed(studio: Studio) -> None:
    blocked = studio.check("video/chair-22-sd-sepia-bar.mp4")
    assert blocked.status_code == 200, blocked.text
    body = blocked.json()
    assert body["verdict"] == "block"
    assert "similarity.strong-match-unlicensed" in [r["policy_id"] for r in body["reasons"]]
    match = next(m for m in body["matches"] if m["subject_id"] == studio.chair_id)
    assert match["strength"] == "strong" and match["threshold"] is not None
    assert any(f["owner"] == studio.chair_id and f["matched_time_s"] is not None for f in body["frame_matches"])
    assert "perceptual" in body["channels"]["ran"] and "semantic" in body["channels"]["unavailable"]
    refused = studio.post(f"/v1/checks/{body['check_id']}/sign", "generator")
    assert refused.status_code == 409 and "block" in refused.json()["detail"]

    studio.add("/v1/licenses", {"licensor_id": studio.studio_id, "licensee_id": studio.studio_id,
                                "asset_ids": [studio.chair_id], "permitted_uses": ["generate", "release"],
                                "media": ["streaming"], "territories": ["WORLD"], "starts_on": "2024-01-01"})
    passed = studio.check("video/chair-22-sd-sepia-bar.mp4").json()
    assert passed["verdict"] == "pass" and passed["releasable"]
    assert passed["signed"]["download"] == f"/v1/checks/{passed['check_id']}/signed"
    signed = studio.get(passed["signed"]["download"], "generator")
    assert signed.status_code == 200 and len(signed.content) > 1000
    verified = studio.post("/v1/verify", "auditor", files={"file": ("signed.mp4", signed.content)}).json()
    assert verified["ok"], verified
    assert verified["c2pa"]["state"] == "Trusted" and verified["log"]["ok"] and verified["content"]["ok"]
    tampered = bytearray(signed.content)
    tampered[len(tampered) // 2] ^= 0xFF
    report = studio.post("/v1/verify", "auditor", files={"file": ("t.mp4", bytes(tampered))}).json()
    assert not report["ok"] and report["c2pa"]["state"] == "Invalid"


def test_face_of_enrolled_person_without_consent_is_blocked(studio: Studio) -> None:
    obama = studio.add("/v1/parties", {"kind": "person", "name": "Barack Obama"})["id"]
    photo = studio.shared / "faces" / "obama_1.jpg"
    enrolled = studio.post(f"/v1/parties/{obama}/likeness", "registrar",
                           files=[("files", (photo.name, photo.read_bytes()))])
    assert enrolled.status_code == 201, enrolled.text
    body = studio.check("faces/obama_2.jpg").json()
    assert body["verdict"] == "block"
    assert ("similarity.face-without-consent", obama) in [(r["policy_id"], r["subject_id"]) for r in body["reasons"]]


def test_prompt_naming_a_deceased_performer_without_permission_is_blocked(studio: Studio) -> None:
    crane = studio.add("/v1/parties", {"kind": "person", "name": "Victor Crane", "aliases": ["Vic Crane"],
                                       "died_on": "1985-11-30"})["id"]
    body = studio.check("near-duplicates/ukbench/ukbench08976.jpg",
                        prompt="a harbour at night in the style of vic crane").json()
    assert body["verdict"] == "block"
    # Issue 11: each finding also quotes the prompt's own text.
    assert body["prompt_findings"]["people"] == [{"id": crane, "name": "Victor Crane", "matched": "Vic Crane",
                                                  "quote": "vic crane"}]
    assert any(r["subject_id"] == crane for r in body["reasons"])


def test_review_then_approval_makes_the_clip_releasable(studio: Studio) -> None:
    studio.upload_asset("near-duplicates/bridge/aaa-orig.jpg", title="Bridge at Dawn: a photograph")
    body = studio.check("near-duplicates/ukbench/ukbench00120.jpg", prompt="recreate bridge at dawn in watercolour").json()
    assert body["verdict"] == "review", body["reasons"]
    pending = studio.get("/v1/reviews", "legal").json()["items"]
    assert body["check_id"] in [c["id"] for c in pending]
    assert studio.post(f"/v1/reviews/{body['check_id']}", "generator",
                       json={"decision": "approve", "reason": "x"}).status_code == 403
    assert studio.post(f"/v1/checks/{body['check_id']}/sign", "legal").status_code == 409
    missing_reason = studio.post(f"/v1/reviews/{body['check_id']}", "legal", json={"decision": "approve", "reason": ""})
    assert missing_reason.status_code == 422
    approved = studio.post(f"/v1/reviews/{body['check_id']}", "legal",
                           json={"decision": "approve", "reason": "watercolour is a new work; no copying"})
    assert approved.status_code == 200 and approved.json()["check"]["review_state"] == "approved"
    signed = studio.post(f"/v1/checks/{body['check_id']}/sign", "legal")
    assert signed.status_code == 200, signed.text
    assert studio.post(f"/v1/reviews/{body['check_id']}", "legal",
                       json={"decision": "reject", "reason": "changed my mind"}).status_code == 409


def test_background_check_answers_202_then_the_result(studio: Studio) -> None:
    path = studio.shared / "video" / "pattern-sd-grey-bar.mp4"
    response = studio.post("/v1/checks?wait=false", "generator", files={"file": (path.name, path.read_bytes())},
                           data={"request": json.dumps(REQUEST)})
    assert response.status_code == 202
    job = response.json()["job"]
    for _ in range(120):
        polled = studio.get(job, "generator")
        if polled.status_code == 200:
            break
        assert polled.status_code == 202
        time.sleep(1)
    assert polled.status_code == 200 and polled.json()["check"]["verdict"] == "pass"


def test_bad_requests_name_the_field(studio: Studio) -> None:
    path = studio.shared / "malformed" / "ukbench09268_corrupt.jpg"
    bad_media = studio.post("/v1/checks", "generator", files={"file": (path.name, path.read_bytes())},
                            data={"request": json.dumps(REQUEST)})
    assert bad_media.status_code == 422 and path.name in bad_media.json()["detail"]
    bad_field = studio.check("faces/obama_2.jpg", territories=["Narnia"])
    assert bad_field.status_code == 422 and "request.territories" in str(bad_field.json()["errors"])
    unknown = studio.check("faces/obama_2.jpg", reference_asset_ids=["nope"])
    assert unknown.status_code == 422 and "reference_asset_ids[0]" in str(unknown.json()["errors"])
    assert studio.post("/v1/checks", "auditor", data={"request": json.dumps(REQUEST)}).status_code == 403


def test_revoking_the_license_lists_released_clips_and_log_verifies(studio: Studio) -> None:
    licenses = studio.get("/v1/licenses", "auditor").json()["items"]
    lic = next(row for row in licenses if studio.chair_id in row["asset_ids"])
    revoked = studio.post(f"/v1/licenses/{lic['id']}/revoke", "legal", json={"reason": "licensor terminated"}).json()
    assert revoked["dependents"]["released_clips"], revoked["dependents"]
    again = studio.check("video/chair-22-sd-sepia-bar.mp4").json()
    assert again["verdict"] == "block"
    assert "license.revoked" in [r["policy_id"] for r in again["reasons"]] or \
        "similarity.strong-match-unlicensed" in [r["policy_id"] for r in again["reasons"]]
    report = replay.verify(studio.ctx)
    assert report.ok, report.findings


@pytest.mark.slow
def test_a_clip_in_an_enrolled_voice_is_blocked_through_the_api(studio: Studio) -> None:
    from tests.embeddings.conftest import encode_audio, read_flac

    speaker = studio.add("/v1/parties", {"kind": "person", "name": "Reader Twenty-Four Fourteen"})["id"]
    folder = studio.shared / "voices" / "2414"
    longest = sorted(folder.glob("*.flac"), key=lambda p: -p.stat().st_size)   # 3 s of speech each, at least
    references = [("files", (p.name, p.read_bytes())) for p in longest[:3]]
    refused = studio.post(f"/v1/parties/{speaker}/voice", "generator", files=references)
    assert refused.status_code == 403
    short = encode_audio(read_flac(sorted(folder.glob("*.flac"))[0])[:16_000], "wav", "pcm_s16le")
    too_short = studio.post(f"/v1/parties/{speaker}/voice", "registrar", files=[("files", ("short.wav", short))])
    assert too_short.status_code == 422 and "short.wav" in too_short.text and "at least 3 s" in too_short.text
    enrolled = studio.post(f"/v1/parties/{speaker}/voice", "registrar", files=references)
    assert enrolled.status_code == 201, enrolled.text
    assert [row["voice_templates"] for row in enrolled.json()["enrolled"]] == [1, 1, 1]

    speech = read_flac(longest[4])
    clip = encode_audio(speech, "mp4", "aac", footage_s=len(speech) / 16_000)
    body = studio.post("/v1/checks", "generator", files={"file": ("dub.mp4", clip)},
                       data={"request": json.dumps(REQUEST)}).json()
    assert body["verdict"] == "block", body
    heard = [m for m in body["matches"] if m["subject_id"] == speaker]
    assert heard and heard[0]["channel"] == "voice" and heard[0]["voice_ranges"]
    assert "voice" in body["channels"]["ran"]
