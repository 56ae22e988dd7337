"""The composition root: one installation's settings, database, log, policies and fingerprinting.

:class:`Clearance` builds every long-lived part of the service once per process and
owns it as a typed attribute, built on first use (loading dlib or reading the policy
set is slow, and a command that needs neither should not pay for it). Features get
what they need from it; nothing registers itself by being imported: the feature
projections are handed to the log here, by :func:`register_features`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING

from sqlmodel import Session, SQLModel

from ledger.audit import verification_events
from ledger.checks import events as check_events
from ledger.checks import offer_events as model_offers
from ledger.db import Database
from ledger.errors import ConfigurationError
from ledger.exports import events as export_events
from ledger.fingerprints import events as fingerprint_events
from ledger.log import sql, store
from ledger.log.direct import check_log_ready
from ledger.log.events import Event
from ledger.log.projection import Projections
from ledger.log.signer import LogKey
from ledger.log.tables import LOG_TABLES
from ledger.log.writer import LogWriter, Receipt
from ledger.records import projection as record_events
from ledger.reports import events as report_events
from ledger.settings import Settings
from ledger.worklist import events as worklist_events

if TYPE_CHECKING:  # the engines import their libraries when first built, not when this module loads
    from embeddings import EmbeddingsConfig, Fingerprinter
    from ledger.checks.offers import RecordRule
    from ledger.fingerprints.indexing import Indexes
    from ledger.witness.cosigning import BackgroundCosigner, Cosigner
    from ledger.witness.policy import Policy
    from policies import PolicyEngine

__all__ = ["Clearance", "Receipt", "register_features"]


def register_features(projections: Projections) -> None:
    """Every feature's event handlers and tables, handed to the log's registry."""
    record_events.register(projections)
    fingerprint_events.register(projections)
    check_events.register(projections)
    report_events.register(projections)
    verification_events.register(projections)
    model_offers.register(projections)
    export_events.register(projections)
    worklist_events.register(projections)


class Clearance:
    """One installation. Every write goes through :meth:`record` so no table changes without its event."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
        self.projections = Projections()
        register_features(self.projections)
        self.log = LogWriter(self.db, settings.keys_dir, self.projections)
        self.log.on_signed = self._checkpoint_signed

    @classmethod
    def open(cls, settings: Settings | None = None) -> Clearance:
        return cls(settings or Settings.load())

    @property
    def tables(self) -> list[type[SQLModel]]:
        """Every table of the installation: the log's own and those the features project into."""
        return [*LOG_TABLES, *self.projections.tables]

    # ------------------------------------------------------------ parts built on first use

    @property
    def log_key(self) -> LogKey:
        return self.log.key

    @cached_property
    def policy_engine(self) -> PolicyEngine:
        """The validated policy set; a bad policy file stops the command or server that needs it."""
        from policies import PolicyEngine, PolicyError

        try:
            return PolicyEngine.load(self.settings.policies_dir)
        except PolicyError as exc:
            raise ConfigurationError(exc.diagnostics()) from None

    @cached_property
    def record_rules(self) -> dict[str, RecordRule]:
        """Decisions a record must pass before it is created or amended, by kind (a model offered to a
        third party is decided by the policies)."""
        from ledger.checks.offers import record_rules

        return record_rules()

    @property
    def embeddings_config(self) -> EmbeddingsConfig:
        """Media limits, channels and thresholds: the ``[embeddings]`` settings, validated when they loaded."""
        return self.settings.embeddings

    @cached_property
    def fingerprinter(self) -> Fingerprinter:
        """One fingerprinter per process; each channel loads its model when it first runs."""
        from embeddings import Fingerprinter

        return Fingerprinter(self.embeddings_config)

    @cached_property
    def indexes(self) -> Indexes:
        """The FAISS indexes in ``$CLEARANCE_HOME/index``, kept in step with the records."""
        from ledger.fingerprints.indexing import Indexes

        return Indexes(self.db, self.settings.home / "index", self.embeddings_config)

    # ------------------------------------------------------------ witnesses and trusted time

    @cached_property
    def witness_policy(self) -> Policy | None:
        """The tlog-policy the settings name (witnesses and quorum), or None when none is configured."""
        from ledger.witness.config import load_policy

        return load_policy(self.settings)

    @cached_property
    def cosigner(self) -> Cosigner | None:
        """Asks witnesses and the timestamp authority about new checkpoints; None when neither is configured."""
        from ledger.witness.config import make_cosigner

        return make_cosigner(self.settings, self.witness_policy, self.log_reader, self.log_writer)

    @cached_property
    def background_cosigner(self) -> BackgroundCosigner | None:
        from ledger.witness.cosigning import BackgroundCosigner

        cosigner = self.cosigner
        return None if cosigner is None else BackgroundCosigner(cosigner, self.settings.witness_retry_s)

    def reset_vouching(self) -> None:
        """Forget the witness policy and cosigner built from settings that have since changed (the demo)."""
        for name in ("witness_policy", "cosigner", "background_cosigner"):
            self.__dict__.pop(name, None)

    @contextmanager
    def log_reader(self) -> Iterator[sql.LogConnection]:
        """The log's tables through the driver, outside any transaction (reads of settled rows)."""
        with self.db.driver_reader() as (driver, dialect):
            yield sql.LogConnection.of(driver, dialect)

    @contextmanager
    def log_writer(self) -> Iterator[sql.LogConnection]:
        with self.db.transaction() as session:
            yield store.raw(session)

    def _checkpoint_signed(self) -> None:
        """A checkpoint may have been signed: have the witnesses asked in the background."""
        try:
            background = self.background_cosigner
        except ConfigurationError:  # a bad policy is reported at start (check_ready), never in a write
            return
        if background is not None:
            background.notify()

    # ------------------------------------------------------------ readiness

    def check_ready(self) -> None:
        with self.db.reader() as session:
            check_log_ready(lambda: store.raw(session), self.settings.home)
        _ = self.cosigner  # a bad witness policy or TSA root stops every command at start, naming the setting
        absent = self.db.missing_tables(self.tables)
        if absent:
            raise ConfigurationError(f"this database was created by an earlier version and lacks the tables "
                                     f"{', '.join(absent)}; run 'clearance init' to upgrade it")
        missing = self.db.outdated_columns(self.tables)
        if missing:
            names = ", ".join(f"{c.table.name}.{c.name}" for c in missing)
            raise ConfigurationError(f"this database was created by an earlier version and lacks {names} "
                                     "(or has them as 32-bit integers); run 'clearance init' to upgrade it")

    # ------------------------------------------------------------ writes (the log's, for short)

    def record(self, session: Session, events: Sequence[Event]) -> list[store.Appended]:
        """Append events and apply them to the tables, in the caller's transaction."""
        return self.log.record(session, events)

    def checkpoint(self) -> str:
        """The latest signed checkpoint note, signing a new one if entries were added since."""
        return self.log.checkpoint()

    def receipt(self, appended: store.Appended) -> Receipt:
        """Sign a checkpoint covering ``appended`` and prove its inclusion."""
        return self.log.receipt(appended)

    def receipt_for(self, index: int) -> Receipt:
        return self.log.receipt_for(index)
