"""The team queue, the dead ends and a phone, in a real browser (Debian's Chromium, driven by Playwright).

On the demo studio plus three more flagged clips: a reviewer filters the queue by
service, policy, channel and assignee, sorts it, assigns a check, takes the next
unassigned one, leaves a note and finds it proved in the log, and finds the filter
saved at the next sign-in. Every page is checked with axe-core, at 1280 px and at
390 px (where nothing may scroll sideways), and reached by keyboard alone.
``CLEARANCE_UPDATE_DOCS_SCREENSHOTS=1`` copies the queue screenshots to ``docs/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from ledger.context import Clearance
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from tests.ledger.review_studio import ReviewStudio, review_studio, team_queue
from tests.ledger.web.console import Console
from tests.ledger.web.browser import ARTIFACTS, ROOT, accessible, browser, needs_chromium, new_context, served, sign_in, tab_to

__all__ = ["browser"]  # the Chromium fixture, shared with test_browser
pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def team(sqlite_ctx: Clearance) -> Iterator[tuple[str, Console, ReviewStudio, dict[str, str]]]:
    studio = review_studio(sqlite_ctx)
    team_queue(studio)
    dataset = create_record(sqlite_ctx, KINDS["dataset"], {"name": "Harbour stills"}, "t").record
    version = create_record(sqlite_ctx, KINDS["dataset_version"], {"dataset_id": dataset["id"], "version": "v1",
                                                                   "asset_ids": [studio.asset["id"]]}, "t").record
    licensee = create_record(sqlite_ctx, KINDS["party"], {"kind": "organisation", "name": "Northlight"}, "t").record
    lic = create_record(sqlite_ctx, KINDS["license"], {
        "licensor_id": studio.asset["rights_holder_id"], "licensee_id": licensee["id"],
        "asset_ids": [studio.asset["id"]], "permitted_uses": ["train"], "territories": ["US"],
        "media": ["streaming"], "starts_on": "2024-01-01"}, "t").record
    console = Console(sqlite_ctx)
    with served(console.app) as base:
        yield base, console, studio, {"license": lic["id"], "version": version["id"]}


def _rows(page: Any) -> list[str]:
    return [cell.inner_text().split("\n")[0] for cell in page.locator(".queue-table tbody td:first-child").all()]


def _filter(page: Any, **chosen: str) -> None:
    for name, value in chosen.items():
        page.locator(f"form.filters [name={name}]").select_option(value)
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filter").click()


def test_a_team_filters_sorts_assigns_takes_notes_and_keeps_its_filters(team: Any, browser: Any) -> None:
    base, console, studio, _ids = team
    context = new_context(browser)
    page = context.new_page()
    page.goto(base + "/")
    assert page.url.endswith("/ui/login"), "/ leads to the console's sign-in"
    sign_in(page, base, console.keys["legal"])
    assert page.url.endswith("/ui/reviews")
    assert _rows(page) == ["lighthouse-variant.jpg", "harbour-teaser.jpg", "tidewater-pan.jpg", "harbour-poster.jpg"]
    header = page.locator(".queue-table thead").inner_text()
    assert all(word in header for word in ("Age", "Release date", "Service", "Project", "Assigned to"))
    assert "2031-03-01" in page.locator(".queue-table tbody tr", has_text="harbour-teaser.jpg").inner_text()
    accessible(page, "team-queue", 1280)

    _filter(page, service="storyboard-svc")
    assert _rows(page) == ["harbour-teaser.jpg", "harbour-poster.jpg"]
    assert "2 of 4 checks" in page.get_by_role("status").inner_text()
    _filter(page, policy="prompt.work-title-unlicensed")
    assert _rows(page) == ["harbour-poster.jpg"]
    _filter(page, policy="", service="", channel="semantic")
    assert _rows(page) == ["harbour-teaser.jpg"]
    _filter(page, channel="", sort="release")
    assert _rows(page) == ["lighthouse-variant.jpg", "harbour-poster.jpg", "tidewater-pan.jpg", "harbour-teaser.jpg"]

    # assign the teaser to the admin from its row, then filter by that assignee
    row = page.locator(".queue-table tbody tr", has_text="harbour-teaser.jpg")
    row.get_by_label("Assign harbour-teaser.jpg to").select_option(label="admin-jo")
    with page.expect_navigation():
        row.get_by_role("button", name="Assign harbour-teaser.jpg").click()
    assert "sort=release" in page.url, "assigning returns to the same view"
    _filter(page, sort="oldest", assignee=console.key_ids["admin"])
    assert _rows(page) == ["harbour-teaser.jpg"]

    # take the next unassigned Tidewater check: the oldest, the studio's clip
    page.goto(f"{base}/ui/reviews?project=Tidewater")
    with page.expect_navigation():
        page.get_by_role("button", name="Take the next unassigned check").click()
    assert page.url.endswith(f"/ui/checks/{studio.check_id}")
    team_section = page.locator("#team").locator("..")
    assert "Assigned to legal-jo" in team_section.inner_text()
    page.get_by_label("Add a note").fill("The tower's lantern differs; compare with the 2019 poster.")
    with page.expect_navigation():
        page.get_by_role("button", name="Add note").click()
    assert "The tower's lantern differs" in page.locator("#team").locator("..").inner_text()
    logged = page.locator("tr", has_text="review.noted").inner_text()
    assert "note by legal-jo (legal)" in logged and "proved" in logged
    assert "assigned to legal-jo" in page.locator("tr", has_text="review.assigned").inner_text()
    accessible(page, "check-team", 1280)

    # save a filter, sign out and in again: it is still there and applies
    page.goto(f"{base}/ui/reviews?project=Harbour+Lights&sort=release")
    page.get_by_label("Save this filter as").fill("Harbour by release")
    with page.expect_navigation():
        page.get_by_role("button", name="Save filter").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    sign_in(page, base, console.keys["legal"])
    saved = page.get_by_role("navigation", name="Your saved filters")
    with page.expect_navigation():
        saved.get_by_role("link", name="Harbour by release").click()
    assert _rows(page) == ["harbour-poster.jpg", "harbour-teaser.jpg"]
    accessible(page, "team-queue-saved", 1280)
    context.close()
    if os.environ.get("CLEARANCE_UPDATE_DOCS_SCREENSHOTS"):
        shutil.copyfile(ARTIFACTS / "team-queue.png", ROOT / "docs" / "console-queue.png")


def test_on_a_phone_every_page_fits_and_keys_alone_reach_the_filter_and_the_rows(team: Any, browser: Any) -> None:
    base, console, studio, ids = team
    context = browser.new_context(viewport=PHONE, bypass_csp=True, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, base, console.keys["legal"])
    accessible(page, "phone-queue", PHONE["width"])
    if os.environ.get("CLEARANCE_UPDATE_DOCS_SCREENSHOTS"):  # the first screen, as a phone shows it
        page.screenshot(path=str(ROOT / "docs" / "console-queue-phone.png"))
    # keyboard alone: to the service filter, choose, apply, then to the first row's check
    page.locator("body").focus()
    tab_to(page, "#f-service")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.querySelector('#f-service').value") == "storyboard-svc"
    tab_to(page, "form.filters button[type=submit]", limit=20)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "service=storyboard-svc" in page.url and _rows(page) == ["harbour-teaser.jpg", "harbour-poster.jpg"]
    tab_to(page, ".queue-table tbody tr:first-child a.button", limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/ui/checks/" in page.url
    for name, path in (("phone-check", f"/ui/checks/{studio.check_id}"),
                       ("phone-records", "/ui/records?q=lighthouse"),
                       ("phone-record", f"/ui/records/assets/{studio.asset['id']}"),
                       ("phone-revoke", f"/ui/records/licenses/{ids['license']}/revoke"),
                       ("phone-datasets", "/ui/datasets"), ("phone-log", "/ui/log")):
        answer = page.goto(base + path)
        assert answer.status == 200, (path, page.inner_text("main"))
        accessible(page, name, PHONE["width"])
    context.close()


def test_no_dead_ends_search_every_kind_named_impact_audit_report_and_offline_docs(team: Any, browser: Any) -> None:
    base, console, _studio, ids = team
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, base, console.keys["legal"])
    page.goto(f"{base}/ui/records")
    page.get_by_label("Search id, name or title").fill("Lighthouse at Dusk")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    found = page.locator("table").inner_text()
    assert "asset" in found and "Lighthouse at Dusk (2019)" in found, "a title search finds the work by default"
    accessible(page, "records-everywhere", 1280)

    page.goto(f"{base}/ui/records/licenses/{ids['license']}/revoke")
    impact = page.locator("#impact").locator("..")
    assert "Lighthouse at Dusk (2019)" in impact.inner_text() and "Harbour stills v1" in impact.inner_text()
    accessible(page, "revoke-named", 1280)

    page.goto(f"{base}/ui/datasets")
    with page.expect_navigation():
        page.get_by_role("button", name="Run a logged audit").click()
    page.goto(f"{base}/ui/datasets")
    with page.expect_navigation():
        page.get_by_role("link", name="Open the latest logged audit report").click()
    assert "/ui/audits/aud_" in page.url and "May this dataset train" in page.inner_text("body")

    elsewhere: list[str] = []

    def note_elsewhere(request: Any) -> None:
        if not request.url.startswith(("data:", "blob:")) and urlparse(request.url).hostname != "127.0.0.1":
            elsewhere.append(request.url)

    page.on("request", note_elsewhere)
    for path in ("/redoc", "/docs"):
        elsewhere.clear()
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert elsewhere == [], f"{path} fetched from elsewhere: {elsewhere}"
    context.close()


def test_an_auditor_reads_the_queue_and_notes_but_cannot_assign_or_take(team: Any, browser: Any) -> None:
    base, console, studio, _ids = team
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, base, console.keys["auditor"])
    assert page.url.endswith("/ui/reviews") and len(_rows(page)) == 4
    assert page.get_by_role("button", name="Take the next unassigned check").count() == 0
    assert page.locator("form.assign").count() == 0
    forged = context.request.post(f"{base}/ui/reviews/take", form={"csrf_token": "x"})
    assert forged.status == 403
    page.goto(f"{base}/ui/checks/{studio.check_id}")
    assert "Assignment and notes" in page.inner_text("main") and page.get_by_label("Add a note").count() == 0
    context.close()
