"""Production protocols: named, saved settings (a logged event) that later productions reuse."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ledger.errors import FieldProblem, NotFound, ValidationFailed
from ledger.json_limits import MAX_EXACT_INTEGER
from ledger.exports.dat import DATE_FORMATS

if TYPE_CHECKING:
    from ledger.context import Clearance

PREFIX_PATTERN = re.compile(r"^[A-Z][A-Z0-9_-]{0,19}$")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
IMAGE_FORMATS = ("jpeg", "png", "none")
PRIVILEGE_HANDLING = ("log", "omit")
PRIVILEGE_LOG_MODES = ("document", "metadata", "categorical")
CONFIDENTIALITY = ("CONFIDENTIAL", "HIGHLY CONFIDENTIAL - ATTORNEYS' EYES ONLY", "NONE")


def _whole(value: object) -> bool:
    """An integer that is not a boolean (JSON ``true`` arrives as Python ``True``, an ``int``)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class ProtocolSettings:
    """How a production is made. ``fields`` empty means every flattened record field."""

    bates_prefix: str = "CLR"
    bates_start: int = 1
    bates_padding: int = 7
    confidentiality: str = "CONFIDENTIAL"
    image_format: str = "jpeg"
    natives: bool = False
    privilege_handling: str = "log"
    fields: list[str] = field(default_factory=list)
    date_format: str = "MM/DD/YYYY"
    """Dates in the DAT; times are ``HH:MM:SS``, in UTC (the ``TIMEZONE`` field says so)."""
    text: bool = True
    """A text rendering of each record (``TEXT/<BATES>.txt``, the DAT's ``TEXTPATH``)."""
    privilege_log: str = "document"
    """How withheld records are logged: ``document`` (a line each, described), ``metadata`` (a line each from
    metadata alone) or ``categorical`` (a line per category, counted)."""
    presigned_clips: bool = False
    """With ``natives``: a released clip's pre-signing file beside the signed file it was released as."""

    def __post_init__(self) -> None:
        problems = []
        if not PREFIX_PATTERN.match(self.bates_prefix):
            problems.append(FieldProblem("bates_prefix", "1-20 of A-Z 0-9 _ -, starting with a letter"))
        if not _whole(self.bates_start) or not 1 <= self.bates_start <= MAX_EXACT_INTEGER:
            problems.append(FieldProblem("bates_start", f"a whole number from 1 to {MAX_EXACT_INTEGER}"))
        if not _whole(self.bates_padding) or not 1 <= self.bates_padding <= 12:
            problems.append(FieldProblem("bates_padding", "1 to 12 digits"))
        if not isinstance(self.natives, bool):  # "no" would otherwise read as true
            problems.append(FieldProblem("natives", "true or false"))
        for name in ("text", "presigned_clips"):
            if not isinstance(getattr(self, name), bool):
                problems.append(FieldProblem(name, "true or false"))
        if self.date_format not in DATE_FORMATS:
            problems.append(FieldProblem("date_format", f"one of {', '.join(DATE_FORMATS)}"))
        if self.confidentiality not in CONFIDENTIALITY:
            problems.append(FieldProblem("confidentiality", f"one of {', '.join(CONFIDENTIALITY)}"))
        if self.image_format not in IMAGE_FORMATS:
            problems.append(FieldProblem("image_format", f"one of {', '.join(IMAGE_FORMATS)}"))
        if self.privilege_log not in PRIVILEGE_LOG_MODES:
            problems.append(FieldProblem("privilege_log", f"one of {', '.join(PRIVILEGE_LOG_MODES)}"))
        if self.privilege_handling not in PRIVILEGE_HANDLING:
            problems.append(FieldProblem("privilege_handling", f"one of {', '.join(PRIVILEGE_HANDLING)}"))
        if not isinstance(self.fields, list) or not all(isinstance(f, str) and f.startswith("F_")
                                                        for f in self.fields):
            problems.append(FieldProblem("fields", "a list of flattened field names (F_...)"))
        if problems:
            raise ValidationFailed("invalid production protocol", problems=problems)

    @classmethod
    def from_json(cls, data: dict[str, Any], base: ProtocolSettings | None = None) -> ProtocolSettings:
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValidationFailed("unknown protocol settings",
                                   problems=[FieldProblem(name, "not a protocol setting") for name in unknown])
        return replace(base or cls(), **{k: v for k, v in data.items() if v is not None})

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def bates(self, number: int) -> str:
        return f"{self.bates_prefix}{number:0{self.bates_padding}d}"


def save_protocol(ctx: Clearance, name: str, settings: ProtocolSettings, actor: str) -> dict[str, Any]:
    """Log ``export.protocol_saved``; a later save under the same name replaces the settings."""
    from ledger.log.events import Event

    if not NAME_PATTERN.match(name):
        raise ValidationFailed("invalid protocol name",
                               problems=[FieldProblem("name", "1-64 of letters, digits and _.-")])
    with ctx.db.transaction() as session:
        appended = ctx.record(session, [Event("export.protocol_saved", {"settings": settings.as_json()},
                                              "export_protocol", name, actor)])[0]
    return {"name": name, "settings": settings.as_json(), "log_index": appended.index}


def load_protocol(ctx: Clearance, name: str) -> ProtocolSettings:
    from ledger.exports.models import ExportProtocol

    with ctx.db.reader() as session:
        row = session.get(ExportProtocol, name)
        if row is None:
            raise NotFound(f"no production protocol named {name!r}", extra={"name": name})
        return ProtocolSettings.from_json(dict(row.settings))
