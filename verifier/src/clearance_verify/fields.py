"""The payload hash a leaf commits to, by envelope version (SPEC.md section F).

Version 1: the SHA-256 of the payload's bytes. Version 2 commits to each top-level field apart:
``payload_sha256`` is the SHA-256 of the RFC 8785 canonical JSON object that maps each field (all
but ``_salts``) to its commitment, the hex SHA-256 of the canonical array ``[salt, name, value]``
with the field's salt from ``_salts``. A field produced redacted has no salt and reads
``{"redacted": <its commitment>}``, so the payload still proves against its leaf.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

_HEX64 = re.compile(r"[0-9a-f]{64}")


def _canonical(value: Any) -> bytes:
    """RFC 8785 for what payloads hold (objects, arrays, strings, integers, booleans, null): sorted keys by
    UTF-16 code units, no spaces, non-ASCII as itself. Floats are refused: payloads carry none."""
    if isinstance(value, float):
        raise ValueError("a float in a payload")
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return b"{" + b",".join(_canonical(k) + b":" + _canonical(value[k]) for k in keys) + b"}"
    if isinstance(value, list):
        return b"[" + b",".join(_canonical(v) for v in value) + b"]"
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _fields_hash(payload: Any) -> str | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("_salts", {}), dict):
        return None
    salts = payload.get("_salts", {})
    commitments: dict[str, str] = {}
    for name, value in payload.items():
        if name == "_salts":
            continue
        salt = salts.get(name)
        if isinstance(salt, str):
            commitments[name] = hashlib.sha256(_canonical([salt, name, value])).hexdigest()
        elif isinstance(value, dict) and list(value) == ["redacted"] and isinstance(value["redacted"], str) \
                and _HEX64.fullmatch(value["redacted"]):
            commitments[name] = value["redacted"]
        else:
            return None
    return hashlib.sha256(_canonical(commitments)).hexdigest()


def payload_hash(version: Any, payload: bytes) -> str | None:
    """What ``payload_sha256`` must be for these bytes under envelope ``version``; None when they cannot match."""
    if version == 2:
        try:
            return _fields_hash(json.loads(payload))
        except (ValueError, RecursionError):
            return None
    return hashlib.sha256(payload).hexdigest()
