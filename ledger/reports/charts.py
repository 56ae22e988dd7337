"""Bar charts as self-contained SVG, drawn with matplotlib on this machine (no fonts, scripts or CDN fetched).

Each bar carries its number in its SVG id (``<name>-bar-<i>-v<value>``) so a reader,
or a test, can check a chart against the table printed beside it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class Chart:
    """One chart: its id (letters, digits and ``-``), a title and its bars, in order."""

    name: str
    title: str
    bars: list[Bar]
    unit: str = "assets"


_XML_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SHORT = 40


def _short(label: str) -> str:
    return label if len(label) <= _SHORT else label[:_SHORT - 1] + "…"


def bar_id(chart: str, index: int, value: int) -> str:
    return f"{chart}-bar-{index}-v{value}"


def render_svg(chart: Chart) -> str:
    """The chart as an inline ``<svg>`` element (no XML prologue), horizontal bars, numbers at their ends."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.hashsalt": chart.name, "svg.fonttype": "path", "font.size": 9}):
        height = 0.9 + 0.32 * max(len(chart.bars), 1)
        figure = Figure(figsize=(6.4, height))
        axes = figure.add_subplot()
        labels = [_short(b.label) for b in chart.bars][::-1]
        values = [b.value for b in chart.bars][::-1]
        drawn = axes.barh(range(len(values)), values, color="#3b6ea8")
        for position, rect in enumerate(drawn):
            index = len(values) - 1 - position
            rect.set_gid(bar_id(chart.name, index, values[position]))
        axes.set_yticks(range(len(values)), labels)
        axes.bar_label(drawn, padding=3)
        axes.set_xlabel(chart.unit)
        axes.set_title(chart.title, loc="left")
        axes.set_xlim(0, max(values, default=0) * 1.15 + 1)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return _METADATA.sub("", _XML_PROLOGUE.sub("", out.getvalue(), count=1), count=1)
