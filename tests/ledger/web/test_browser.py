"""The console in a real browser: Debian's Chromium, headless, driven by Playwright, against a live server.

A reviewer signs in, opens the check awaiting review, sees both frames side by
side, approves with a reason using only the keyboard, finds the review in the
clip's history and verifies the signed clip. Every page is screenshotted into
``test-artifacts/console/`` (``CLEARANCE_TEST_ARTIFACTS`` overrides) and checked
with axe-core (vendored in ``vendor/``) for WCAG 2 A/AA problems, contrast included.
``CLEARANCE_UPDATE_DOCS_SCREENSHOTS=1`` also copies the check page to ``docs/``
for the README (test_browser_queue.py copies the team queue).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger.context import Clearance
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from tests.ledger.review_studio import ReviewStudio, review_studio
from tests.ledger.web.browser import accessible, browser, needs_chromium, new_context, served, sign_in, tab_to
from tests.ledger.web.console import Console

pytestmark = [pytest.mark.browser, needs_chromium]
__all__ = ["browser"]  # the Chromium fixture


@pytest.fixture
def live(sqlite_ctx: Clearance) -> Iterator[tuple[str, Console, ReviewStudio]]:
    studio = review_studio(sqlite_ctx)
    dataset = create_record(sqlite_ctx, KINDS["dataset"], {"name": "Harbour stills"}, "t").record
    create_record(sqlite_ctx, KINDS["dataset_version"], {"dataset_id": dataset["id"], "version": "v1",
                                                         "asset_ids": [studio.asset["id"]]}, "t")
    licensee = create_record(sqlite_ctx, KINDS["party"], {"kind": "organisation", "name": "Northlight"}, "t").record
    create_record(sqlite_ctx, KINDS["license"], {
        "licensor_id": studio.asset["rights_holder_id"], "licensee_id": licensee["id"],
        "asset_ids": [studio.asset["id"]], "permitted_uses": ["train"], "territories": ["US"],
        "media": ["streaming"], "starts_on": "2024-01-01"}, "t")
    console = Console(sqlite_ctx)
    with served(console.app) as base:
        yield base, console, studio


def test_a_reviewer_does_the_whole_job_in_the_browser(live: tuple[str, Console, ReviewStudio], browser: Any) -> None:
    base, console, studio = live
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{base}/ui/login")
    accessible(page, "login")
    sign_in(page, base, console.keys["legal"])
    assert page.url.endswith("/ui/reviews")
    accessible(page, "queue")
    page.get_by_role("link", name=f"Open check {studio.check_id} to decide").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/ui/checks/{studio.check_id}")

    clip_frame, work_frame = page.locator(".evidence .pair img").all()
    for image in (clip_frame, work_frame):
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "a thumbnail did not load"
    left, right = clip_frame.bounding_box(), work_frame.bounding_box()
    assert abs(left["y"] - right["y"]) < 2 and right["x"] >= left["x"] + left["width"], "frames are not side by side"
    assert "Submitted clip" in page.locator(".evidence").inner_text()
    assert "A match needs 65 or less" in page.locator(".evidence").inner_text()
    accessible(page, "check")

    # approve with the keyboard alone
    page.locator("body").focus()
    tab_to(page, "#code-licensed_elsewhere")  # a radio group is one Tab stop; arrows choose within it
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#code-not_same_work").is_checked()
    tab_to(page, "#reason", limit=5)
    page.keyboard.type("A new painting of a common subject, not a copy of the registered work.")
    tab_to(page, "#approve", limit=3)
    with page.expect_navigation():  # the form posts, signs the clip, and redirects back: wait for that page
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    decision = page.locator("#decision").locator("..").inner_text()
    assert "Approved by legal-jo (legal)" in decision
    reviewed = page.locator("tr", has_text="check.reviewed")
    assert "approved by legal-jo (legal)" in reviewed.inner_text() and "proved" in reviewed.inner_text()
    accessible(page, "check-approved")

    page.get_by_role("button", name="Verify the signed clip").click()
    page.wait_for_load_state()
    report = page.get_by_role("status").filter(has_text="the signed clip").inner_text()
    assert "Verified" in report and "Approval: proved: approved by legal-jo at entry" in report
    accessible(page, "check-verified")

    page.goto(f"{base}/ui/records?kind=clips")
    accessible(page, "records-clips")
    page.goto(f"{base}/ui/records?kind=assets&q=lighthouse")
    page.get_by_role("link", name=studio.asset["id"]).click()
    page.wait_for_load_state()
    assert "record.created" in page.locator("table").inner_text()
    accessible(page, "record-asset")
    page.goto(f"{base}/ui/records?kind=licenses")
    accessible(page, "records-licenses")
    page.locator("tbody a").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Revoke…").click()
    page.wait_for_load_state()
    assert studio.asset["id"] in page.inner_text("main") and "Confirm revocation" in page.inner_text("main")
    accessible(page, "revoke-preview")
    page.goto(f"{base}/ui/datasets")
    assert "1 of 1 assets may be used for training" in page.inner_text("main")  # the license covers training
    accessible(page, "datasets")
    page.get_by_role("button", name="Run a logged audit").click()  # issue 25: logged, with its report linked
    page.wait_for_load_state()
    assert "May this dataset train" in page.inner_text("main")
    accessible(page, "audit-report")
    page.goto(f"{base}/ui/datasets")
    assert "report of aud_" in page.inner_text("main")
    page.goto(f"{base}/ui/log")
    page.get_by_role("button", name="Run a full verification now").click()
    page.wait_for_load_state()
    assert "table rows match a replay of the log" in page.inner_text("main")
    accessible(page, "log")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert "/ui/login" in page.url
    page.goto(f"{base}/ui/reviews")
    assert "/ui/login" in page.url, "the session outlived logout"
    context.close()


def test_a_wrong_role_is_refused_and_a_form_without_its_token_too(live: tuple[str, Console, ReviewStudio],
                                                                  browser: Any) -> None:
    base, console, studio = live
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, base, console.keys["generator"])
    answer = page.goto(f"{base}/ui/reviews")
    assert answer.status == 403 and "may not open this page" in page.inner_text("main")
    accessible(page, "refused")
    context.close()

    context = new_context(browser)
    page = context.new_page()
    sign_in(page, base, console.keys["legal"])
    forged = context.request.post(f"{base}/ui/checks/{studio.check_id}/review",
                                  form={"decision": "approve", "reason": "no token"})
    assert forged.status == 403 and "CSRF" in forged.text()
    page.goto(f"{base}/ui/checks/{studio.check_id}")
    assert "Your decision" in page.inner_text("main"), "the forged form must not have decided the check"
    context.close()
