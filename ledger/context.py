"""The composition root: one installation's settings, database, log, policies and fingerprinting.

:class:`Clearance` builds every long-lived part of the service once per process and
owns it as a typed attribute, built on first use (loading dlib or reading the policy
set is slow, and a command that needs neither should not pay for it). Features get
what they need from it; nothing registers itself by being imported: the feature
projections are handed to the log here, by :func:`register_features`.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from ledger.log import store
from ledger.log.direct import check_log_ready
from ledger.log.events import Event
from ledger.log.projection import Projections
from ledger.log.signer import LogKey
from ledger.log.tables import LOG_TABLES
from ledger.log.writer import LogWriter, Receipt
from ledger.records import projection as record_events
from ledger.reports import events as report_events
from ledger.settings import Settings

if TYPE_CHECKING:  # the engines import their libraries when first built, not when this module loads
    from embeddings import EmbeddingsConfig, Fingerprinter
    from ledger.checks.offers import RecordRule
    from ledger.fingerprints.indexing import Indexes
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


class Clearance:
    """One installation. Every write goes through :meth:`record` so no table changes without its event."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
        self.projections = Projections()
        register_features(self.projections)
        self.log = LogWriter(self.db, settings.keys_dir, self.projections)

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

    # ------------------------------------------------------------ readiness

    def check_ready(self) -> None:
        with self.db.reader() as session:
            check_log_ready(lambda: store.raw(session), self.settings.home)
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
