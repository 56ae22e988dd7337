"""The witness policy and timestamp authority an installation's settings name, read once and checked.

Nothing here is imported before a setting asks for it: ``clearance log checkpoint`` without witnesses
pays for none of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ledger.errors import ConfigurationError, FieldProblem
from ledger.settings import Settings

if TYPE_CHECKING:
    from ledger.witness.cosigning import Connect, Cosigner
    from ledger.witness.policy import Policy

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
    from ledger.witness.policy import PolicyError, parse_policy

    try:
        return parse_policy(path.read_text())
    except (OSError, UnicodeDecodeError, PolicyError) as exc:
        raise ConfigurationError("invalid witness policy",
                                 problems=[FieldProblem("CLEARANCE_WITNESS_POLICY", f"{path}: {exc}")]) from None


def make_cosigner(settings: Settings, policy: Policy | None, read: Connect, write: Connect) -> Cosigner | None:
    """The cosigner (and timestamper) the settings call for, or None when they name neither witnesses nor a TSA."""
    if not settings.tsa_url and (policy is None or not policy.witnesses):
        return None
    from ledger.witness.cosigning import Cosigner, TsaConfig
    from ledger.witness.policy import Policy

    tsa = None
    if settings.tsa_url:
        root = None
        if settings.tsa_root_cert is not None:
            try:
                root = settings.tsa_root_cert.read_bytes()
            except OSError as exc:
                raise ConfigurationError("the TSA root certificate cannot be read", problems=[
                    FieldProblem("CLEARANCE_TSA_ROOT_CERT", str(exc))]) from None
        tsa = TsaConfig(settings.tsa_url, root)
    return Cosigner(policy or Policy(), read, write, settings.witness_timeout_s, tsa)
