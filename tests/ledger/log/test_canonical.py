"""The fast canonical JSON paths give exactly the bytes of the rfc8785 reference implementation.

Fixed cases here; randomised ones (hypothesis) in test_canonical_properties.py.
"""

from __future__ import annotations

import enum
import random
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785

from ledger.log.events import Envelope, Event, canonical, now_text

MAX_SAFE = 2**53 - 1


def reference(value: Any) -> tuple[str, Any]:
    try:
        return "ok", rfc8785.dumps(value)
    except Exception as exc:  # noqa: BLE001
        return "error", type(exc)


def ours(value: Any) -> tuple[str, Any]:
    try:
        return "ok", canonical(value)
    except Exception as exc:  # noqa: BLE001
        return "error", type(exc)


class Colour(enum.Enum):
    RED = 1


class Label(str, enum.Enum):
    A = "a"


class Big(int):
    pass


@pytest.mark.parametrize("value", [
    {"a": 1, "b": [1, 2, {"\u00e9": "\x00\x1f\x7f\u2028\"\\"}], "c": None, "d": True},
    {"\U0001f600": 1, "\uffff": 2, "\ue000": 3, "a": 4},
    {"a": MAX_SAFE, "b": -MAX_SAFE}, {"a": MAX_SAFE + 1}, [-MAX_SAFE - 1], 2**100,
    1.5, 0.1, -0.0, 1e21, [1.0, 2], (1, "x"), {"t": (1, 2)}, {"x": float("nan")}, {"x": float("inf")},
    "\ud800", {"\udc00": 1}, ["ok", "\udfff"],
    {1: "int key"}, {None: 1}, Label.A, {"k": Label.A}, {Label.A: 1}, Colour.RED, Big(3), {"b": Big(2**60)},
    True, False, None, "", [], {}, [[[[]]]], {"a": {"b": {"c": {}}}},
    b"bytes", {"set"}, object(),
])
def test_canonical_edge_cases(value: Any) -> None:
    assert ours(value) == reference(value)


def test_envelope_vector_is_stable() -> None:
    event = Event("party.created", {"name": "Ana \u00c9", "n": 3, "tags": ["x"], "ok": True, "none": None},
                  "party", "pty_1", "alice")
    payload = event.payload_bytes()
    assert payload == b'{"n":3,"name":"Ana \xc3\x89","none":null,"ok":true,"tags":["x"]}'
    envelope = Envelope.for_event(7, event, payload, time="2026-11-23T19:51:04.123456Z")
    assert envelope.leaf_bytes() == (
        b'{"actor":"alice","index":7,"payload_sha256":"' + envelope.payload_sha256.encode()
        + b'","subject":{"id":"pty_1","kind":"party"},"time":"2026-11-23T19:51:04.123456Z",'
        b'"type":"party.created","v":1}')
    assert Envelope.parse(envelope.leaf_bytes()).to_json() == envelope.to_json()


def test_now_text_matches_strftime_format() -> None:
    text = now_text()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z", text)
    parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert parsed.strftime("%Y-%m-%dT%H:%M:%S.%fZ") == text
    assert abs((datetime.now(UTC) - parsed).total_seconds()) < 60


_ALPHABET = [chr(c) for c in range(0x20)] + ['"', "\\", "/", "\x7f", "\u00e9", "\u2028", "\ud7ff", "\ue000", "\uffff",
                                             "\U00010000", "\U0001f600", "\U0010ffff", "\ud800", "a", "Z", "0", " "]


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 4 and roll < 0.2:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(5))]
    if depth < 4 and roll < 0.4:
        return {_random_text(rng): _random_value(rng, depth + 1) for _ in range(rng.randrange(6))}
    return rng.choice([None, True, False, rng.randint(-MAX_SAFE, MAX_SAFE), rng.randint(-(2**60), 2**60),
                       rng.choice([MAX_SAFE, MAX_SAFE + 1, -MAX_SAFE - 1]), rng.uniform(-1e6, 1e6),
                       _random_text(rng), _random_text(rng)])


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) if rng.random() < 0.5 else chr(rng.randrange(0x20, 0x30000))
                   for _ in range(rng.randrange(6)))


def test_canonical_equals_rfc8785_for_seeded_random_values() -> None:
    """Without hypothesis: many seeded random values, escapes, astral keys, surrogates and big ints."""
    rng = random.Random(8785)
    for _ in range(5000):
        value = _random_value(rng)
        assert ours(value) == reference(value), value
