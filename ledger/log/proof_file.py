"""C2SP ``tlog-proof@v1`` files: an entry's inclusion proof bundled with a checkpoint."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from ledger.log import merkle
from ledger.log.note import Checkpoint, NoteError, Verifier, open_checkpoint

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class ProofFile:
    index: int
    proof: list[bytes]
    checkpoint_note: str
    extra: bytes | None = None

    def render(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append(f"extra {base64.b64encode(self.extra).decode()}")
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.proof)
        return "\n".join(lines) + "\n\n" + self.checkpoint_note

    @classmethod
    def parse(cls, text: str) -> ProofFile:
        head, sep, note = text.partition("\n\n")
        if not sep:
            raise NoteError("proof file has no checkpoint after its blank line")
        lines = head.split("\n")
        if lines[0] != HEADER:
            raise NoteError(f"proof file must start with {HEADER!r}")
        extra = None
        pos = 1
        if pos < len(lines) and lines[pos].startswith("extra "):
            extra = base64.b64decode(lines[pos][6:], validate=True)
            pos += 1
        if pos >= len(lines) or not lines[pos].startswith("index "):
            raise NoteError("proof file has no 'index N' line")
        index_text = lines[pos][6:]
        if not index_text.isdigit():
            raise NoteError(f"proof file index {index_text!r} is not a number")
        try:
            proof = [base64.b64decode(line, validate=True) for line in lines[pos + 1:]]
        except ValueError as exc:
            raise NoteError("proof file hash line is not base64") from exc
        return cls(int(index_text), proof, note, extra)

    def verify(self, entry: bytes, verifier: Verifier) -> Checkpoint:
        """Check that ``entry`` (the leaf bytes) is in the signed checkpoint; return the checkpoint."""
        checkpoint = open_checkpoint(self.checkpoint_note, verifier)
        merkle.verify_inclusion(self.index, checkpoint.size, merkle.leaf_hash(entry), self.proof, checkpoint.root)
        return checkpoint
