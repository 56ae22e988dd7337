"""The witness side of C2SP ``tlog-witness`` ``add-checkpoint``, without HTTP.

:meth:`Witness.add_checkpoint` takes a request body and returns the status, content type and body
the specification prescribes: 404 unknown origin, 403 no valid signature by a trusted key, 400
malformed or an old size beyond the checkpoint, 409 (``text/x.tlog.size``) an old size that is not
the witness's latest, 422 a proof or root that does not hold; else 200 with the cosignature line,
sent only after the new checkpoint is persisted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ledger.log import merkle
from ledger.log.note import Checkpoint, NoteError, Verifier
from ledger.witness.cosignature import CosignerKey, split_signature_line
from ledger.witness.state import WitnessState
from ledger.witness.wire import SIZE_CONTENT_TYPE, AddCheckpoint, SignedNote, render_size

logger = logging.getLogger("clearance.witness")
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def _text(status: int, message: str) -> Answer:
    return Answer(status, TEXT, (message + "\n").encode())


class Witness:
    """One witness key, the logs it trusts (by origin) and its state folder."""

    def __init__(self, key: CosignerKey, logs: Iterable[Verifier], state: WitnessState,
                 clock: Callable[[], float] = time.time) -> None:
        self.key = key
        self.logs: dict[str, list[Verifier]] = {}
        for log in logs:
            self.logs.setdefault(log.name, []).append(log)
        self.state = state
        self._clock = clock

    def add_checkpoint(self, body: bytes) -> Answer:
        try:
            request = AddCheckpoint.parse(body)
            note = SignedNote.parse(request.note)
            checkpoint = note.checkpoint
            for line in note.signatures:
                split_signature_line(line)
        except NoteError as exc:
            return _text(400, f"malformed request: {exc}")
        trusted = self.logs.get(checkpoint.origin)
        if trusted is None:
            return _text(404, f"unknown log origin {checkpoint.origin!r}")
        try:
            log_signatures = _verified_signatures(note, trusted)
        except NoteError as exc:
            return _text(403, str(exc))
        if not log_signatures:
            return _text(403, "the checkpoint carries no signature by a key this witness trusts for its origin")
        if request.old_size > checkpoint.size:
            return _text(400, f"old size {request.old_size} is larger than the checkpoint size {checkpoint.size}")
        if checkpoint.size == 0 and checkpoint.root != merkle.EMPTY_ROOT:
            return _text(422, "a checkpoint of size 0 must have the empty tree's root")
        with self.state.locked():
            latest_size, latest_root = self.state.latest(checkpoint.origin)
            if request.old_size != latest_size:
                return Answer(409, SIZE_CONTENT_TYPE, render_size(latest_size))
            problem = _inconsistency(request, checkpoint, latest_root)
            if problem:
                logger.warning("witness refused checkpoint %s of %s: %s", checkpoint.size, checkpoint.origin, problem)
                return _text(422, problem)
            cosignature = self.key.cosign(note.text, max(1, int(self._clock())))
            self.state.save(checkpoint.origin, SignedNote(note.text, (*log_signatures, cosignature.rstrip("\n"))))
        return Answer(200, TEXT, cosignature.encode())

    def monitoring_checkpoint(self, hex_hash: str) -> Answer:
        note = self.state.note_by_hash(hex_hash)
        return _text(404, "this witness has cosigned no checkpoint of that log") if note is None \
            else Answer(200, TEXT, note.encode())


def _verified_signatures(note: SignedNote, trusted: list[Verifier]) -> list[str]:
    """The note's lines that trusted keys made, each verified; NoteError if one of them fails."""
    valid = []
    for line in note.signatures:
        name, blob = split_signature_line(line)
        for log in trusted:
            if name == log.name and blob[:4] == log.key_id:
                try:
                    log.public_key.verify(blob[4:], note.text.encode())
                except Exception as exc:  # cryptography's InvalidSignature
                    raise NoteError(f"the signature by {name} does not verify") from exc
                valid.append(line)
    return valid


def _inconsistency(request: AddCheckpoint, checkpoint: Checkpoint, latest_root: bytes) -> str | None:
    """Why the checkpoint is not consistent with the witness's latest (of size ``request.old_size``)."""
    if request.old_size == 0:
        return "a consistency proof from size 0 must be empty" if request.proof else None
    try:
        merkle.verify_consistency(request.old_size, checkpoint.size, latest_root, checkpoint.root, request.proof)
    except merkle.ProofError as exc:
        return f"not consistent with the checkpoint of size {request.old_size} this witness cosigned: {exc}"
    return None
