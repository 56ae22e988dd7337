"""The checkpoint a production or receipt carries: signed, cosigned as far as the witnesses answer, and
(when a timestamp authority is configured) with its RFC 3161 token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.errors import Conflict
from ledger.log.note import Checkpoint
from ledger.witness import records
from ledger.witness.cosigning import cosigned_note
from ledger.witness.vouching import Vouching, check_cosignatures
from ledger.witness.wire import SignedNote

if TYPE_CHECKING:
    from ledger.context import Clearance


class QuorumNotMet(Conflict):
    """The witness policy requires a quorum of cosignatures that the checkpoint does not have yet."""

    title = "Witness quorum not met"
    slug = "witness-quorum"


@dataclass(frozen=True)
class VouchedCheckpoint:
    note: str
    """The checkpoint note with the log's signature and every stored cosignature."""
    checkpoint: Checkpoint
    timestamp_token: bytes | None
    """The DER RFC 3161 TimeStampResp over the checkpoint body, if one was obtained."""
    vouching: Vouching | None


def vouched_checkpoint(ctx: Clearance, require_quorum: bool = False) -> VouchedCheckpoint:
    """Sign the head, ask the witnesses (and the timestamp authority) now, and return what they vouched.

    ``require_quorum``: raise :class:`QuorumNotMet`, naming the witnesses missing and why, unless the
    witness policy's quorum cosigned it."""
    note = ctx.checkpoint()
    cosigner = ctx.cosigner
    if cosigner is not None:
        gathered = cosigner.cosign_latest()
        if gathered is not None:
            note = gathered.note
    size = SignedNote.parse(note).checkpoint.size
    with ctx.log_reader() as conn:
        note = cosigned_note(note, records.cosignatures(conn, size))
        token = records.timestamp_token(conn, size)
    parsed = SignedNote.parse(note)
    policy = ctx.witness_policy
    vouching = None if policy is None else check_cosignatures(note, policy)
    if require_quorum and vouching is not None and not vouching.quorum_met:
        missing = [] if cosigner is None else [f"{name}: {why}" for name, why in
                                               sorted(cosigner.gathered(size, note).missing.items())]
        raise QuorumNotMet(f"{vouching.sentence()}; the witness policy requires its quorum before a production "
                           "leaves (CLEARANCE_EXPORT_REQUIRES_QUORUM). Missing: " + ("; ".join(missing) or "none"))
    return VouchedCheckpoint(note, parsed.checkpoint, token, vouching)


def stored_cosigned_checkpoint(ctx: Clearance) -> str:
    """The latest checkpoint (signed now if entries were added) with the cosignatures stored for it so far,
    without waiting for any witness (they are asked in the background)."""
    note = ctx.checkpoint()
    size = SignedNote.parse(note).checkpoint.size
    with ctx.log_reader() as conn:
        return cosigned_note(note, records.cosignatures(conn, size))
