"""The table of stored fingerprint sets (one per registered file)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, SQLModel


class FingerprintSet(SQLModel, table=True):
    """Fingerprints of one file for one owner (an asset, or a person's likeness reference).

    ``data`` is zlib-compressed JSON from ``MediaFingerprints.to_dict``. It is
    not in the log: the ``fingerprints.added`` event commits to ``data_sha256``
    (of the compressed bytes), and ``log verify`` checks the two agree. For a
    person the data are face templates, personal data that ``erase`` removes.
    """

    __tablename__ = "fingerprint_sets"
    id: str = Field(primary_key=True)
    owner_kind: str = Field(index=True)
    owner_id: str = Field(index=True)
    media_sha256: str = Field(index=True)
    purpose: str
    frames: int
    faces: int
    channels_ran: list[str] = Field(default_factory=list, sa_type=JSON)
    data_sha256: str
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    log_index: int
    erased: bool = False
    erasure_reason: str | None = None


REPLAY_EXCLUDED_COLUMNS = {"fingerprint_sets": {"data"}}
