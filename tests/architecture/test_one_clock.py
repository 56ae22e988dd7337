"""Issue 29: code asks ledger.clock what day it is, never the machine directly.

``date.today()`` (and ``datetime.today()``) in the packages would decide a verdict by the machine's date,
which neither ``CLEARANCE_TODAY`` nor a test can set. Timestamps of events (``datetime.now(UTC)``) are
allowed: they record when something happened, not the day a decision is made as of.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _calls_of_today(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr == "today" and isinstance(node.value, ast.Name) \
                and node.value.id in ("date", "datetime"):
            lines.append(node.lineno)
    return lines


def test_no_package_reads_the_machines_date_except_the_clock() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}"
             for package in ("ledger", "policies", "embeddings")
             for path in sorted((ROOT / package).rglob("*.py")) if path != ROOT / "ledger" / "clock.py"
             for line in _calls_of_today(path)]
    assert found == [], "read the day from ledger.clock.today(), not the machine: " + ", ".join(found)
