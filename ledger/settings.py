"""The one settings object, typed and validated when it loads.

Values come from, in rising precedence: defaults, a TOML settings file
(``$CLEARANCE_SETTINGS``, else ``$CLEARANCE_HOME/settings.toml`` when present),
and ``CLEARANCE_*`` environment variables. Paths are resolved once, here.

Two sections are tables of their own: ``[strength]`` (:class:`StrengthSettings`,
the strong-match limits) and ``[embeddings]`` (every field of
:class:`embeddings.EmbeddingsConfig`; a field's variable is ``CLEARANCE_<FIELD>``,
e.g. ``CLEARANCE_FACE_UPSAMPLE``). A bad value anywhere stops loading with the
setting named, so every command refuses it at start.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
import dataclasses
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from embeddings.config import EmbeddingsConfig
from embeddings.errors import ConfigError
from ledger.errors import ConfigurationError, FieldProblem

ENV_PREFIX = "CLEARANCE_"
EMBEDDINGS_FIELDS = frozenset(f.name for f in dataclasses.fields(EmbeddingsConfig))


class StrengthSettings(BaseModel):
    """``[strength]``: when a match is strong enough to decide without a person (see ``ledger.checks.strength``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    pdq_strong_max_distance: float = Field(default=32, ge=0, le=256, description="PDQ bits, of 256")
    keypoint_strong_min_inliers: float = Field(default=48, ge=0, description="RANSAC inliers")
    face_strong_max_distance: float = Field(default=0.46, ge=0, description="L2 between 128-d descriptors")
    clip_strong_fraction: float = Field(default=0.25, ge=0, le=1,
                                        description="share of the way from the CLIP threshold to 1")
    voice_strong_min_similarity: float = Field(default=0.82, ge=-1, le=1,
                                               description="cosine between 256-d speaker embeddings")


class GenerativeSystem(BaseModel):
    """``[generative_systems.<service>]``: the generative AI system behind a generation service, named in the AI
    disclosure of clips whose request names no registered model (SB 942 asks for its name and version)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=300, description="the system's name")
    version: str = Field(min_length=1, max_length=100, description="the system's version")
    provider: str | None = Field(default=None, min_length=1, max_length=300,
                                 description="its provider, when not the installation's provider_name")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    home: Path = Field(default=Path(".clearance"), description="data directory")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in home")
    log_origin: str | None = Field(default=None, description="checkpoint origin line; chosen at init when unset")
    max_upload_bytes: int = Field(default=2 * 1024**3, gt=0)
    max_import_rows: int = Field(default=1_000_000, gt=0)
    api_host: str = "127.0.0.1"
    api_port: int = 8750
    log_format: Literal["text", "json"] | None = Field(default=None, description="text or json; default json for serve, text for the CLI")
    log_level: str | None = Field(default=None, pattern=r"(?i)^(debug|info|warning|error|critical)$",
                                  description="default INFO for serve, WARNING for the CLI")
    policies_dir: Path | None = Field(default=None, description="Cedar policy folder; default the shipped policies/")
    strength: StrengthSettings = Field(default_factory=StrengthSettings,
                                       description="[strength] table: the strong-match limits")
    check_sync_max_bytes: int = Field(default=50 * 1024**2, gt=0, description="larger clips are checked in the background (202)")
    web_session_minutes: int = Field(default=480, gt=0, le=7 * 24 * 60,
                                     description="how long a review console sign-in lasts")
    c2pa_signer_chain: Path | None = Field(default=None, description="PEM chain of the production signer")
    c2pa_signer_key: Path | None = Field(default=None, description="its private key (PEM); else the dev signer")
    c2pa_trust_settings: list[Path] = Field(default_factory=list,
                                            description="extra c2pa trust settings files (anchors) for verify")
    c2pa_training_mining: dict[str, str] = Field(
        default_factory=lambda: {k: "notAllowed" for k in ("cawg.ai_training", "cawg.ai_generative_training",
                                                            "cawg.ai_inference", "cawg.data_mining")},
        description="the cawg.training-mining entries written into signed clips")
    sbr_public_read: bool = Field(default=False, description="answer the C2PA Soft Binding Resolution API (/sbr/v1) "
                                                             "without an API key; off: a key of role resolver, "
                                                             "legal or admin")
    sbr_iscc_max_distance: int = Field(default=12, ge=0, le=64,
                                       description="the most bits an io.iscc.v0 Content-Code may differ by and "
                                                   "still resolve (benchmarks/results/sbr_false_match.json)")
    provider_name: str | None = Field(default=None, max_length=300,
                                      description="the provider named in signed clips' AI disclosure (SB 942); "
                                                  "default the model's developer")
    generative_systems: dict[str, GenerativeSystem] = Field(
        default_factory=dict, description="per generation service (the request's service): the generative AI "
                                          "system named in the AI disclosure of its clips that name no "
                                          "registered model; settings file only")
    rate_limit_per_key: str = Field(default="600/minute", description="requests per API key (limits notation)")
    auth_failure_limit: str = Field(default="10/minute",
                                    description="failed authentications per client address before it gets 429")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses or networks (10.0.0.5, 10.0.0.0/16) of the reverse proxies in front of the API: "
                    "only a request from one of them has its X-Forwarded-For read; empty: never read")
    rate_limit_storage_url: str = Field(default="memory://",
                                        description="where the counters live; redis://host:port shares them")
    web_session_storage_url: str | None = Field(
        default=None, description="where review console sessions live: memory:// (this process) or "
                                  "redis://host:port/db (shared by serve --workers N); default: Redis when the "
                                  "rate-limit counters are there, else memory://")
    db_pool_size: int = Field(default=16, ge=1, le=500,
                              description="PostgreSQL connections each process keeps open; a burst may open "
                                          "as many again, closed once it passes")
    api_threads: int = Field(default=8, ge=1, le=1000,
                             description="requests one API process works on at once (database work and files); "
                                         "the rest wait their turn without taking a thread")
    queue_url: str | None = Field(default=None, pattern=r"^amqps?://",
                                  description="RabbitMQ URL (amqp://user:pass@host:5672/vhost) of the check and "
                                              "registration queue served by 'clearance worker'; unset: in-process")
    witness_policy: Path | None = Field(
        default=None, description="tlog-policy file naming the witnesses (name, vkey, URL) and the quorum; "
                                  "default $CLEARANCE_HOME/witness-policy.txt when present")
    witness_timeout_s: float = Field(default=5.0, gt=0, le=300, description="seconds to wait for one witness")
    witness_retry_s: float = Field(default=60.0, gt=0, description="seconds between retries of a missing witness")
    export_requires_quorum: bool = Field(default=False,
                                         description="refuse productions until the witness policy's quorum cosigned")
    tsa_url: str | None = Field(default=None, pattern=r"^https?://",
                                description="RFC 3161 timestamp authority that dates each signed checkpoint")
    tsa_root_cert: Path | None = Field(default=None, description="PEM root certificate pinned for the TSA")
    ray_address: str | None = Field(default=None, min_length=1,
                                    description="Ray cluster that 'clearance register --bulk' fingerprints on "
                                                "(auto: the one this machine is a node of; or the head's "
                                                "host:6379); unset: a Ray instance of its own here")
    embeddings: EmbeddingsConfig = Field(default_factory=EmbeddingsConfig,
                                         description="[embeddings] table: EmbeddingsConfig fields (env wins)")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ValueError(f"{value!r} is not an IP address or network (10.0.0.5, 10.0.0.0/16)") from None
        return values

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
            if key in env and name not in _SECTIONS:
                raw = env[key]
                values[name] = raw.split(os.pathsep) if name == "c2pa_trust_settings" else \
                    [part.strip() for part in raw.split(",") if part.strip()] if name == "trusted_proxies" else raw
        overrides = dict(overrides)
        for section in _SECTIONS:  # a section given here stands where the settings file's table would
            if section in overrides:
                values[section] = overrides.pop(section)
        from_env = _section_from_env(values, "embeddings", EMBEDDINGS_FIELDS, env, f"{ENV_PREFIX}")
        _section_from_env(values, "strength", frozenset(StrengthSettings.model_fields), env, f"{ENV_PREFIX}STRENGTH_")
        values.update(overrides)
        values["home"] = home if "home" not in overrides else overrides["home"]
        values["embeddings"] = _embeddings(values.get("embeddings"), Path(values["home"]), from_env)
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = [FieldProblem(setting_name(e["loc"]), e["msg"]) for e in exc.errors()]
            raise ConfigurationError("invalid settings", problems=problems) from None


_SECTIONS = ("strength", "embeddings")


def _section_from_env(values: dict[str, Any], section: str, names: frozenset[str], env: Mapping[str, str],
                      prefix: str) -> frozenset[str]:
    """``<prefix><FIELD>`` variables into a section table; they win over the settings file. Returns their fields."""
    table = values.get(section)
    if table is not None and not isinstance(table, dict):
        return frozenset()  # not a table: validation names it
    found = {name: env[prefix + name.upper()] for name in names if prefix + name.upper() in env}
    if found:
        values[section] = {**(table or {}), **found}
    return frozenset(found)


def _embeddings(table: Any, home: Path, from_env: frozenset[str]) -> Any:
    """The ``[embeddings]`` table as an :class:`EmbeddingsConfig` (the embeddings package converts and checks
    each value), naming a bad field by its variable when a variable set it. dlib's face detector is cached
    in the home unless a setting says where."""
    if not isinstance(table, dict):
        return table if table is not None else EmbeddingsConfig(face_detector_cache=_detector_cache(home))
    try:
        return EmbeddingsConfig.from_mapping({"face_detector_cache": _detector_cache(home), **table})
    except ConfigError as exc:
        name = f"{ENV_PREFIX}{exc.field.upper()}" if exc.field in from_env else f"[embeddings] {exc.field}"
        problem = f"unknown setting; expected {exc.expected}" if exc.unknown else \
            f"expected {exc.expected}, got {exc.value!r}"
        raise ConfigurationError("invalid settings", problems=[FieldProblem(name, problem)]) from None


def _detector_cache(home: Path) -> Path:
    return home / "cache" / "dlib-frontal-face-detector.svm"


def setting_name(loc: tuple[int | str, ...]) -> str:
    """How a user names a setting: ``[strength] face_strong_max_distance``, or ``CLEARANCE_API_PORT``."""
    if loc and loc[0] in _SECTIONS:
        return f"[{loc[0]}] {'.'.join(map(str, loc[1:]))}".rstrip()
    return f"{ENV_PREFIX}{'.'.join(map(str, loc)).upper()}"
