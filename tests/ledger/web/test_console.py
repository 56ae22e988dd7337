"""The review console over HTTP: sessions, CSRF, roles, the queue, the check page, records, the log, /docs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.checks.models import Check
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from tests.ledger.review_studio import ReviewStudio, review_studio
from tests.ledger.web.console import Console, csrf_of


@pytest.fixture
def studio(ctx: Clearance) -> ReviewStudio:
    return review_studio(ctx)


@pytest.fixture
def console(studio: ReviewStudio) -> Iterator[Console]:
    yield Console(studio.ctx)


def test_sign_in_opens_a_secure_httponly_strict_session_and_logout_ends_it(console: Console) -> None:
    client = console.client()
    assert client.get("/ui/reviews", follow_redirects=False).headers["location"].startswith("/ui/login")
    page = client.get("/ui/login")
    answer = client.post("/ui/login", data={"api_key": console.keys["legal"], "csrf_token": csrf_of(page.text)},
                         follow_redirects=False)
    cookie = answer.headers["set-cookie"]
    assert "clearance_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower() and "Max-Age=28800" in cookie
    assert answer.headers["location"] == "/ui/reviews"
    queue = client.get("/ui/reviews")
    assert queue.status_code == 200 and "legal-jo" in queue.text
    stolen = client.cookies.get("clearance_session")
    client.post("/ui/logout", data={"csrf_token": csrf_of(queue.text)}, follow_redirects=False)
    replay = console.client()
    replay.cookies.set("clearance_session", stolen, domain="testserver.local")
    assert replay.get("/ui/reviews", follow_redirects=False).status_code == 303  # the session is gone server-side


def test_a_wrong_key_is_refused_and_sign_in_needs_its_csrf_token(console: Console) -> None:
    client = console.client()
    page = client.get("/ui/login")
    wrong = client.post("/ui/login", data={"api_key": "clr_abc_def", "csrf_token": csrf_of(page.text)})
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
    forged = console.client().post("/ui/login", data={"api_key": console.keys["legal"], "csrf_token": "x"})
    assert forged.status_code == 403 and "CSRF" in forged.text


def test_a_resolver_key_cannot_sign_in_to_the_console(console: Console) -> None:
    resolver_key = create_key(console.ctx, "resolver", label="outside-resolver")[0]
    client = console.client()
    page = client.get("/ui/login")
    refused = client.post("/ui/login", data={"api_key": resolver_key, "csrf_token": csrf_of(page.text)},
                          follow_redirects=False)
    assert refused.status_code == 403 and "staff key" in refused.text
    assert "clearance_session" not in client.cookies


def test_pages_enforce_the_roles_of_the_routes_they_mirror(console: Console, studio: ReviewStudio) -> None:
    generator = console.signed_in("generator")
    refused = generator.get("/ui/reviews")
    assert refused.status_code == 403 and "needs one of admin, auditor, legal" in refused.text
    assert generator.get(f"/ui/checks/{studio.check_id}").status_code == 200  # GET /v1/checks/{id} admits it
    assert "Your decision" not in generator.get(f"/ui/checks/{studio.check_id}").text
    assert generator.get("/ui/records").status_code == 403
    auditor = console.signed_in("auditor")
    page = auditor.get(f"/ui/checks/{studio.check_id}")
    assert page.status_code == 200 and "Your decision" not in page.text
    posted = auditor.post(f"/ui/checks/{studio.check_id}/review",
                          data={"decision": "approve", "reason": "fine", "csrf_token": csrf_of(page.text)})
    assert posted.status_code == 403
    with studio.ctx.db.reader() as session:
        assert session.get(Check, studio.check_id).review_state == "pending"


def test_a_form_without_its_csrf_token_is_refused(console: Console, studio: ReviewStudio) -> None:
    legal = console.signed_in("legal")
    for token in (None, "not-the-token"):
        data = {"decision": "approve", "reason": "looks fine"} | ({"csrf_token": token} if token else {})
        answer = legal.post(f"/ui/checks/{studio.check_id}/review", data=data)
        assert answer.status_code == 403 and "CSRF" in answer.text
    with studio.ctx.db.reader() as session:
        assert session.get(Check, studio.check_id).review_state == "pending"


def test_queue_shows_the_reason_and_strongest_evidence_and_the_check_page_both_frames(
        console: Console, studio: ReviewStudio) -> None:
    legal = console.signed_in("legal")
    queue = legal.get("/ui/reviews").text
    assert studio.check_id in queue and "a person must compare them" in queue
    [item] = studio.outcome.check["evidence"]
    for side in (item["query"], item["matched"]):
        assert f"/ui/checks/{studio.check_id}/evidence/{side['sha256']}" in queue
        image = legal.get(f"/ui/checks/{studio.check_id}/evidence/{side['sha256']}")
        assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    page = legal.get(f"/ui/checks/{studio.check_id}").text
    # issue 26: the score is said against both lines, so a grey match does not read as over the line
    assert "PDQ distance (bits of 256 that differ) 48. A match needs 65 or less; 32 or less is strong." in page
    assert "48 is a match but not a strong one (grey)" in page and "a lighthouse at dusk" in page
    assert "Lighthouse at Dusk (2019)" in page  # the work by its title
    assert "Legal basis: 17 U.S.C. § 106" in page and "United States (federal law)" in page
    assert "dana@studio.example" in page and "check.decided" in page and "proved" in page
    # the media store holds other files: only this check's evidence is served from its page
    asset_sha = studio.asset["sha256"]
    assert legal.get(f"/ui/checks/{studio.check_id}/evidence/{asset_sha}").status_code == 404
    assert legal.get(f"/ui/checks/{studio.check_id}/evidence/..%2F..%2Fkeys").status_code == 404


def test_approval_records_the_reviewer_signs_and_the_file_proves_it(console: Console, studio: ReviewStudio) -> None:
    legal = console.signed_in("legal")
    page = legal.get(f"/ui/checks/{studio.check_id}")
    empty = legal.post(f"/ui/checks/{studio.check_id}/review",
                       data={"decision": "approve", "reason": "  ", "reason_code": "other",
                             "csrf_token": csrf_of(page.text)})
    assert empty.status_code == 422 and "a review needs a reason" in empty.text
    assert 'value="other" required checked' in empty.text  # what was chosen is kept
    done = legal.post(f"/ui/checks/{studio.check_id}/review",
                      data={"decision": "approve", "reason": "a new painting, not a copy",
                            "reason_code": "not_same_work", "csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and "Approved by <strong>legal-jo</strong> (legal)" in done.text
    assert "Not the same work" in done.text
    assert "clip.signed" in done.text and "check.reviewed" in done.text
    verified = legal.post(f"/ui/checks/{studio.check_id}/verify", data={"csrf_token": csrf_of(done.text)})
    assert verified.status_code == 200
    assert re.search(r"Approval: <span class=\"ok\">proved</span>: approved by legal-jo at entry \d+", verified.text)


def test_records_search_history_and_revoke_after_seeing_the_impact(console: Console, studio: ReviewStudio) -> None:
    ctx = studio.ctx
    licensor = create_record(ctx, KINDS["party"], {"kind": "organisation", "name": "Harbour Pictures"}, "t").record
    licensee = create_record(ctx, KINDS["party"], {"kind": "organisation", "name": "Northlight"}, "t").record
    lic = create_record(ctx, KINDS["license"], {
        "licensor_id": licensor["id"], "licensee_id": licensee["id"], "asset_ids": [studio.asset["id"]],
        "permitted_uses": ["train"], "territories": ["US"], "media": ["streaming"],
        "starts_on": "2024-01-01"}, "t").record
    legal = console.signed_in("legal")
    found = legal.get("/ui/records", params={"kind": "assets", "q": "lighthouse"}).text
    assert studio.asset["id"] in found
    record = legal.get(f"/ui/records/licenses/{lic['id']}").text
    assert "record.created" in record
    assert "proved" in record and "Revoke" in record
    preview = legal.get(f"/ui/records/licenses/{lic['id']}/revoke")
    assert studio.asset["id"] in preview.text and "Confirm revocation" in preview.text
    revoked = legal.post(f"/ui/records/licenses/{lic['id']}/revoke",
                         data={"reason": "licensor terminated", "csrf_token": csrf_of(preview.text)})
    assert revoked.status_code == 200 and "Revoked: log entry" in revoked.text
    assert console.signed_in("auditor").get(f"/ui/records/licenses/{lic['id']}/revoke").status_code == 403


def test_log_page_runs_a_verification_for_legal_only(console: Console) -> None:
    legal = console.signed_in("legal")
    page = legal.get("/ui/log")
    assert "No full verification has been run" in page.text and "Run a full verification now" in page.text
    ran = legal.post("/ui/log/verify", data={"csrf_token": csrf_of(page.text)})
    assert ran.status_code == 200 and "table rows match a replay of the log" in ran.text
    again = legal.post("/ui/log/verify", data={"csrf_token": csrf_of(ran.text)})  # replays the first one's entry
    assert again.status_code == 200 and "table rows match a replay of the log" in again.text
    restarted = Console(console.ctx)  # a new server process: the result was logged, not kept in memory
    generator = restarted.signed_in("generator").get("/ui/log")
    assert generator.status_code == 200 and "Run a full verification now" not in generator.text
    assert re.search(r"by legal-jo \(\d+\.\d s, logged as entry \d+\)", generator.text), generator.text


def test_datasets_page_shows_the_training_audit(console: Console, studio: ReviewStudio) -> None:
    ctx = studio.ctx
    dataset = create_record(ctx, KINDS["dataset"], {"name": "Harbour stills"}, "t").record
    create_record(ctx, KINDS["dataset_version"], {"dataset_id": dataset["id"], "version": "v1",
                                                  "asset_ids": [studio.asset["id"]]}, "t")
    page = console.signed_in("auditor").get("/ui/datasets")
    assert page.status_code == 200 and "0 of 1 assets may be used for training" in page.text
    assert studio.asset["id"] in page.text


def test_api_docs_load_nothing_from_elsewhere(console: Console) -> None:
    client = console.client()
    for path in ("/docs", "/redoc"):
        html = client.get(path).text
        assert "cdn" not in html.lower() and "fonts.googleapis" not in html and "http://" not in html
        for asset in re.findall(r'(?:src|href)="(/[^"]+)"', html):
            assert client.get(asset).status_code == 200, asset


def test_evidence_images_over_the_api_too(console: Console, studio: ReviewStudio) -> None:
    client = console.client()
    [item] = studio.outcome.check["evidence"]
    path = f"/v1/checks/{studio.check_id}/evidence/{item['matched']['sha256']}"
    assert client.get(path, headers={"X-API-Key": console.keys["auditor"]}).headers["content-type"] == "image/jpeg"
    other = f"/v1/checks/{studio.check_id}/evidence/{studio.asset['sha256']}"
    assert client.get(other, headers={"X-API-Key": console.keys["auditor"]}).status_code == 404
    assert client.get(path).status_code == 401
