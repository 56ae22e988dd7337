"""Settings a test gives its ledger so that its clips can be signed: SB 942 asks the signed clip's AI
disclosure for the provider and the generating system's name and version, and clips that name no
registered model take them from ``[generative_systems.<service>]``."""

from __future__ import annotations

from ledger.context import Clearance
from ledger.settings import GenerativeSystem


def name_generative_system(ctx: Clearance, service: str, provider: str = "Test Studio") -> None:
    """Name the provider and ``service``'s generative system (version 1.0) in ``ctx``'s settings."""
    ctx.settings.provider_name = provider
    ctx.settings.generative_systems[service] = GenerativeSystem(name=f"{service} model", version="1.0")
