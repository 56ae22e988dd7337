"""Getting the log's latest checkpoint cosigned by the witnesses its policy names, without blocking writes.

:meth:`Cosigner.cosign_latest` reads the latest checkpoint and, for each witness with a URL that has
not cosigned it yet, the size that witness last cosigned; submits to all of them at once (outside any
transaction); then stores the cosignatures and each attempt's outcome. A witness that is down or
refuses leaves a gap: logged, recorded in ``log_witness_status`` (``clearance doctor`` reports it)
and retried on the next checkpoint or by :class:`BackgroundCosigner`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from ledger.log import sql
from ledger.witness import records
from ledger.witness.client import WitnessUnavailable, request_cosignature
from ledger.witness.policy import Policy, PolicyWitness
from ledger.witness.wire import SignedNote

logger = logging.getLogger("clearance.witness")
Connect = Callable[[], AbstractContextManager[sql.LogConnection]]


@dataclass
class Gathered:
    """What the witnesses said about one checkpoint."""

    size: int
    note: str
    vouched: list[str] = field(default_factory=list)
    """Policy names of the witnesses whose cosignatures are stored for it."""
    missing: dict[str, str] = field(default_factory=dict)
    """Policy name of each witness that has not cosigned it: why (its latest attempt's error)."""
    timestamped: bool | None = None
    """Whether it has an RFC 3161 token; None when no timestamp authority is configured."""
    timestamp_error: str | None = None

    def gaps(self, witnesses: int) -> str | None:
        """``checkpoint N: 1 of 2 witnesses, no timestamp`` when anything is missing, else None."""
        if not self.missing and self.timestamped is not False:
            return None
        return summary(self.size, len(self.vouched), witnesses, self.timestamped)


def summary(size: int, vouched: int, witnesses: int, timestamped: bool | None) -> str:
    """``checkpoint 1,234: 1 of 2 witnesses, no timestamp`` (the timestamp part only when one is configured)."""
    text = f"checkpoint {size:,}: {vouched} of {witnesses} witnesses"
    if timestamped is not None:
        text += ", timestamped" if timestamped else ", no timestamp"
    return text


def cosigned_note(note: str, lines: dict[str, list[str]]) -> str:
    """The checkpoint note with the stored cosignature lines added after the log's signature."""
    return SignedNote.parse(note).with_signatures([line for key in sorted(lines) for line in lines[key]]).render()


@dataclass(frozen=True)
class TsaConfig:
    url: str
    root_pem: bytes | None


class Cosigner:
    """Asks the witnesses of ``policy`` to cosign, and the timestamp authority (if any) to date, the latest
    checkpoint."""

    def __init__(self, policy: Policy, read: Connect, write: Connect, timeout_s: float = 5.0,
                 tsa: TsaConfig | None = None) -> None:
        self.policy = policy
        self._read, self._write = read, write
        self.timeout_s = timeout_s
        self.tsa = tsa
        self._one_at_a_time = threading.Lock()  # the background thread and a command's own call take turns

    def cosign_latest(self) -> Gathered | None:
        """Ask each witness still missing from the latest checkpoint; None when the log has no checkpoint."""
        with self._one_at_a_time:
            return self._cosign_latest()

    def _cosign_latest(self) -> Gathered | None:
        with self._read() as conn:
            latest = sql.latest_checkpoint(conn)
            if latest is None:
                return None
            have = records.cosignatures(conn, latest.size)
            todo = [(w, records.last_cosigned_size(conn, w.verifier.name)) for w in self.policy.witnesses.values()
                    if w.url and w.verifier.name not in have]
            needs_time = self.tsa is not None and records.timestamp_token(conn, latest.size) is None
        if needs_time:
            self._timestamp(latest.size, latest.note)
        results: dict[str, tuple[int, list[str]] | str] = {}
        if todo:
            with ThreadPoolExecutor(max_workers=len(todo)) as pool:
                futures = {w.name: pool.submit(self._ask, w, old, latest.note, latest.size) for w, old in todo}
            for name, future in futures.items():
                results[name] = future.result()
            with self._write() as conn:
                records.ensure_tables(conn)
                for witness, _ in todo:
                    outcome = results[witness.name]
                    if isinstance(outcome, str):
                        logger.warning("witness %s did not cosign checkpoint %d: %s", witness.name, latest.size,
                                       outcome)
                        records.record_attempt(conn, witness.verifier.name, latest.size, outcome)
                    else:
                        records.save_cosignatures(conn, latest.size, witness.verifier.name, outcome[1], outcome[0])
                        records.record_attempt(conn, witness.verifier.name, latest.size, None)
        return self.gathered(latest.size, latest.note)

    def _timestamp(self, size: int, note: str) -> None:
        from ledger.witness.timestamps import TimestampError, request_token

        assert self.tsa is not None
        body = SignedNote.parse(note).text.encode()
        try:
            token, error = request_token(self.tsa.url, body, self.tsa.root_pem, self.timeout_s), None
        except TimestampError as exc:
            token, error = None, str(exc)
            logger.warning("no timestamp for checkpoint %d: %s", size, error)
        with self._write() as conn:
            records.ensure_tables(conn)
            if token is not None:
                records.save_timestamp(conn, size, token, self.tsa.url)
            records.record_attempt(conn, records.TSA_STATUS, size, error)

    def gathered(self, size: int, note: str) -> Gathered:
        with self._read() as conn:
            lines = records.cosignatures(conn, size)
            tried = records.attempts(conn)
            token = records.timestamp_token(conn, size) if self.tsa is not None else None
        result = Gathered(size, cosigned_note(note, lines))
        if self.tsa is not None:
            result.timestamped = token is not None
            attempt = tried.get(records.TSA_STATUS)
            if token is None and attempt is not None and attempt.error:
                result.timestamp_error = f"{attempt.error} (at {attempt.attempted_at})"
        for witness in self.policy.witnesses.values():
            key_name = witness.verifier.name
            if key_name in lines:
                result.vouched.append(witness.name)
            else:
                attempt = tried.get(key_name)
                result.missing[witness.name] = (
                    "no URL configured" if not witness.url else
                    f"{attempt.error} (at {attempt.attempted_at})" if attempt and attempt.error else "not asked yet")
        return result

    def _ask(self, witness: PolicyWitness, old: int, note: str, size: int) -> tuple[int, list[str]] | str:
        assert witness.url is not None
        try:
            return request_cosignature(witness.url, witness.verifier, note, old,
                                       lambda start: self._proof(start, size), self.timeout_s)
        except WitnessUnavailable as exc:
            return str(exc)
        except Exception as exc:  # noqa: BLE001 (a witness's failure must never stop the log)
            return f"{type(exc).__name__}: {exc}"

    def _proof(self, start: int, size: int) -> list[bytes]:
        if start in (0, size) or start > size:
            return []
        with self._read() as conn:
            return sql.consistency_proof(conn, start, size)


class BackgroundCosigner:
    """Runs :meth:`Cosigner.cosign_latest` on a daemon thread whenever told a checkpoint was signed,
    and again every ``retry_s`` seconds while a witness is missing."""

    def __init__(self, cosigner: Cosigner, retry_s: float = 60.0) -> None:
        self.cosigner = cosigner
        self.retry_s = retry_s
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def notify(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="clearance-cosigner", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        gaps = False
        while True:
            self._wake.wait(timeout=self.retry_s if gaps else None)
            self._wake.clear()
            try:
                gathered = self.cosigner.cosign_latest()
                gaps = gathered is not None and (gathered.timestamped is False or any(
                    self.cosigner.policy.witnesses[name].url for name in gathered.missing))
            except Exception:  # noqa: BLE001 (keep retrying; the database may be briefly away)
                logger.exception("cosigning the latest checkpoint failed")
                gaps = True
