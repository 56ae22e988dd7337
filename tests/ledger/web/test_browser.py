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

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.context import Clearance
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from tests.ledger.review_studio import ReviewStudio, review_studio
from tests.ledger.web.console import Console

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("CLEARANCE_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "console"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium "
                                                      "(apt-get install -y chromium chromium-driver; .ci/run does)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed ('.[test]')")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live(sqlite_ctx: Clearance) -> Iterator[tuple[str, Console, ReviewStudio]]:
    import uvicorn

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
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(console.app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}", console, studio
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-background-networking"])
        yield chromium
        chromium.close()


def _context(browser: Any) -> Any:
    # bypass_csp lets the test inject axe-core; the pages themselves run under their CSP otherwise
    return browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)


def _accessible(page: Any, name: str) -> None:
    """Screenshot the page, then fail on any axe-core WCAG 2 A/AA violation (contrast included)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations.map(
        v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(', '))""")
    assert violations == [], f"{name}: {violations}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"{name} scrolls sideways at 1280x800 ({width} px wide)"


def _sign_in(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/ui/login")
    page.get_by_label("API key").fill(key)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/ui/login" not in page.url, page.inner_text("main")


def _tab_to(page: Any, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement === document.querySelector({selector!r})"):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_a_reviewer_does_the_whole_job_in_the_browser(live: tuple[str, Console, ReviewStudio], browser: Any) -> None:
    base, console, studio = live
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{base}/ui/login")
    _accessible(page, "login")
    _sign_in(page, base, console.keys["legal"])
    assert page.url.endswith("/ui/reviews")
    _accessible(page, "queue")
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
    _accessible(page, "check")

    # approve with the keyboard alone
    page.locator("body").focus()
    _tab_to(page, "#code-licensed_elsewhere")  # a radio group is one Tab stop; arrows choose within it
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#code-not_same_work").is_checked()
    _tab_to(page, "#reason", limit=5)
    page.keyboard.type("A new painting of a common subject, not a copy of the registered work.")
    _tab_to(page, "#approve", limit=3)
    with page.expect_navigation():  # the form posts, signs the clip, and redirects back: wait for that page
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    decision = page.locator("#decision").locator("..").inner_text()
    assert "Approved by legal-jo (legal)" in decision
    reviewed = page.locator("tr", has_text="check.reviewed")
    assert "approved by legal-jo (legal)" in reviewed.inner_text() and "proved" in reviewed.inner_text()
    _accessible(page, "check-approved")

    page.get_by_role("button", name="Verify the signed clip").click()
    page.wait_for_load_state()
    report = page.get_by_role("status").filter(has_text="the signed clip").inner_text()
    assert "Verified" in report and "Approval: proved: approved by legal-jo at entry" in report
    _accessible(page, "check-verified")

    page.goto(f"{base}/ui/records?kind=clips")
    _accessible(page, "records-clips")
    page.goto(f"{base}/ui/records?kind=assets&q=lighthouse")
    page.get_by_role("link", name=studio.asset["id"]).click()
    page.wait_for_load_state()
    assert "record.created" in page.locator("table").inner_text()
    _accessible(page, "record-asset")
    page.goto(f"{base}/ui/records?kind=licenses")
    _accessible(page, "records-licenses")
    page.locator("tbody a").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Revoke…").click()
    page.wait_for_load_state()
    assert studio.asset["id"] in page.inner_text("main") and "Confirm revocation" in page.inner_text("main")
    _accessible(page, "revoke-preview")
    page.goto(f"{base}/ui/datasets")
    assert "1 of 1 assets may be used for training" in page.inner_text("main")  # the license covers training
    _accessible(page, "datasets")
    page.get_by_role("button", name="Run a logged audit").click()  # issue 25: logged, with its report linked
    page.wait_for_load_state()
    assert "May this dataset train" in page.inner_text("main")
    _accessible(page, "audit-report")
    page.goto(f"{base}/ui/datasets")
    assert "report of aud_" in page.inner_text("main")
    page.goto(f"{base}/ui/log")
    page.get_by_role("button", name="Run a full verification now").click()
    page.wait_for_load_state()
    assert "table rows match a replay of the log" in page.inner_text("main")
    _accessible(page, "log")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert "/ui/login" in page.url
    page.goto(f"{base}/ui/reviews")
    assert "/ui/login" in page.url, "the session outlived logout"
    context.close()


def test_a_wrong_role_is_refused_and_a_form_without_its_token_too(live: tuple[str, Console, ReviewStudio],
                                                                  browser: Any) -> None:
    base, console, studio = live
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, base, console.keys["generator"])
    answer = page.goto(f"{base}/ui/reviews")
    assert answer.status == 403 and "may not open this page" in page.inner_text("main")
    _accessible(page, "refused")
    context.close()

    context = _context(browser)
    page = context.new_page()
    _sign_in(page, base, console.keys["legal"])
    forged = context.request.post(f"{base}/ui/checks/{studio.check_id}/review",
                                  form={"decision": "approve", "reason": "no token"})
    assert forged.status == 403 and "CSRF" in forged.text()
    page.goto(f"{base}/ui/checks/{studio.check_id}")
    assert "Your decision" in page.inner_text("main"), "the forged form must not have decided the check"
    context.close()
