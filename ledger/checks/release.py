"""The release use case: check a clip and, when it passes, sign it. The CLI and the API both call this."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.checks.request import CheckRequest
from ledger.checks.service import CheckOutcome, Matcher, check_clip
from ledger.context import Clearance
from ledger.media_store import safe_suffix
from ledger.signing import DisclosureIncomplete, sign_check

SignedPath = Callable[[str], Path]
"""Where the signed clip of a check goes, given the check id."""


def signed_store_path(ctx: Clearance, filename: str) -> SignedPath:
    """Signed clips kept by the server: ``$CLEARANCE_HOME/signed/<check id><suffix>`` (the id is ours, not the caller's)."""
    suffix = safe_suffix(filename)

    def path(check_id: str) -> Path:
        return ctx.settings.home / "signed" / f"{check_id}{suffix}"

    return path


def sign_into(ctx: Clearance, check_id: str, out: Path, actor: str) -> dict[str, Any]:
    """Sign a releasable check's clip into ``out`` (its folder is made) and log ``clip.signed``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return sign_check(ctx, check_id, out, actor)


def release(ctx: Clearance, request: CheckRequest, data: bytes, filename: str, actor: str,
            sign_to: SignedPath | None, matcher: Matcher | None = None) -> CheckOutcome:
    """Check a clip; when it passes and ``sign_to`` says where, sign it there. The outcome carries both.

    A passed clip whose AI disclosure lacks a field the law requires is left unsigned: the outcome
    keeps the decided check and says why (``signing_refused``), and signing it later is refused the same
    way until the settings or records supply the field.
    """
    outcome = check_clip(ctx, request, data, filename, actor, matcher)
    if outcome.verdict == "pass" and sign_to is not None:
        try:
            outcome.signed = sign_into(ctx, outcome.check["id"], sign_to(outcome.check["id"]), actor)
        except DisclosureIncomplete as refused:
            outcome.signing_refused = refused.problem_details()
    return outcome
