"""What the console's browser tests share: Debian's Chromium under Playwright, a console served on a
free loopback port, and the accessibility check every page passes (axe-core, no sideways scroll)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("CLEARANCE_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "console"

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium "
                                    "(apt-get install -y chromium chromium-driver; .ci/run does)")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed ('.[test]')")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium; media may play without a click (the check page's players start at the match)."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-background-networking",
                                                    "--autoplay-policy=no-user-gesture-required"])
        yield chromium
        chromium.close()


def accessible(page: Any, name: str, width: int | None = None, full_page: bool = True) -> None:
    """Screenshot the page, then fail on any axe-core WCAG 2 A/AA violation (contrast included) and, given
    the viewport's ``width``, on anything wider than it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations.map(
        v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(', '))""")
    assert violations == [], f"{name}: {violations}"
    if width is not None:
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width} px ({scroll} px wide)"


def new_context(browser: Any, width: int = 1280, height: int = 800) -> Any:
    # bypass_csp lets the test inject axe-core; the pages themselves run under their CSP otherwise
    return browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)


def sign_in(page: Any, base: str, key: str) -> None:
    """Sign in to the console with an API key, as a person does: type it and press Enter."""
    page.goto(f"{base}/ui/login")
    page.get_by_label("API key").fill(key)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/ui/login" not in page.url, page.inner_text("main")


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus; fail when it cannot be reached by keyboard."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement === document.querySelector({selector!r})"):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")
