"""Per-field commitments (envelope version 2): the ledger's and the standalone verifier's independent
implementations agree on every payload, redacted or not, and a redaction keeps the leaf's hash."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("hypothesis")

from clearance_verify.fields import payload_hash  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ledger.log.events import (  # noqa: E402
    FIELD_COMMITTED, Envelope, Event, canonical, fields_digest, payload_digest, redact_fields)

MAX_SAFE = 2**53 - 1
text = st.one_of(st.text(max_size=12), st.sampled_from(["", "\u00fe", "\U0001f600", "\ue000", "a\nb", '"\\', "\x1f"]))
scalar = st.one_of(st.none(), st.booleans(), st.integers(-MAX_SAFE, MAX_SAFE), text)
value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(text, inner, max_size=3)), max_leaves=8)
payloads = st.dictionaries(text.filter(lambda k: k != "_salts"), value, min_size=1, max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads, st.data())
def test_both_implementations_agree_and_a_redaction_keeps_the_hash(payload: dict[str, Any], data: Any) -> None:
    event = Event.committed("check.reviewed", payload, "check", "chk_1", "test")
    stored = event.payload_bytes()
    digest = fields_digest(event.payload)
    assert payload_digest(FIELD_COMMITTED, stored) == digest == payload_hash(2, stored)
    hidden = set(data.draw(st.lists(st.sampled_from(sorted(payload)), max_size=len(payload))))
    shown = canonical(redact_fields(json.loads(stored), hidden))
    assert payload_digest(FIELD_COMMITTED, shown) == digest == payload_hash(2, shown)
    for name in hidden:
        assert json.loads(shown)[name].keys() == {"redacted"} and name not in json.loads(shown)["_salts"]


def test_the_leaf_says_version_2_and_parses() -> None:
    event = Event.committed("check.reviewed", {"decision": "approved", "reason": "yes"}, "check", "chk_1", "k")
    envelope = Envelope.for_event(7, event, event.payload_bytes(), "2026-01-01T00:00:00.000000Z")
    parsed = Envelope.parse(envelope.leaf_bytes())
    assert parsed.version == FIELD_COMMITTED and parsed.payload_sha256 == fields_digest(event.payload)
    assert json.loads(envelope.leaf_bytes())["v"] == 2 and envelope.leaf_bytes() == canonical(envelope.to_json())
    plain = Event("check.reviewed", {"decision": "approved", "reason": "yes"}, "check", "chk_1", "k")
    assert Envelope.parse(Envelope.for_event(7, plain, plain.payload_bytes()).leaf_bytes()).version == 1


@pytest.mark.parametrize("forged", [
    {"reason": "yes"},  # no salt and no marker
    {"reason": {"redacted": "00"}, "_salts": {}},  # a marker that is no commitment
    {"reason": {"redacted": "0" * 64, "extra": 1}, "_salts": {}},
    ["not", "an", "object"],
])
def test_a_payload_that_cannot_match_is_refused_by_both(forged: Any) -> None:
    raw = json.dumps(forged).encode()
    with pytest.raises(ValueError):
        payload_digest(FIELD_COMMITTED, raw)
    assert payload_hash(2, raw) is None


def test_the_salts_differ_per_event_so_equal_values_do_not_show() -> None:
    """Two reviews giving the same reason commit to it differently: a commitment reveals nothing without its salt."""
    first = Event.committed("check.reviewed", {"reason": "yes"})
    second = Event.committed("check.reviewed", {"reason": "yes"})
    assert redact_fields(first.payload, {"reason"})["reason"] != redact_fields(second.payload, {"reason"})["reason"]
