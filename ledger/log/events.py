"""Events and the bytes a leaf commits to.

A leaf is the RFC 8785 canonical JSON of an *envelope*: its index, event type,
time, actor, subject and the SHA-256 of the payload. The payload (the record's
fields) is stored beside the leaf, so it can be redacted while the leaf, and
therefore the tree, stays intact.

Envelope version 1 commits to the payload as a whole: ``payload_sha256`` is the
SHA-256 of its canonical bytes. Version 2 (events made with :meth:`Event.committed`)
commits to each top-level field apart: the payload carries a random 128-bit salt
per field under ``_salts``, each field's commitment is the SHA-256 of the canonical
``[salt, name, value]``, and ``payload_sha256`` is the SHA-256 of the canonical
object of commitments. A production can then show the payload with one field
replaced by ``{"redacted": <its commitment>}`` (and its salt left out), and anyone
can still check it against the leaf, while the salt keeps a short value (a yes, a
name) from being found by hashing guesses.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import rfc8785

ENVELOPE_VERSION = 1
FIELD_COMMITTED = 2
"""The envelope version whose ``payload_sha256`` commits to each top-level payload field (see above)."""
SALTS = "_salts"
REDACTED = "redacted"


_MAX_SAFE_INT = 2**53 - 1
# The C encoder writes exactly RFC 8785's bytes for the values ``_plain`` accepts: the same escapes
# (\b \f \n \r \t \" \\ and \u00xx, lower-case hex, for the other control characters), every other
# character as itself in UTF-8, and keys sorted by code point, which is UTF-16 code-unit order as
# long as no key holds a character above U+FFFF.
_encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                            allow_nan=False, check_circular=False)
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)  # undeclared in typeshed: the C accelerator
if _c_make_encoder is not None:
    # What JSONEncoder.encode builds on every call, built once: (markers, default, encoder, indent,
    # key separator, item separator, sort_keys, skipkeys, allow_nan).
    _c_iterencode = _c_make_encoder(None, _encoder.default, json.encoder.encode_basestring, None,
                                                ":", ",", True, False, False)

    def _fast_dumps(value: Any) -> str:
        return "".join(_c_iterencode(value, 0))
else:  # pragma: no cover  (CPython always has the C encoder)
    def _fast_dumps(value: Any) -> str:
        return _encoder.encode(value)
_json_str = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept (C implementation)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _plain(value: Any) -> bool:
    """True when ``value`` holds only dicts with str keys, lists, str, bool, None and safe ints (exact types).

    The scalar tests are written out in both loops on purpose: this runs for every
    payload on the append path, and a function call per value cost measurable throughput.
    """
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (not key.isascii() and _ASTRAL.search(key)):
                return False
            kind = type(item)
            if kind is str or item is None or kind is bool:
                continue
            if kind is int:
                if -_MAX_SAFE_INT <= item <= _MAX_SAFE_INT:
                    continue
                return False
            if not _plain(item):
                return False
        return True
    if kind is list:
        for item in value:
            kind = type(item)
            if kind is str or item is None or kind is bool:
                continue
            if kind is int:
                if -_MAX_SAFE_INT <= item <= _MAX_SAFE_INT:
                    continue
                return False
            if not _plain(item):
                return False
        return True
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return bool(-_MAX_SAFE_INT <= value <= _MAX_SAFE_INT)
    return False  # floats, tuples, subclasses, anything else: the reference implementation decides


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes.

    Values made only of dicts, lists, strings, booleans, null and integers within +/-(2**53 - 1) go
    through Python's C JSON encoder, whose output is byte-identical for them (checked against
    ``rfc8785.dumps`` by tests/ledger/log/test_canonical.py); everything else, and any string with a
    lone surrogate, goes through ``rfc8785``, which also raises its errors.
    """
    if _plain(value):
        try:
            return _fast_dumps(value).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: let rfc8785 raise its own error
            pass
    return rfc8785.dumps(value)


def field_commitment(salt: str, name: str, value: Any) -> str:
    return hashlib.sha256(canonical([salt, name, value])).hexdigest()


def _is_commitment(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def fields_digest(payload: Any) -> str:
    """``payload_sha256`` of a version-2 envelope: from each field's salt and value, or its redaction marker.

    Raises ValueError when the payload is not an object, a salt is not a string, or a field has
    neither a salt nor a well-formed ``{"redacted": <64 hex>}`` marker."""
    if not isinstance(payload, dict) or not isinstance(payload.get(SALTS, {}), dict):
        raise ValueError("a field-committed payload is an object with an object of salts")
    salts = payload.get(SALTS, {})
    commitments = {}
    for name, value in payload.items():
        if name == SALTS:
            continue
        salt = salts.get(name)
        if isinstance(salt, str):
            commitments[name] = field_commitment(salt, name, value)
        elif isinstance(value, dict) and list(value) == [REDACTED] and _is_commitment(value[REDACTED]):
            commitments[name] = value[REDACTED]
        else:
            raise ValueError(f"field {name!r} has neither a salt nor a redaction marker")
    return hashlib.sha256(canonical(commitments)).hexdigest()


def payload_digest(version: int, payload: bytes) -> str:
    """What a leaf of envelope ``version`` says ``payload_sha256`` is for these payload bytes (ValueError if none)."""
    if version == FIELD_COMMITTED:
        return fields_digest(json.loads(payload))
    return hashlib.sha256(payload).hexdigest()


def redact_fields(payload: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """A version-2 payload with each of ``names`` replaced by its commitment and its salt dropped."""
    salts = dict(payload.get(SALTS) or {})
    shown = {}
    for name, value in payload.items():
        if name in names and name != SALTS and isinstance(salts.get(name), str):
            shown[name] = {REDACTED: field_commitment(salts.pop(name), name, value)}
        elif name != SALTS:
            shown[name] = value
    shown[SALTS] = salts
    return shown


_second_prefix: list[Any] = [None, ""]  # [UNIX second, its "YYYY-MM-DDTHH:MM:SS." text]


def now_text() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

    The same text as ``datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")`` (same clock, microseconds
    truncated the same way), with the date and time of day formatted once per second.
    """
    micros = time.time_ns() // 1000
    second, micro = divmod(micros, 1_000_000)
    cached = _second_prefix
    if cached[0] != second:
        cached[1] = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        cached[0] = second
    return f"{cached[1]}{micro:06d}Z"


@dataclass(frozen=True)
class Event:
    """An event before it is appended: what happened, to which record, with which payload."""

    type: str
    payload: dict[str, Any]
    subject_kind: str | None = None
    subject_id: str | None = None
    actor: str = "system"
    fields_committed: bool = False
    """Logged with envelope version 2: the payload holds a salt per field (:meth:`committed`)."""

    @classmethod
    def committed(cls, type: str, payload: dict[str, Any], subject_kind: str | None = None,
                  subject_id: str | None = None, actor: str = "system") -> Event:
        """An event whose leaf commits to each top-level field apart, so a field can later be produced redacted."""
        salts = {name: base64.b64encode(secrets.token_bytes(16)).decode() for name in payload if name != SALTS}
        return cls(type, {**payload, SALTS: salts}, subject_kind, subject_id, actor, True)

    def payload_bytes(self) -> bytes:
        return canonical(self.payload)

    def payload_sha256(self, payload: bytes) -> str:
        return fields_digest(self.payload) if self.fields_committed else hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True)
class Envelope:
    """The parsed content of a leaf."""

    index: int
    type: str
    time: str
    actor: str
    subject_kind: str | None
    subject_id: str | None
    payload_sha256: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    version: int = ENVELOPE_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "v": self.version,
            "index": self.index,
            "type": self.type,
            "time": self.time,
            "actor": self.actor,
            "subject": {"kind": self.subject_kind, "id": self.subject_id},
            "payload_sha256": self.payload_sha256,
        }

    def leaf_bytes(self) -> bytes:
        """``canonical(self.to_json())``; the common case is written directly, in RFC 8785 key order."""
        index, kind, sid = self.index, self.subject_kind, self.subject_id
        if (type(index) is int and type(self.version) is int and -_MAX_SAFE_INT <= index <= _MAX_SAFE_INT and type(self.type) is str
                and type(self.time) is str and type(self.actor) is str and type(self.payload_sha256) is str
                and (kind is None or type(kind) is str) and (sid is None or type(sid) is str)):
            text = (f'{{"actor":{_json_str(self.actor)},"index":{index},'
                    f'"payload_sha256":{_json_str(self.payload_sha256)},'
                    f'"subject":{{"id":{"null" if sid is None else _json_str(sid)},'
                    f'"kind":{"null" if kind is None else _json_str(kind)}}},'
                    f'"time":{_json_str(self.time)},"type":{_json_str(self.type)},"v":{self.version}}}')
            try:
                return text.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: the reference implementation raises
                pass
        return canonical(self.to_json())

    @classmethod
    def for_event(cls, index: int, event: Event, payload: bytes, time: str | None = None) -> Envelope:
        if cls is not Envelope or event.fields_committed:
            return cls(index, event.type, time or now_text(), event.actor, event.subject_kind,
                       event.subject_id, event.payload_sha256(payload),
                       version=FIELD_COMMITTED if event.fields_committed else ENVELOPE_VERSION)
        # What the generated __init__ does, without one object.__setattr__ per field (appends build
        # one envelope per event).
        envelope = object.__new__(Envelope)
        envelope.__dict__.update(index=index, type=event.type, time=time or now_text(), actor=event.actor,
                                 subject_kind=event.subject_kind, subject_id=event.subject_id,
                                 payload_sha256=hashlib.sha256(payload).hexdigest(), raw={},
                                 version=ENVELOPE_VERSION)
        return envelope

    @classmethod
    def parse(cls, leaf: bytes) -> Envelope:
        """Parse leaf bytes; raise ValueError when they are not a canonical envelope."""
        data = json.loads(leaf)
        if canonical(data) != leaf:
            raise ValueError("leaf is not canonical JSON")
        version = data.get("v")
        if type(version) is not int or version not in (ENVELOPE_VERSION, FIELD_COMMITTED):
            raise ValueError(f"unknown envelope version {version!r}")
        subject = data.get("subject") or {}
        return cls(int(data["index"]), str(data["type"]), str(data["time"]), str(data["actor"]),
                   subject.get("kind"), subject.get("id"), str(data["payload_sha256"]), data, version)
