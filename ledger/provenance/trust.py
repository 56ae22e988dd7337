"""Trust settings: which roots make a C2PA signature ``Trusted``.

The file on disk is a c2pa-rs settings document (``{"version": 1, "trust":
{"trust_anchors": PEM, "trust_config": EKU list}}``), so the file
:func:`ledger.provenance.keys.create_dev_ca` writes, and third-party files such
as the C2PA test-root settings, load the same way. Network look-ups during
verification (OCSP, remote manifests) are always switched off: verification must
not depend on, or leak to, the outside world.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import ConfigurationError
from ledger.fsutil import write_atomic

if TYPE_CHECKING:  # c2pa (~0.15 s to import) loads when a manifest is read or signed
    import c2pa

#: Extended key usages a signing certificate may carry (c2pa-rs "trust_config" syntax).
DEFAULT_ALLOWED_EKUS = "\n".join([
    "//id-kp-emailProtection", "1.3.6.1.5.5.7.3.4",
    "//id-kp-documentSigning", "1.3.6.1.5.5.7.3.36",
    "//c2pa-kp-claimSigning", "1.3.6.1.4.1.62558.2.1",
]) + "\n"

_OFFLINE_VERIFY = {"ocsp_fetch": False, "remote_manifest_fetch": False, "verify_trust": True}


@dataclass(frozen=True)
class TrustSettings:
    """Trust anchors (PEM, one or more roots) and the allowed-EKU configuration."""

    anchors_pem: str
    allowed_ekus: str = DEFAULT_ALLOWED_EKUS

    def __post_init__(self) -> None:
        if "-----BEGIN CERTIFICATE-----" not in self.anchors_pem:
            raise ConfigurationError("trust settings: trust_anchors holds no PEM certificate")

    @classmethod
    def load(cls, path: Path) -> "TrustSettings":
        """Read a c2pa settings JSON file with ``trust.trust_anchors``."""
        path = Path(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigurationError(f"cannot read trust settings {path}: {exc.strerror}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"trust settings {path} is not valid JSON: {exc}") from None
        trust = document.get("trust") if isinstance(document, dict) else None
        anchors = trust.get("trust_anchors") if isinstance(trust, dict) else None
        if not isinstance(anchors, str) or not anchors.strip():
            raise ConfigurationError(f"trust settings {path} has no trust.trust_anchors (PEM roots)")
        ekus = (trust.get("trust_config") if isinstance(trust, dict) else None) or DEFAULT_ALLOWED_EKUS
        try:
            return cls(anchors_pem=anchors, allowed_ekus=ekus)
        except ConfigurationError as exc:
            raise ConfigurationError(f"trust settings {path}: {exc.detail}") from None

    @classmethod
    def combine(cls, *settings: "TrustSettings") -> "TrustSettings":
        """One settings object trusting every anchor of the given ones."""
        if not settings:
            raise ConfigurationError("no trust settings to combine")
        anchors = "".join(s.anchors_pem.rstrip("\n") + "\n" for s in settings)
        ekus: list[str] = []
        for s in settings:
            for line in s.allowed_ekus.splitlines():
                if line and line not in ekus:
                    ekus.append(line)
        return cls(anchors_pem=anchors, allowed_ekus="\n".join(ekus) + "\n")

    def as_c2pa_settings(self) -> dict[str, Any]:
        return {
            "version": 1,
            "trust": {"trust_anchors": self.anchors_pem, "trust_config": self.allowed_ekus},
            "verify": dict(_OFFLINE_VERIFY),
        }

    def write(self, path: Path) -> None:
        """Write as a c2pa settings document, atomically."""
        body = json.dumps(self.as_c2pa_settings(), indent=2) + "\n"
        write_atomic(Path(path), body.encode("utf-8"))


def make_context(trust: TrustSettings | None, extra: dict[str, Any] | None = None) -> c2pa.Context:
    """A c2pa Context for reading or building under ``trust`` (None: no anchors, so at best Valid)."""
    document: dict[str, Any] = trust.as_c2pa_settings() if trust else {
        "version": 1, "verify": dict(_OFFLINE_VERIFY)}
    import c2pa

    for section, values in (extra or {}).items():
        document.setdefault(section, {}).update(values)
    try:
        return c2pa.Context.from_dict(document)
    except c2pa.C2paError as exc:
        raise ConfigurationError(f"c2pa rejected the provenance settings: {exc}") from None
