"""API keys: ``clr_<id>_<secret>``. Only SHA-256 of the secret is stored (and logged);
the secret is 256 random bits, so the hash reveals nothing useful."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlmodel import col, select

from ledger.context import Clearance, Receipt
from ledger.errors import Conflict, NotFound, Unauthorized, ValidationFailed, FieldProblem
from ledger.log.events import Event
from ledger.records.enums import Role
from ledger.records.models import ApiKey

PREFIX = "clr"


@dataclass(frozen=True)
class Caller:
    key_id: str
    role: Role
    name: str = ""
    """The key's label, or its id when it has none: how a reviewer is named on a decision."""

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(ctx: Clearance, role: str, label: str | None = None, actor: str = "cli") -> tuple[str, ApiKey]:
    """Create a key; return the full key text (shown once) and its stored record (``log_index`` set)."""
    try:
        role_value = Role(role)
    except ValueError:
        raise ValidationFailed("unknown role", problems=[FieldProblem("role", f"one of {', '.join(r.value for r in Role)}")]) from None
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    payload = {"role": role_value.value, "label": label, "secret_sha256": _digest(secret)}
    with ctx.db.transaction() as session:
        ctx.record(session, [Event("apikey.created", payload, "api_key", key_id, actor)])
        row = session.get(ApiKey, key_id)
    assert row is not None  # the projection of apikey.created just wrote it, in this transaction
    return f"{PREFIX}_{key_id}_{secret}", row


def revoke_key(ctx: Clearance, key_id: str, actor: str = "cli") -> Receipt:
    with ctx.db.transaction() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise NotFound(f"no API key {key_id!r}")
        if row.revoked_at is not None:
            raise Conflict(f"API key {key_id!r} is already revoked")
        appended = ctx.record(session, [Event("apikey.revoked", {}, "api_key", key_id, actor)])[0]
    return ctx.receipt(appended)


def list_keys(ctx: Clearance) -> list[ApiKey]:
    with ctx.db.reader() as session:
        return list(session.exec(select(ApiKey).order_by(col(ApiKey.log_index))).all())


KEY_ID = re.compile(r"^[0-9a-f]{12}$")


def key_id_of(presented: str | None) -> str | None:
    """The key id a presented key names (``clr_<id>_<secret>``), if it is well formed; else None."""
    parts = (presented or "").strip().split("_", 2)
    if len(parts) == 3 and parts[0] == PREFIX and KEY_ID.match(parts[1]):
        return parts[1]
    return None


def authenticate(ctx: Clearance, presented: str | None) -> Caller:
    """Resolve a presented key to its caller, or raise Unauthorized (never echoing the key)."""
    if not presented:
        raise Unauthorized("an API key is required (Authorization: Bearer <key> or X-API-Key)")
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise Unauthorized("the API key is malformed")
    row = _key_row(ctx, parts[1])
    if row is None or row[3] is not None or not hmac.compare_digest(row[2], _digest(parts[2])):
        raise Unauthorized("the API key is unknown or revoked")
    key_id, role, label = row[0], row[1], row[4]
    return Caller(key_id, Role(role), label or key_id)


_KEY_ROW = {dialect: f"SELECT id, role, secret_sha256, revoked_at, label FROM api_keys WHERE id = {mark}"
            for dialect, mark in (("sqlite", "?"), ("postgresql", "%s"))}


def _key_row(ctx: Clearance, key_id: str) -> tuple[str, str, str, object, str | None] | None:
    """The key's id, role, secret hash, revocation time and label, read straight through the driver: every
    request authenticates, and this one fixed statement is where the ORM cost most (a tenth of a write)."""
    with ctx.db.driver_reader() as (driver, dialect):
        cursor = driver.cursor()
        cursor.execute(_KEY_ROW[dialect], (key_id,))
        row: tuple[str, str, str, object, str | None] | None = cursor.fetchone()
    return row
