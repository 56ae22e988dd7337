"""The one settings object.

Values come from, in rising precedence: defaults, a TOML settings file
(``$CLEARANCE_SETTINGS``, else ``$CLEARANCE_HOME/settings.toml`` when present),
and ``CLEARANCE_*`` environment variables. Paths are resolved once, here.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ledger.errors import ConfigurationError, FieldProblem

ENV_PREFIX = "CLEARANCE_"


class Settings(BaseModel):
    home: Path = Field(default=Path(".clearance"), description="data directory")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in home")
    log_origin: str | None = Field(default=None, description="checkpoint origin line; chosen at init when unset")
    max_upload_bytes: int = Field(default=2 * 1024**3, gt=0)
    max_import_rows: int = Field(default=1_000_000, gt=0)
    api_host: str = "127.0.0.1"
    api_port: int = 8750
    policies_dir: Path | None = Field(default=None, description="Cedar policy folder; default the shipped policies/")
    strength: dict[str, float] = Field(default_factory=dict,
                                       description="[strength] table: StrengthSettings fields (strong-match limits)")
    check_sync_max_bytes: int = Field(default=50 * 1024**2, gt=0, description="larger clips are checked in the background (202)")
    c2pa_signer_chain: Path | None = Field(default=None, description="PEM chain of the production signer")
    c2pa_signer_key: Path | None = Field(default=None, description="its private key (PEM); else the dev signer")
    c2pa_trust_settings: list[Path] = Field(default_factory=list,
                                            description="extra c2pa trust settings files (anchors) for verify")
    c2pa_training_mining: dict[str, str] = Field(
        default_factory=lambda: {k: "notAllowed" for k in ("cawg.ai_training", "cawg.ai_generative_training",
                                                            "cawg.ai_inference", "cawg.data_mining")},
        description="the cawg.training-mining entries written into signed clips")
    embeddings: dict[str, Any] = Field(default_factory=dict,
                                       description="[embeddings] table: EmbeddingsConfig fields (env wins)")
    rate_limit_per_key: str = Field(default="600/minute", description="requests per API key (limits notation)")
    auth_failure_limit: str = Field(default="10/minute",
                                    description="failed authentications per client address before it gets 429")
    rate_limit_storage_url: str = Field(default="memory://",
                                        description="where the counters live; redis://host:port shares them")

    @property
    def resolved_database_url(self) -> str:
        url = self.database_url or f"sqlite:///{(self.home / 'clearance.db').resolve()}"
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def c2pa_dir(self) -> Path:
        return self.keys_dir / "c2pa"

    @property
    def media_dir(self) -> Path:
        return self.home / "media"

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        home = Path(env.get(f"{ENV_PREFIX}HOME", overrides.get("home", ".clearance")))
        settings_file = env.get(f"{ENV_PREFIX}SETTINGS")
        path = Path(settings_file) if settings_file else home / "settings.toml"
        if path.is_file():
            try:
                values.update(tomllib.loads(path.read_text()))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigurationError(f"settings file {path} is not valid TOML: {exc}") from exc
        elif settings_file:
            raise ConfigurationError(f"settings file {path} (CLEARANCE_SETTINGS) does not exist")
        for name in cls.model_fields:
            key = f"{ENV_PREFIX}{name.upper()}"
            if key in env:
                raw = env[key]
                values[name] = raw.split(os.pathsep) if name == "c2pa_trust_settings" else raw
        values.update(overrides)
        values["home"] = home if "home" not in overrides else overrides["home"]
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = [FieldProblem(f"{ENV_PREFIX}{'.'.join(map(str, e['loc'])).upper()}", e["msg"])
                        for e in exc.errors()]
            raise ConfigurationError("invalid settings", problems=problems) from exc
