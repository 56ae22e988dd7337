"""Operational logging: one configuration, context fields, and no secrets in any line."""

from ledger.observability.context import current_context, log_context
from ledger.observability.logs import configure_logging

__all__ = ["configure_logging", "current_context", "log_context"]
