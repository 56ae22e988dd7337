"""The witness policy an installation's settings name, read once and checked."""

from __future__ import annotations

from pathlib import Path

from ledger.errors import ConfigurationError, FieldProblem
from ledger.settings import Settings
from ledger.witness.policy import Policy, PolicyError, parse_policy

DEFAULT_POLICY_FILE = "witness-policy.txt"


def policy_path(settings: Settings) -> Path | None:
    if settings.witness_policy is not None:
        return settings.witness_policy
    default = settings.home / DEFAULT_POLICY_FILE
    return default if default.is_file() else None


def load_policy(settings: Settings) -> Policy | None:
    """The configured policy, or None when no witnesses are configured."""
    path = policy_path(settings)
    if path is None:
        return None
    try:
        return parse_policy(path.read_text())
    except (OSError, UnicodeDecodeError, PolicyError) as exc:
        raise ConfigurationError("invalid witness policy",
                                 problems=[FieldProblem("CLEARANCE_WITNESS_POLICY", f"{path}: {exc}")]) from None
