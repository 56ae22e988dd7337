"""Typed response bodies of the API (what the OpenAPI document promises each route answers), per concern."""

from ledger.api.schemas.common import (
    AS_GIVEN, Dependents, EntryIndex, LoggedOnly, LogReceipt, Written, WrittenWithDependents)
from ledger.api.schemas.keys import KeyCreated, KeyInfo, KeyRevoked
from ledger.api.schemas.log import (ConsistencyProofOut, InclusionProofOut, LogEntryOut, LogVerification, Withheld,
                                    WitnessStatusOut)

__all__ = ["AS_GIVEN", "ConsistencyProofOut", "Dependents", "EntryIndex", "InclusionProofOut", "KeyCreated", "KeyInfo",
           "KeyRevoked", "LogEntryOut", "LogReceipt", "LogVerification", "LoggedOnly", "Withheld", "WitnessStatusOut", "Written",
           "WrittenWithDependents"]
