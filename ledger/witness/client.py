"""The log's side of C2SP ``tlog-witness``: submit a checkpoint to one witness and read its answer.

:func:`request_cosignature` posts ``add-checkpoint`` from the size the log believes the witness has
seen; on ``409`` it resubmits once from the size the witness names. It returns the cosignature lines
that verify with the witness's key, or raises :class:`WitnessUnavailable` saying why not.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable

from ledger.log.note import NoteError
from ledger.witness.cosignature import CosignerVerifier
from ledger.witness.wire import SIZE_CONTENT_TYPE, AddCheckpoint, SignedNote, parse_size


class WitnessUnavailable(Exception):
    """A witness did not cosign: unreachable, refused, or answered something that does not verify."""


def request_cosignature(url: str, verifier: CosignerVerifier, note: str, old_size: int,
                        proof_from: Callable[[int], list[bytes]], timeout_s: float) -> tuple[int, list[str]]:
    """(timestamp, cosignature lines) for ``note`` from the witness at ``url``."""
    checkpoint = SignedNote.parse(note)
    size = checkpoint.checkpoint.size
    for _attempt in range(4):  # each 409 names a larger size: other processes of the log cosigning meanwhile
        if old_size > size:
            raise WitnessUnavailable(f"the witness has cosigned size {old_size}, beyond this checkpoint's {size}")
        status, content_type, body = _post(url.rstrip("/") + "/add-checkpoint",
                                           AddCheckpoint(old_size, proof_from(old_size), note).render(), timeout_s)
        if status == 409 and content_type.split(";")[0].strip() == SIZE_CONTENT_TYPE:
            try:
                old_size = parse_size(body)
            except NoteError as exc:
                raise WitnessUnavailable(f"409 with an unreadable size: {exc}") from None
            continue
        if status != 200:
            raise WitnessUnavailable(f"HTTP {status}: {body.decode('utf-8', 'replace').strip()[:200]}")
        return _verified(body, verifier, checkpoint.text)
    raise WitnessUnavailable(f"the witness kept answering 409 (its size {old_size})")


def _verified(body: bytes, verifier: CosignerVerifier, text: str) -> tuple[int, list[str]]:
    lines, timestamp = [], 0
    for line in body.decode("utf-8", "replace").splitlines():
        try:
            stamp = verifier.verify_line(line, text)
        except NoteError as exc:
            raise WitnessUnavailable(f"its cosignature does not verify: {exc}") from None
        if stamp is not None:
            lines.append(line)
            timestamp = max(timestamp, stamp)
    if not lines:
        raise WitnessUnavailable("its answer carries no cosignature by its configured key")
    return timestamp, lines


def _post(url: str, body: bytes, timeout_s: float) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (configured witness URL)
            return response.status, response.headers.get("Content-Type", ""), response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read(64 * 1024)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WitnessUnavailable(f"unreachable: {reason}") from None
