"""Charts are inline SVG that carry their numbers and reference nothing outside themselves."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ledger.reports.charts import Bar, Chart, bar_id, render_svg


def test_svg_is_inline_and_each_bar_carries_its_value() -> None:
    svg = render_svg(Chart(name="reasons", title="Why", bars=[Bar("license.required", 7), Bar("a" * 80, 0),
                                                               Bar("opt-out <x> & y", 12)]))
    assert svg.startswith("<svg") and "<?xml" not in svg and "<metadata>" not in svg
    root = ET.fromstring(svg)  # well-formed XML, escaped labels included
    ids = [el.get("id") for el in root.iter() if el.get("id", "").startswith("reasons-bar-")]
    assert sorted(ids) == sorted([bar_id("reasons", 0, 7), bar_id("reasons", 1, 0), bar_id("reasons", 2, 12)])
    assert not re.search(r"<script|(href|src)=\"(https?:)?//|url\((?!#)", svg)


def test_same_chart_same_svg() -> None:
    chart = Chart(name="status", title="Outcome", bars=[Bar("cleared", 3), Bar("block", 1)])
    assert render_svg(chart) == render_svg(chart)
