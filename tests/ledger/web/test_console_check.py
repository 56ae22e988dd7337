"""The check page over HTTP (issue 26): media with range requests, reason codes, "and next", conflicts, re-checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from embeddings import ChannelState, ChannelStatus, MatchResult
from ledger.audit.history import history
from ledger.checks.models import Check
from ledger.checks.request import CheckRequest
from ledger.checks.service import check_clip
from ledger.context import Clearance
from ledger.media_store import read_stored
from ledger.records.enums import Role
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from ledger.settings import StrengthSettings
from ledger.web import check_view
from ledger.web.media import RangeNotSatisfiable, parse_range
from tests.ledger.disclosing import name_generative_system
from tests.ledger.review_studio import REQUEST, ReviewStudio, clip_in_review, review_studio
from tests.ledger.web.console import Console, csrf_of

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"


@pytest.fixture
def studio(ctx: Clearance) -> ReviewStudio:
    return review_studio(ctx)


@pytest.fixture
def console(studio: ReviewStudio) -> Console:
    return Console(studio.ctx)


# ---------------------------------------------------------------- media with range requests

def test_parse_range_reads_one_byte_range_and_refuses_the_rest() -> None:
    assert parse_range(None, 100) is None
    assert (lambda r: (r.start, r.end))(parse_range("bytes=0-9", 100)) == (0, 9)
    assert (lambda r: (r.start, r.end))(parse_range("bytes=90-", 100)) == (90, 99)
    assert (lambda r: (r.start, r.end))(parse_range("bytes=-10", 100)) == (90, 99)
    assert (lambda r: (r.start, r.end))(parse_range("bytes=95-500", 100)) == (95, 99)  # clipped to the file
    for bad in ("bytes=100-", "bytes=5-2", "items=0-1", "bytes=0-1,5-6", "bytes=-0", "bytes=-", "bytes=a-b"):
        with pytest.raises(RangeNotSatisfiable):
            parse_range(bad, 100)


def test_the_clip_is_served_in_pieces_206_and_a_bad_range_is_416(console: Console, studio: ReviewStudio) -> None:
    legal = console.signed_in("legal")
    stored = read_stored(studio.ctx.settings, studio.outcome.clip["sha256"])
    url = f"/ui/checks/{studio.check_id}/media/clip"
    whole = legal.get(url)
    assert whole.status_code == 200 and whole.content == stored and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-type"] == "image/jpeg"
    piece = legal.get(url, headers={"Range": "bytes=10-109"})
    assert piece.status_code == 206 and piece.content == stored[10:110]
    assert piece.headers["content-range"] == f"bytes 10-109/{len(stored)}"
    assert piece.headers["content-length"] == "100"
    tail = legal.get(url, headers={"Range": "bytes=-16"})
    assert tail.status_code == 206 and tail.content == stored[-16:]
    past = legal.get(url, headers={"Range": f"bytes={len(stored)}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(stored)}"
    assert legal.get(url, headers={"Range": "bytes=0-1,4-5"}).status_code == 416


def test_a_work_plays_only_for_roles_that_read_records_and_only_works_the_check_names(
        console: Console, studio: ReviewStudio) -> None:
    asset = studio.asset
    work = f"/ui/checks/{studio.check_id}/media/assets/{asset['id']}"
    auditor = console.signed_in("auditor").get(work, headers={"Range": "bytes=0-"})
    assert auditor.status_code == 206 and auditor.content == read_stored(studio.ctx.settings, asset["sha256"])
    generator = console.signed_in("generator")
    assert generator.get(f"/ui/checks/{studio.check_id}/media/clip", headers={"Range": "bytes=0-3"}).status_code == 206
    refused = generator.get(work)
    assert refused.status_code == 403 and "may not open this page" in refused.text
    other = create_record(studio.ctx, KINDS["party"], {"kind": "organisation", "name": "Elsewhere"}, "t").record
    legal = console.signed_in("legal")
    assert legal.get(f"/ui/checks/{studio.check_id}/media/assets/{other['id']}").status_code == 404
    assert legal.get(f"/ui/checks/{studio.check_id}/media/assets/..%2F..%2Fkeys").status_code in (404, 422)
    assert legal.get(f"/ui/checks/{studio.check_id}/media/assets/a.b").status_code == 422
    assert console.client().get(work, follow_redirects=False).status_code == 303  # no session: sign in


# ---------------------------------------------------------------- deciding

def _payload_of_review(ctx: Clearance, check_id: str) -> dict[str, object]:
    entries = history(ctx, [("check", check_id)], Role.legal)["entries"]
    [reviewed] = [e for e in entries if e["envelope"]["type"] == "check.reviewed"]
    return dict(reviewed["payload"])


def test_a_reason_code_is_logged_and_approve_and_next_opens_the_next_check(
        console: Console, studio: ReviewStudio) -> None:
    second = clip_in_review(studio.ctx, studio.asset["id"], name="lighthouse-second.jpg").check["id"]
    legal = console.signed_in("legal")
    page = legal.get(f"/ui/checks/{studio.check_id}").text
    assert "Approve and next" in page and "Keyboard shortcuts" in page
    missing = legal.post(f"/ui/checks/{studio.check_id}/review",
                         data={"decision": "approve-next", "reason": "kept", "csrf_token": csrf_of(page)})
    assert missing.status_code == 422 and "choose a reason code" in missing.text and ">kept</textarea>" in missing.text
    done = legal.post(f"/ui/checks/{studio.check_id}/review", follow_redirects=False,
                      data={"decision": "approve-next", "reason_code": "licensed_elsewhere",
                            "reason": "Covered by the Harbour output license", "csrf_token": csrf_of(page)})
    assert done.status_code == 303 and done.headers["location"] == f"/ui/checks/{second}"
    payload = _payload_of_review(studio.ctx, studio.check_id)
    assert payload["reason_code"] == "licensed_elsewhere" and payload["decision"] == "approved"
    with studio.ctx.db.reader() as session:
        assert session.get(Check, studio.check_id).review_reason_code == "licensed_elsewhere"
    last = legal.post(f"/ui/checks/{second}/review", follow_redirects=False,
                      data={"decision": "reject-next", "reason_code": "other", "reason": "too close to the work",
                            "csrf_token": csrf_of(page)})
    assert last.status_code == 303 and last.headers["location"] == "/ui/reviews?done=1"  # nothing left
    assert _payload_of_review(studio.ctx, second)["decision"] == "rejected"


def test_the_second_reviewer_keeps_what_they_typed_and_sees_who_decided_first(
        console: Console, studio: ReviewStudio) -> None:
    first, second = console.signed_in("legal"), console.signed_in("admin")
    page_first, page_second = first.get(f"/ui/checks/{studio.check_id}").text, \
        second.get(f"/ui/checks/{studio.check_id}").text
    first.post(f"/ui/checks/{studio.check_id}/review",
               data={"decision": "reject", "reason_code": "other", "reason": "a copy of the tower",
                     "csrf_token": csrf_of(page_first)})
    late = second.post(f"/ui/checks/{studio.check_id}/review",
                       data={"decision": "approve", "reason_code": "fair_use", "reason": "commentary on the work",
                             "csrf_token": csrf_of(page_second)})
    assert late.status_code == 409
    assert "Someone decided this check first" in late.text and "Rejected by <strong>legal-jo</strong>" in late.text
    assert "a copy of the tower" in late.text and "Fair use asserted: commentary on the work" in late.text
    assert _payload_of_review(studio.ctx, studio.check_id)["reason"] == "a copy of the tower"


def test_verifying_is_a_page_that_reloads(console: Console, studio: ReviewStudio) -> None:
    legal = console.signed_in("legal")
    page = legal.get(f"/ui/checks/{studio.check_id}").text
    legal.post(f"/ui/checks/{studio.check_id}/review", data={
        "decision": "approve", "reason_code": "not_same_work", "reason": "", "csrf_token": csrf_of(page)})
    posted = legal.post(f"/ui/checks/{studio.check_id}/verify", data={"csrf_token": csrf_of(page)},
                        follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"].startswith(
        f"/ui/checks/{studio.check_id}/verification")
    for _ in range(2):  # the result's address, loaded again, verifies again (no 405)
        shown = legal.get(f"/ui/checks/{studio.check_id}/verification")
        assert shown.status_code == 200 and "Approval: <span class=\"ok\">proved</span>" in shown.text
        assert shown.text.index("verify-title") < shown.text.index('id="why"')  # at the top, in view


# ---------------------------------------------------------------- no dead ends: exception, re-check

def _no_match(_data: bytes, _name: str) -> MatchResult:
    status = ChannelStatus((ChannelState("exact", True, "sha256"),))
    return MatchResult({"sha256": "", "kind": "image", "duration_s": None, "frames": 1}, status, {}, [], [])


def blocked_on_a_late_actor(ctx: Clearance) -> tuple[str, str]:
    """A clip declaring a person who died in 1985: blocked under AB 1836 (no permission, no exception)."""
    late = create_record(ctx, KINDS["party"], {"kind": "person", "name": "Victor Crane",
                                               "died_on": "1985-11-30"}, "t").record
    request = CheckRequest(service="gen-svc", project="Harbour Lights", media=["streaming"], territories=["US"],
                           declared_people=[late["id"]], release_date=date(2030, 6, 1), prompt="an old harbour")
    pixels = np.random.default_rng(7).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    from PIL import Image
    import io

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    outcome = check_clip(ctx, request, out.getvalue(), "harbour.png", "key:generator", matcher=_no_match)
    assert outcome.verdict == "block"
    return outcome.check["id"], late["id"]


def test_an_exception_recorded_from_a_blocked_check_and_a_recheck_linked_both_ways(console: Console) -> None:
    ctx = console.ctx
    old, person = blocked_on_a_late_actor(ctx)
    admin = console.signed_in("admin")
    page = admin.get(f"/ui/checks/{old}").text
    assert "Record an AB 1836 exception" in page and "Victor Crane" in page and "Cal. Civ. Code § 3344.1" in page
    assert "California" in page  # the jurisdiction in words
    unsigned = admin.post(f"/ui/checks/{old}/exception", data={
        "person_id": person, "exception": "documentary", "exception_reviewer": " ", "csrf_token": csrf_of(page)})
    assert unsigned.status_code == 422 and "exception_reviewer" in unsigned.text
    recorded = admin.post(f"/ui/checks/{old}/exception", follow_redirects=False, data={
        "person_id": person, "exception": "documentary", "exception_reviewer": "L. Ortiz (legal)",
        "exception_reviewed_on": "2026-01-15", "csrf_token": csrf_of(page)})
    assert recorded.status_code == 303 and "recorded=est_" in recorded.headers["location"]
    assert "Re-check the clip so the decision reads the new record" in admin.get(recorded.headers["location"]).text
    rechecked = admin.post(f"/ui/checks/{old}/recheck", data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert rechecked.status_code == 303
    new = rechecked.headers["location"].rsplit("/", 1)[1]
    assert new != old
    new_page = admin.get(f"/ui/checks/{new}").text
    assert f'Re-check of <a href="/ui/checks/{old}">' in new_page and '<span class="badge pass">pass</span>' in new_page
    assert f'<a href="/ui/checks/{new}">check {new}</a> (pass' in admin.get(f"/ui/checks/{old}").text
    entries = history(ctx, [("check", new)], Role.legal)["entries"]
    assert [e["envelope"]["type"] for e in entries] == ["check.decided"]
    # a legal reviewer may re-check but not write records: the page says who records an exception
    legal_page = console.signed_in("legal").get(f"/ui/checks/{old}").text
    assert "Re-check the clip" in legal_page and "is recorded by a registrar or an admin" in legal_page
    assert console.signed_in("auditor").post(f"/ui/checks/{old}/recheck",
                                             data={"csrf_token": csrf_of(page)}).status_code == 403
    # the tables (recheck_of, review_reason_code included) are what a replay of the log makes
    log_page = admin.get("/ui/log").text
    replayed = admin.post("/ui/log/verify", data={"csrf_token": csrf_of(log_page)})
    assert "table rows match a replay of the log" in replayed.text


def test_the_check_page_says_which_channel_searched_in_part_and_what_it_left_out(console: Console) -> None:
    """A compact library past its exhaustive size verifies keypoints on candidates only: the page says so
    beside the channels run, so a reviewer reads "no match" as covering what was searched."""
    left_out = ("ORB keypoints verified on 0 stored frames of 0 candidate assets only (compact index tier): "
                "an off-centre crop is not found")

    def partial(_data: bytes, _name: str) -> MatchResult:
        status = ChannelStatus((ChannelState("exact", True, "sha256"),
                                ChannelState("perceptual", True, "PDQ + pHash + ORB keypoint verification",
                                             coverage=left_out)))
        return MatchResult({"sha256": "", "kind": "image", "duration_s": None, "frames": 1}, status, {}, [], [])

    ctx = console.ctx
    request = CheckRequest(service="gen-svc", project="Harbour Lights", media=["streaming"], territories=["US"],
                           release_date=date(2030, 6, 1), prompt="an old harbour")
    outcome = check_clip(ctx, request, b"\x89PNG not decoded: the matcher is given", "harbour.png", "key:generator",
                         matcher=partial)
    assert outcome.check["channels"]["limits"] == {"perceptual": left_out}
    page = console.signed_in("legal").get(f"/ui/checks/{outcome.check['id']}").text
    assert f"Searched in part, perceptual: {left_out}." in page
    full = check_clip(ctx, request, b"\x89PNG another clip", "pier.png", "key:generator", matcher=_no_match)
    assert "limits" not in full.check["channels"]
    assert "Searched in part" not in console.signed_in("legal").get(f"/ui/checks/{full.check['id']}").text


# ---------------------------------------------------------------- wording and positions

def test_score_words_say_where_a_score_lies_between_the_two_lines() -> None:
    settings = StrengthSettings()
    grey = check_view.score_words("pdq", 48, 65, settings)
    assert "A match needs 65 or less; 32 or less is strong" in grey and "(grey)" in grey
    assert "is strong: the machine may decide" in check_view.score_words("keypoints", 80, 24, settings)
    assert "(grey)" in check_view.score_words("keypoints", 30, 24, settings)
    assert "/opt/models" not in check_view.channel_words("no CLIP weights at /opt/models/clip (setting x)")


def test_play_plan_starts_each_player_at_the_match_and_voice_at_its_speech() -> None:
    check = {"matches": [
        {"subject": "asset", "subject_id": "ast_1", "channel": "perceptual", "query_time_s": 3.0,
         "matched_time_s": 12.5, "segments": [[3.0, 6.0], [9.0, 9.0]]},
        {"subject": "person", "subject_id": "pty_1", "channel": "voice", "query_time_s": 1.0,
         "matched_time_s": 0.0, "voice_ranges": [[1.5, 4.0]]}]}
    work, voice = check_view.play_plan(check, {"ast_1": "Harbour"})
    assert (work["clip_start"], work["work_start"], work["title"]) == (3.0, 12.5, "Harbour")
    assert work["segments"] == [[3.0, 6.0], [9.0, 9.0]]
    assert voice["voice"] and voice["clip_start"] == 1.5 and voice["clip_end"] == 4.0


@pytest.mark.skipif(not (DATA / "near-duplicates" / "bridge").is_dir(), reason="../shared/data is absent")
def test_keypoint_regions_lie_where_the_crop_came_from() -> None:
    from PIL import Image

    from embeddings.channels.keypoints import matched_regions

    original = np.asarray(Image.open(DATA / "near-duplicates" / "bridge" / "aaa-orig.jpg").convert("RGB"))
    h, w = original.shape[:2]
    ch, cw = int(h * 0.7), int(w * 0.7)
    y0, x0 = (h - ch) // 3, (w - cw) // 3
    crop = np.ascontiguousarray(original[y0:y0 + ch, x0:x0 + cw])
    found = matched_regions(crop, original, max_side=640, count=600)
    assert found is not None
    query_box, reference_box, kept = found
    assert kept >= 24  # the matcher's own keypoint threshold
    # the points matched on the reference lie inside the part that was cropped, and the query's box,
    # moved by where the crop was taken, lands on the reference's box
    assert reference_box[0] >= x0 - 2 and reference_box[1] >= y0 - 2
    assert reference_box[2] <= x0 + cw + 2 and reference_box[3] <= y0 + ch + 2
    moved = (query_box[0] + x0, query_box[1] + y0, query_box[2] + x0, query_box[3] + y0)
    assert all(abs(a - b) <= 12 for a, b in zip(moved, reference_box)), (moved, reference_box)


def test_the_api_takes_the_same_reason_codes(console: Console, studio: ReviewStudio) -> None:
    from typing import get_args

    from ledger.api.routers.checks import ReviewRequest
    from ledger.checks.reviews import REASON_CODES

    [codes] = [a for a in get_args(ReviewRequest.model_fields["reason_code"].annotation) if a is not type(None)]
    assert set(get_args(codes)) == set(REASON_CODES)
    client, key = console.client(), {"X-API-Key": console.keys["legal"]}
    wrong = client.post(f"/v1/reviews/{studio.check_id}", headers=key,
                        json={"decision": "approve", "reason": "fine", "reason_code": "because"})
    assert wrong.status_code == 422 and "reason_code" in wrong.text
    done = client.post(f"/v1/reviews/{studio.check_id}", headers=key,
                       json={"decision": "approve", "reason": "cleared by the studio", "reason_code": "consent_on_file"})
    assert done.status_code == 200 and done.json()["check"]["review_reason_code"] == "consent_on_file"
    assert _payload_of_review(studio.ctx, studio.check_id)["reason_code"] == "consent_on_file"


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "near-duplicates" / "bridge").is_dir(), reason="../shared/data is absent")
def test_a_keypoint_match_keeps_where_it_matched_in_both_frames(ctx: Clearance) -> None:
    """The check stores boxes around the matched keypoints, in each decoded frame, and the page draws them."""
    import io

    from PIL import Image

    from embeddings import FrameMatch, OwnerSummary
    from ledger.fingerprints.service import register_asset

    original = Image.open(DATA / "near-duplicates" / "bridge" / "aaa-orig.jpg").convert("RGB")
    w, h = original.size
    crop = original.crop(((w - int(w * 0.7)) // 3, (h - int(h * 0.7)) // 3,
                          (w - int(w * 0.7)) // 3 + int(w * 0.7), (h - int(h * 0.7)) // 3 + int(h * 0.7)))
    owner = create_record(ctx, KINDS["party"], {"kind": "organisation", "name": "Bridge Co"}, "t").record
    out = io.BytesIO()
    original.save(out, format="JPEG", quality=92)
    asset = register_asset(ctx, {"role": "reference_work", "acquisition_method": "licensed", "title": "The Bridge",
                                 "rights_holder_id": owner["id"]}, out.getvalue(), "bridge.jpg", "t").written.record
    clip = io.BytesIO()
    crop.save(clip, format="JPEG", quality=92)
    status = ChannelStatus((ChannelState("perceptual", True, "orb"),))
    match = FrameMatch(asset["id"], "asset", "perceptual", "keypoints", 0.0, 0.0, 0, 30, 24, "inliers",
                       {"mirrored": False, "candidate_pairs": 80})
    result = MatchResult({"sha256": "", "kind": "image", "duration_s": None, "frames": 1}, status, {}, [match],
                         [OwnerSummary(asset["id"], "asset", 1, 1, 1.0, ["keypoints"], 0.0, 0.0, None)])
    request = CheckRequest(service="gen-svc", project="Bridges", media=["streaming"], territories=["US"])
    outcome = check_clip(ctx, request, clip.getvalue(), "bridge-crop.jpg", "key:generator",
                         matcher=lambda _d, _n: result)
    [item] = outcome.check["evidence"]
    x0, y0, x1, y1 = item["matched_region"]
    assert item["region_points"] >= 24
    # the region on the registered frame (in decoded pixels: the decoder may shrink a large photo) lies
    # inside the part of it the clip was cropped from
    k = item["matched"]["width"] / w
    cx0, cy0, cw, ch = ((w - int(w * 0.7)) // 3) * k, ((h - int(h * 0.7)) // 3) * k, w * 0.7 * k, h * 0.7 * k
    assert x0 >= cx0 - 3 and y0 >= cy0 - 3 and x1 <= cx0 + cw + 3 and y1 <= cy0 + ch + 3, (item, k)
    assert item["query_region"][2] <= item["query"]["width"] + 1
    page = Console(ctx).signed_in("legal").get(f"/ui/checks/{outcome.check['id']}").text
    assert page.count('class="box region"') == 2 and "matched keypoints" in page


def test_a_license_recorded_from_a_check_in_review_and_the_recheck_passes(console: Console, studio: ReviewStudio) -> None:
    """The work matched grey and no license covered it; a license of the work for the clip's uses clears it.

    The re-check runs the installation's real matcher on the clip (it finds the work, grey, by keypoints).
    """
    ctx = studio.ctx
    licensee = create_record(ctx, KINDS["party"], {"kind": "organisation", "name": "Northlight"}, "t").record
    registrar = console.signed_in("registrar")
    page = registrar.get(f"/ui/checks/{studio.check_id}").text
    assert "Record a license" in page and "“Lighthouse at Dusk (2019)” from Harbour Pictures" in page
    refused = registrar.post(f"/ui/checks/{studio.check_id}/license", data={
        "asset_id": "ast_other", "licensee_id": licensee["id"], "csrf_token": csrf_of(page)})
    assert refused.status_code == 422 and "asset_id" in refused.text
    recorded = registrar.post(f"/ui/checks/{studio.check_id}/license", follow_redirects=False, data={
        "asset_id": studio.asset["id"], "licensee_id": licensee["id"], "starts_on": "2024-01-01",
        "csrf_token": csrf_of(page)})
    assert recorded.status_code == 303 and "recorded=lic_" in recorded.headers["location"]
    again = registrar.post(f"/ui/checks/{studio.check_id}/recheck", data={"csrf_token": csrf_of(page)},
                           follow_redirects=False)
    new = again.headers["location"].rsplit("/", 1)[1]
    with ctx.db.reader() as session:
        check = session.get(Check, new)
        assert check.verdict == "pass", check.reasons
        # the real matcher sees the work again, and the decision rests on the license just recorded
        assert [x["subject_id"] for x in check.matches] == [studio.asset["id"]]
        assert check.relied_on == [f"license:{recorded.headers['location'].split('recorded=')[1].split('#')[0]}"]
    assert "Record a license" not in console.signed_in("legal").get(f"/ui/checks/{studio.check_id}").text


def test_an_approval_whose_clip_cannot_be_signed_stays_on_the_page_and_says_why(
        console: Console, studio: ReviewStudio) -> None:
    studio.ctx.settings.provider_name = None  # SB 942 asks the provider's name, which nobody gave
    studio.ctx.settings.generative_systems.clear()
    legal = console.signed_in("legal")
    page = legal.get(f"/ui/checks/{studio.check_id}").text
    answer = legal.post(f"/ui/checks/{studio.check_id}/review", follow_redirects=False,
                        data={"decision": "approve", "reason_code": "licensed_elsewhere",
                              "reason": "Covered by the Harbour output license", "csrf_token": csrf_of(page)})
    assert answer.status_code == 200 and "Approved and logged, but the clip was not signed" in answer.text
    assert "provider" in answer.text and "Traceback" not in answer.text
    assert _payload_of_review(studio.ctx, studio.check_id)["decision"] == "approved"
    with studio.ctx.db.reader() as session:
        assert not session.get(Check, studio.check_id).signed_sha256
    name_generative_system(studio.ctx, REQUEST.service)  # once an admin names them, the page signs it
    signed = legal.post(f"/ui/checks/{studio.check_id}/sign", follow_redirects=False,
                        data={"csrf_token": csrf_of(page)})
    assert signed.status_code == 303
    with studio.ctx.db.reader() as session:
        assert session.get(Check, studio.check_id).signed_sha256
