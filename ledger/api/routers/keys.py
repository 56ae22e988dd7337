"""API key management (admin only). A key's secret is returned once, at creation."""


from fastapi import APIRouter, Depends

from ledger.api.schemas.common import RequestBody
from ledger.api.deps import ADMINS, get_ctx, require
from ledger.api.pagination import Page, cursor_query, limit_query, page, position
from ledger.api.schemas import KeyCreated, KeyInfo, KeyRevoked
from ledger.auth import keys
from ledger.auth.keys import Caller
from ledger.context import Clearance
from ledger.records.enums import Role

router = APIRouter(prefix="/keys", tags=["keys"])
admin = require(*ADMINS)


class KeyRequest(RequestBody):
    role: Role
    label: str | None = None


@router.post("", status_code=201, summary="Create an API key (the secret is shown only in this response)")
def create(body: KeyRequest, ctx: Clearance = Depends(get_ctx), caller: Caller = Depends(admin)) -> KeyCreated:
    text, row = keys.create_key(ctx, body.role.value, body.label, caller.actor)
    return KeyCreated.model_validate({"id": row.id, "role": row.role, "label": row.label, "key": text,
                                      "log": ctx.receipt_for(row.log_index).as_json()})


@router.get("", summary="List API keys (never their secrets)")
def list_keys(limit: int = limit_query(), cursor: str | None = cursor_query(), ctx: Clearance = Depends(get_ctx),
              _: Caller = Depends(admin)) -> Page[KeyInfo]:
    every = keys.list_keys(ctx)  # a handful per installation: counted and sliced here
    start = position(cursor)
    items = [KeyInfo(id=k.id, role=k.role, label=k.label, revoked=k.revoked_at is not None)
             for k in every[start:start + limit]]
    return page(items, start, limit, len(every))


@router.post("/{key_id}/revoke", summary="Revoke an API key")
def revoke(key_id: str, ctx: Clearance = Depends(get_ctx), caller: Caller = Depends(admin)) -> KeyRevoked:
    receipt = keys.revoke_key(ctx, key_id, caller.actor)
    return KeyRevoked.model_validate({"id": key_id, "revoked": True, "log": receipt.as_json()})
