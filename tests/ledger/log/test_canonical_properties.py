"""Randomised check: the fast canonical JSON paths equal rfc8785.dumps (bytes, or the error raised)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ledger.log.events import Envelope  # noqa: E402
from tests.ledger.log.test_canonical import ours, reference  # noqa: E402

MAX_SAFE = 2**53 - 1

# Every code point, lone surrogates included; and a small alphabet that hits the escapes and the
# characters where UTF-16 and code-point order differ (U+E000..U+FFFF sort after astral characters
# in UTF-16, before them by code point).
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
tricky_char = st.sampled_from(
    [chr(c) for c in range(0x20)] + ['"', "\\", "/", "\x7f", "\x80", "\u00e9", "\u2028", "\u2029", "\ud7ff",
                                    "\ue000", "\uffff", "\ufeff", "\U00010000", "\U0001f600", "\U0010ffff",
                                    "\ud800", "\udfff", "a", "A", "0", " "])
texts = st.one_of(st.text(any_char, max_size=12), st.text(tricky_char, max_size=8), st.text(max_size=20))
ints = st.one_of(st.integers(-MAX_SAFE, MAX_SAFE), st.integers(-(2**64), 2**64),
                 st.sampled_from([MAX_SAFE, -MAX_SAFE, MAX_SAFE + 1, -MAX_SAFE - 1, 0, -1]))
scalars = st.one_of(st.none(), st.booleans(), ints, texts,
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 1e21, 1e-7, 5e-324]))
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=6), st.dictionaries(texts, children, max_size=6),
                               st.tuples(children, children)),
    max_leaves=40)
# Values the fast path takes: no floats, tuples or unsafe integers.
plain_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-MAX_SAFE, MAX_SAFE), texts),
    lambda children: st.one_of(st.lists(children, max_size=6), st.dictionaries(texts, children, max_size=6)),
    max_leaves=60)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_canonical_equals_rfc8785_for_any_json_value(value: Any) -> None:
    assert ours(value) == reference(value)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_values)
def test_canonical_equals_rfc8785_for_plain_values(value: Any) -> None:
    assert ours(value) == reference(value)


@settings(max_examples=800, deadline=None)
@given(st.dictionaries(st.text(tricky_char, max_size=4), st.integers(-3, 3), max_size=12))
def test_key_order_is_utf16_code_unit_order(value: dict[str, int]) -> None:
    assert ours(value) == reference(value)


identifiers = st.one_of(st.none(), texts)


@settings(max_examples=800, deadline=None)
@given(st.integers(0, MAX_SAFE + 5), texts, texts, texts, identifiers, identifiers, texts)
def test_envelope_leaf_bytes_equal_reference(index: int, type_: str, time: str, actor: str, kind: str | None,
                                             sid: str | None, sha: str) -> None:
    envelope = Envelope(index, type_, time, actor, kind, sid, sha)
    expected = reference(envelope.to_json())
    try:
        got: tuple[str, Any] = ("ok", envelope.leaf_bytes())
    except Exception as exc:  # noqa: BLE001
        got = ("error", type(exc))
    assert got == expected


