"""The HTML report as a person sees it: rendered by headless Chromium, charts agreeing with the CSV."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from ledger.context import Clearance
from ledger.reports.audit_service import audit_dataset

from .conftest import build_world

CHROMIUM = Path("/usr/bin/chromium")
README_SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "audit-report.png"
CHART_SECTIONS = {"status": ("total", {"cleared", "review", "block"}), "reasons": ("reason", None),
                  "licensors": ("licensor", None), "opt_outs": ("opt_out_source", None)}

# Every chart: its bars' numbers (from the SVG ids) and its table's rows, read in the browser.
READ_CHARTS = """() => Array.from(document.querySelectorAll('figure.chart')).map(f => ({
  name: f.dataset.chart,
  svg: !!f.querySelector('svg'), width: f.querySelector('svg') ? f.querySelector('svg').getBoundingClientRect().width : 0,
  bars: Array.from(f.querySelectorAll('svg g[id*="-bar-"]')).map(g => g.id),
  rows: Array.from(f.querySelectorAll('tbody tr')).map(r => ({
      section: r.dataset.section, key: r.dataset.key, index: Number(r.dataset.index),
      count: Number(r.querySelector('td[data-count]').dataset.count)}))}))"""


@pytest.mark.skipif(not CHROMIUM.is_file(), reason="Debian chromium is not installed (apt-get install chromium)")
def test_report_renders_in_chromium_and_charts_equal_the_csv(sqlite_ctx: Clearance, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    world = build_world(sqlite_ctx)
    result = audit_dataset(sqlite_ctx, world.version, world.model, ["US"], "legal", tmp_path / "report")
    rows = list(csv.DictReader(result.csv.open(encoding="utf-8-sig")))
    screenshot = tmp_path / "artifacts" / "audit-report.png"
    screenshot.parent.mkdir()
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.goto(result.html.as_uri())
            title = page.title()
            charts: list[dict[str, Any]] = page.evaluate(READ_CHARTS)
            asset_rows = page.locator("tr[data-asset]").count()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert requests == [result.html.as_uri()]  # the page fetches nothing else
    assert title == f"Training-data audit of {world.version}"
    assert asset_rows == 8
    assert {c["name"] for c in charts} == set(CHART_SECTIONS)
    for chart in charts:
        section, keys = CHART_SECTIONS[chart["name"]]
        from_csv = {r["key"]: int(r["count"]) for r in rows if r["section"] == section and (keys is None or r["key"] in keys)}
        assert chart["svg"] and chart["width"] > 100, chart["name"]
        from_table = {r["key"]: r["count"] for r in chart["rows"]}
        assert from_table == from_csv, chart["name"]
        by_index = {r["index"]: r["key"] for r in chart["rows"]}
        from_bars = {by_index[int(bar.split("-bar-")[1].split("-v")[0])]: int(bar.rsplit("-v", 1)[1])
                     for bar in chart["bars"]}
        assert from_bars == from_csv, chart["name"]
    assert screenshot.stat().st_size > 20_000
    if os.environ.get("CLEARANCE_UPDATE_DOCS") or not README_SCREENSHOT.exists():  # the README's picture
        README_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(screenshot, README_SCREENSHOT)
