"""Imports every table so ``SQLModel.metadata`` knows them all."""

from ledger.log.tables import LogEntry, LogHead, SignedCheckpoint  # noqa: F401
from ledger.records.models import (  # noqa: F401
    AiModel, ApiKey, Asset, AssetPerson, Dataset, DatasetVersion, DatasetVersionAsset, EstatePermission,
    LegalHold, License, LicenseAsset, ModelTraining, OptOutSignal, Party, PerformerConsent)
from ledger.fingerprints.models import FingerprintSet  # noqa: F401,E402
import ledger.fingerprints.events  # noqa: F401,E402  (registers its projectors)
from ledger.checks.models import Check, CheckFailure, Clip  # noqa: F401,E402
import ledger.checks.events  # noqa: F401,E402  (registers its projectors)
