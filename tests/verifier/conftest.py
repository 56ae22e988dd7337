"""The standalone verifier's tests: they import ``clearance_verify`` from ``verifier/src`` when it is not installed.

These tests use nothing of the ledger: the verifier is checked against the specifications'
reference vectors and against notes signed here with ``cryptography`` directly.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import clearance_verify  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "verifier" / "src"))
