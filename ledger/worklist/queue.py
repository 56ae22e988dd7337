"""The pending checks a team works through: filtered, sorted, with age, release date, service and assignee.

The light columns of every pending check are read in one query (not evidence or
manifests); filters on the JSON columns (policy, channel) and the sort run here, so
they behave the same on SQLite and PostgreSQL. A check's policies, channels and
decision time are decoded once per process (they never change once decided).
``benchmarks/review_queue.py`` measures the read with thousands of checks waiting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from ledger.checks.models import Check, Clip
from ledger.context import Clearance
from ledger.log.events import Envelope
from ledger.log.tables import LogEntry
from ledger.worklist.criteria import Criteria
from ledger.worklist.models import ReviewAssignment


@dataclass(frozen=True)
class QueueRow:
    """One pending check as the queue lists it."""

    check_id: str
    log_index: int
    decided_at: datetime
    clip_id: str
    filename: str
    service: str
    project: str
    release_date: date
    policies: tuple[str, ...]
    sentences: tuple[str, ...]
    """Each policy's sentence, in the same order."""
    channels: tuple[str, ...]
    assignee_key_id: str | None
    assignee_name: str | None

    def age_s(self, now: datetime) -> int:
        return max(0, int((now - self.decided_at).total_seconds()))

    def as_json(self, now: datetime) -> dict[str, Any]:
        return {"check_id": self.check_id, "log_index": self.log_index, "decided_at": self.decided_at.isoformat(),
                "age_s": self.age_s(now), "clip_id": self.clip_id, "filename": self.filename,
                "service": self.service, "project": self.project, "release_date": self.release_date.isoformat(),
                "policies": list(self.policies),
                "reasons": [{"policy_id": p, "sentence": t} for p, t in zip(self.policies, self.sentences)],
                "channels": list(self.channels),
                "assignee": ({"key_id": self.assignee_key_id, "name": self.assignee_name}
                             if self.assignee_key_id else None)}


@dataclass(frozen=True)
class QueueView:
    total_pending: int
    rows: list[QueueRow]
    """Every pending check the criteria select, in the criteria's order."""
    facets: dict[str, list[str]] = field(default_factory=dict)
    """The values found among all pending checks, per filter (services, projects, policies, channels)."""


def _channels(matches: list[dict[str, Any]]) -> tuple[str, ...]:
    found = {str(m["channel"]) for m in matches if m.get("channel")}
    return tuple(sorted(found)) or ("request",)  # no frame matched: the request (prompt, declarations) did


_TIME = re.compile(rb',"time":"([^"]+)"')
"""The envelope's time in a leaf (canonical JSON, keys sorted: an escaped quote inside a string never matches)."""
_FACTS: dict[tuple[str, int], tuple[datetime, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
"""Per (check id, log index): decided time, policies, their sentences, channels. A decided check's entry and
reasons never change, so they are decoded once per process rather than on every queue read."""
_FACTS_LIMIT = 200_000
_CHUNK = 500


def _facts(session: Session, wanted: list[tuple[str, int]]) -> None:
    """Decode the reasons, matches and entry time of the checks not yet in :data:`_FACTS`."""
    missing = [key for key in wanted if key not in _FACTS]
    if len(_FACTS) + len(missing) > _FACTS_LIMIT:
        _FACTS.clear()
    for start in range(0, len(missing), _CHUNK):
        ids = [check_id for check_id, _ in missing[start:start + _CHUNK]]
        columns: list[Any] = [Check.id, Check.log_index, Check.reasons, Check.matches, LogEntry.leaf]
        query = (select(*columns).join(LogEntry, col(LogEntry.idx) == col(Check.log_index))
                 .where(col(Check.id).in_(ids)))
        for check_id, index, reasons, matches, leaf in session.connection().execute(query).all():
            found = _TIME.search(leaf)
            text = found.group(1).decode() if found else Envelope.parse(leaf).time
            by_policy = {str(r["policy_id"]): str(r.get("sentence") or "") for r in reasons or []
                         if r.get("policy_id")}
            _FACTS[(check_id, index)] = (datetime.fromisoformat(text.replace("Z", "+00:00")), tuple(by_policy),
                                         tuple(by_policy.values()), _channels(matches or []))


def pending_rows(session: Session) -> list[QueueRow]:
    """Every check awaiting review, oldest first, with what the queue shows and filters on."""
    columns: list[Any] = [Check.id, Check.log_index, Clip.id, Clip.filename, Clip.service, Clip.project,
                          Clip.release_date, ReviewAssignment.assignee_key_id, ReviewAssignment.assignee_name]
    query = (select(*columns)
             .join(Clip, col(Clip.id) == col(Check.clip_id))
             .join(ReviewAssignment, col(ReviewAssignment.check_id) == col(Check.id), isouter=True)
             .where(col(Check.review_state) == "pending").order_by(col(Check.log_index)))
    found = session.connection().execute(query).all()
    _facts(session, [(row[0], row[1]) for row in found])
    rows = []
    for check_id, index, clip_id, filename, service, project, release, assignee, name in found:
        decided, policies, sentences, channels = _FACTS[(check_id, index)]
        rows.append(QueueRow(check_id, index, decided, clip_id, filename, service, project, release,
                             policies, sentences, channels, assignee, name))
    return rows


def _selected(row: QueueRow, criteria: Criteria, caller_key_id: str, now: datetime) -> bool:
    wanted_assignee = caller_key_id if criteria.assignee == "me" else criteria.assignee
    return ((not criteria.service or row.service == criteria.service)
            and (not criteria.project or row.project == criteria.project)
            and (not criteria.policy or criteria.policy in row.policies)
            and (not criteria.channel or criteria.channel in row.channels)
            and (not wanted_assignee or (row.assignee_key_id is None if wanted_assignee == "none"
                                         else row.assignee_key_id == wanted_assignee))
            and (criteria.min_age_days is None or row.age_s(now) >= criteria.min_age_days * 86400)
            and (criteria.release_before is None or row.release_date <= criteria.release_before))


def _sort_key(sort: str) -> Any:
    if sort == "release":
        return lambda r: (r.release_date, r.log_index)
    if sort == "service":
        return lambda r: (r.service.lower(), r.log_index)
    if sort == "project":
        return lambda r: (r.project.lower(), r.log_index)
    return lambda r: r.log_index


def select_rows(rows: list[QueueRow], criteria: Criteria, caller_key_id: str, now: datetime) -> list[QueueRow]:
    chosen = [row for row in rows if _selected(row, criteria, caller_key_id, now)]
    return sorted(chosen, key=_sort_key(criteria.sort), reverse=criteria.sort == "newest")


def facets(rows: list[QueueRow]) -> dict[str, list[str]]:
    return {"services": sorted({r.service for r in rows}), "projects": sorted({r.project for r in rows}),
            "policies": sorted({p for r in rows for p in r.policies}),
            "channels": sorted({c for r in rows for c in r.channels})}


def now() -> datetime:
    """Ages are measured on the real clock, as the log's entry times are (not ``CLEARANCE_TODAY``)."""
    return datetime.now(UTC)


def view(ctx: Clearance, criteria: Criteria, caller_key_id: str) -> QueueView:
    with ctx.db.reader() as session:
        rows = pending_rows(session)
    return QueueView(len(rows), select_rows(rows, criteria, caller_key_id, now()), facets(rows))


def next_check(ctx: Clearance, criteria: Criteria, caller_key_id: str, after: str | None = None) -> str | None:
    """The check a reviewer should open after deciding ``after``: the first pending one the criteria select
    that is theirs or no one's (for an "approve and next" button); None when none is left."""
    with ctx.db.reader() as session:
        rows = select_rows(pending_rows(session), criteria, caller_key_id, now())
    return next((r.check_id for r in rows if r.check_id != after
                 and r.assignee_key_id in (None, caller_key_id)), None)
