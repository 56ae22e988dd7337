"""The team queue's console pages over HTTP: roles, CSRF, redirects kept on the console, notes by role,
saved filters per key; and the dead ends closed: /, search across kinds, impact by name."""

from __future__ import annotations

import pytest

from ledger.checks import reviews
from ledger.context import Clearance
from tests.ledger.review_studio import ReviewStudio, review_studio, team_queue
from tests.ledger.web.console import Console, csrf_of


@pytest.fixture
def studio(ctx: Clearance) -> ReviewStudio:
    world = review_studio(ctx)
    team_queue(world)
    return world


@pytest.fixture
def console(studio: ReviewStudio) -> Console:
    return Console(studio.ctx)


def test_root_leads_to_the_console(console: Console) -> None:
    client = console.client()
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/ui/"
    assert client.get("/").url.path == "/ui/login"
    assert console.signed_in("legal").get("/").url.path == "/ui/reviews"


def test_the_queue_page_filters_and_its_forms_need_role_and_token(console: Console, studio: ReviewStudio) -> None:
    legal = console.signed_in("legal")
    page = legal.get("/ui/reviews", params={"service": "storyboard-svc", "sort": "release"})
    assert page.status_code == 200 and "2 of 4 checks" in page.text
    assert page.text.index("harbour-poster.jpg") < page.text.index("harbour-teaser.jpg")
    assert "lighthouse-variant.jpg" not in page.text
    bad = legal.get("/ui/reviews", params={"release_before": "next week"})
    assert bad.status_code == 422 and "release_before" in bad.text
    check = studio.check_id
    assert legal.post(f"/ui/checks/{check}/assign", data={"assignee": "me"}).status_code == 403  # no token
    moved = legal.post(f"/ui/checks/{check}/assign", follow_redirects=False,
                       data={"assignee": "me", "back": "https://elsewhere.example/", "csrf_token": csrf_of(page.text)})
    assert moved.status_code == 303 and moved.headers["location"] == f"/ui/checks/{check}"  # not elsewhere
    back = legal.post(f"/ui/checks/{check}/assign", follow_redirects=False,
                      data={"assignee": "", "back": "/ui/reviews?sort=newest", "csrf_token": csrf_of(page.text)})
    assert back.headers["location"] == "/ui/reviews?sort=newest"
    auditor = console.signed_in("auditor")
    seen = auditor.get("/ui/reviews")
    assert seen.status_code == 200 and "Take the next unassigned check" not in seen.text
    assert auditor.post("/ui/reviews/take", data={"csrf_token": csrf_of(seen.text)}).status_code == 403
    assert console.signed_in("generator").get("/ui/reviews").status_code == 403


def test_notes_show_to_queue_readers_only_and_are_proved_in_the_history(console: Console,
                                                                       studio: ReviewStudio) -> None:
    legal = console.signed_in("legal")
    page = legal.get(f"/ui/checks/{studio.check_id}")
    empty = legal.post(f"/ui/checks/{studio.check_id}/notes", data={"text": " ", "csrf_token": csrf_of(page.text)})
    assert empty.status_code == 422 and "text" in empty.text
    noted = legal.post(f"/ui/checks/{studio.check_id}/notes",
                       data={"text": "Asked the licensor <b>today</b>", "csrf_token": csrf_of(page.text)})
    assert noted.status_code == 200 and "Asked the licensor &lt;b&gt;today&lt;/b&gt;" in noted.text
    assert "note by legal-jo (legal)" in noted.text and "review.noted" in noted.text
    auditor = console.signed_in("auditor").get(f"/ui/checks/{studio.check_id}").text
    assert "Asked the licensor" in auditor and "Add a note" not in auditor
    generator = console.signed_in("generator").get(f"/ui/checks/{studio.check_id}").text
    assert "Asked the licensor" not in generator and "Assignment and notes" not in generator
    assert "may not read review.noted events" in generator


def test_a_saved_filter_is_its_reviewers_own(console: Console) -> None:
    legal = console.signed_in("legal")
    page = legal.get("/ui/reviews", params={"channel": "semantic"})
    saved = legal.post("/ui/reviews/filters", follow_redirects=False,
                       data={"name": "Semantic", "channel": "semantic", "csrf_token": csrf_of(page.text)})
    assert saved.status_code == 303
    again = console.signed_in("legal").get(saved.headers["location"])  # a new sign-in of the same key
    assert "1 of 4 checks" in again.text and "harbour-teaser.jpg" in again.text and ">Semantic</a>" in again.text
    assert console.signed_in("admin").get(saved.headers["location"]).status_code == 404


def test_search_covers_every_kind_and_revocation_names_what_it_affects(console: Console,
                                                                        studio: ReviewStudio) -> None:
    from ledger.auth.keys import Caller
    from ledger.records.enums import Role
    from ledger.web.pages_records import named_impact

    legal = console.signed_in("legal")
    found = legal.get("/ui/records", params={"q": "Lighthouse at Dusk"}).text
    assert f"/ui/records/assets/{studio.asset['id']}" in found and "across every kind" in found
    clips = legal.get("/ui/records", params={"q": "harbour"}).text
    assert "harbour-teaser.jpg" in clips
    caller = Caller(console.key_ids["legal"], Role.legal, "legal-jo")
    reviews.decide(studio.ctx, studio.check_id, "approve", "not a copy", caller.actor,
                   reviews.Reviewer("legal-jo", "legal"))
    clip_id = studio.outcome.clip["id"]
    named = named_impact(studio.ctx, {"assets": [studio.asset["id"]], "released_clips": [clip_id]})
    assert named["assets"][0]["label"] == "Lighthouse at Dusk (2019)"
    assert named["released_clips"] == [{"id": clip_id, "label": "lighthouse-variant.jpg (Tidewater)",
                                        "href": f"/ui/checks/{studio.check_id}"}]
