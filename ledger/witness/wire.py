"""The ``add-checkpoint`` request of C2SP ``tlog-witness``: ``old <size>``, proof lines, a blank line, a note.

Also the split of a signed note into its text and signature lines, which both sides need.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from ledger.log.note import SIGNATURE_PREFIX, Checkpoint, NoteError

MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"


def _decimal(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit() or (text.startswith("0") and text != "0"):
        raise NoteError(f"{what} {text[:30]!r} is not a decimal number without leading zeroes")
    return int(text)


@dataclass(frozen=True)
class SignedNote:
    """A note cut at its blank line: the signed text (ending in a newline) and its signature lines."""

    text: str
    signatures: tuple[str, ...]

    @classmethod
    def parse(cls, note: str) -> SignedNote:
        text, sep, rest = note.partition("\n\n")
        if not sep or not rest.endswith("\n"):
            raise NoteError("note needs its text, a blank line and signature lines each ending in a newline")
        lines = tuple(rest[:-1].split("\n"))
        if not lines or any(not line.startswith(SIGNATURE_PREFIX) for line in lines):
            raise NoteError("every line after a note's blank line must be a signature line")
        return cls(text + "\n", lines)

    @property
    def checkpoint(self) -> Checkpoint:
        return Checkpoint.parse(self.text)

    def render(self) -> str:
        return self.text + "\n" + "".join(line + "\n" for line in self.signatures)

    def with_signatures(self, lines: list[str]) -> SignedNote:
        """This note with ``lines`` added (each once, order kept)."""
        seen = list(self.signatures)
        for line in lines:
            line = line.rstrip("\n")
            if line not in seen:
                seen.append(line)
        return SignedNote(self.text, tuple(seen))


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: list[bytes]
    note: str

    def render(self) -> bytes:
        lines = [f"old {self.old_size}", *(base64.b64encode(h).decode() for h in self.proof)]
        return ("\n".join(lines) + "\n\n" + self.note).encode()

    @classmethod
    def parse(cls, body: bytes) -> AddCheckpoint:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("request body is not UTF-8") from exc
        head, sep, note = text.partition("\n\n")
        if not sep:
            raise NoteError("request body needs an old size line, proof lines, a blank line and a checkpoint")
        lines = head.split("\n")
        if not lines[0].startswith("old "):
            raise NoteError("request body must start with 'old <size>'")
        old = _decimal(lines[0][4:], "old size")
        if len(lines) - 1 > MAX_PROOF_LINES:
            raise NoteError(f"more than {MAX_PROOF_LINES} consistency proof lines")
        proof = []
        for line in lines[1:]:
            try:
                proof.append(base64.b64decode(line, validate=True))
            except ValueError as exc:
                raise NoteError("consistency proof line is not base64") from exc
            if len(proof[-1]) != 32:
                raise NoteError("consistency proof line is not a SHA-256 hash")
        return cls(old, proof, note)


def render_size(size: int) -> bytes:
    return f"{size}\n".encode()


def parse_size(body: bytes) -> int:
    text = body.decode("ascii", "replace")
    if not text.endswith("\n"):
        raise NoteError("a text/x.tlog.size body must end in a newline")
    return _decimal(text[:-1], "witness size")
