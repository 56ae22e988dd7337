"""Settings: defaults, then the settings file, then CLEARANCE_* variables; typed sections refused by name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.errors import ConfigurationError
from ledger.settings import Settings


def load(home: Path, toml: str | None = None, **env: str) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    if toml is not None:
        (home / "settings.toml").write_text(toml)
    return Settings.load(environ={"CLEARANCE_HOME": str(home), **env})


def problems(raised: pytest.ExceptionInfo[ConfigurationError]) -> list[str]:
    return [p.field for p in raised.value.problems]


def test_defaults_without_a_file_or_variables(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings.home == tmp_path and settings.api_port == 8750
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'clearance.db').resolve()}"
    assert settings.strength.pdq_strong_max_distance == 32
    assert settings.embeddings.face_upsample == 0 and settings.embeddings.semantic_enabled


def test_the_file_sets_values_and_variables_win_over_it(tmp_path: Path) -> None:
    toml = 'api_port = 9000\n[strength]\nface_strong_max_distance = 0.4\n[embeddings]\nface_upsample = 1\n'
    from_file = load(tmp_path, toml)
    assert (from_file.api_port, from_file.strength.face_strong_max_distance, from_file.embeddings.face_upsample) \
        == (9000, 0.4, 1)
    overridden = load(tmp_path, toml, CLEARANCE_API_PORT="9100", CLEARANCE_STRENGTH_FACE_STRONG_MAX_DISTANCE="0.3",
                      CLEARANCE_FACE_UPSAMPLE="2")
    assert (overridden.api_port, overridden.strength.face_strong_max_distance,
            overridden.embeddings.face_upsample) == (9100, 0.3, 2)


def test_embeddings_variables_are_typed_and_an_empty_clip_tag_means_none(tmp_path: Path) -> None:
    settings = load(tmp_path, CLEARANCE_IDENTITY_ENABLED="false", CLEARANCE_CLIP_PRETRAINED="",
                    CLEARANCE_CLIP_CHECKPOINT=str(tmp_path / "w.pt"), CLEARANCE_MAX_FRAMES_PER_CLIP="30")
    config = settings.embeddings
    assert config.identity_enabled is False and config.clip_pretrained is None
    assert config.clip_checkpoint == tmp_path / "w.pt" and config.max_frames_per_clip == 30


def test_postgres_urls_use_psycopg_3(tmp_path: Path) -> None:
    settings = load(tmp_path, CLEARANCE_DATABASE_URL="postgresql://db.internal/clearance")
    assert settings.resolved_database_url == "postgresql+psycopg://db.internal/clearance"


@pytest.mark.parametrize("toml, env, named", [
    ('[strength]\npdq_strong_max_distance = "close"\n', {}, "[strength] pdq_strong_max_distance"),
    ("[strength]\nclip_strong_fraction = 2\n", {}, "[strength] clip_strong_fraction"),
    ("[strength]\nface_limit = 0.3\n", {}, "[strength] face_limit"),
    ("[embeddings]\nface_upsampel = 1\n", {}, "[embeddings] face_upsampel"),
    ("[embeddings]\nclip_threads = 0\n", {}, "[embeddings] clip_threads"),
    (None, {"CLEARANCE_FACE_UPSAMPLE": "twice"}, "CLEARANCE_FACE_UPSAMPLE"),
    (None, {"CLEARANCE_API_PORT": "http"}, "CLEARANCE_API_PORT"),
    ("api_prot = 9000\n", {}, "CLEARANCE_API_PROT"),
])
def test_a_bad_value_is_refused_naming_the_setting(tmp_path: Path, toml: str | None, env: dict[str, str],
                                                    named: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load(tmp_path, toml, **env)
    assert problems(raised) == [named]
    assert "Traceback" not in raised.value.diagnostics()


def test_an_unknown_embeddings_field_is_listed_with_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load(tmp_path, "[embeddings]\nface_upsampel = 1\n")
    [problem] = raised.value.problems
    assert problem.field == "[embeddings] face_upsampel" and "'face_upsample'" in problem.message


def test_a_missing_or_broken_settings_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        Settings.load(environ={"CLEARANCE_SETTINGS": str(tmp_path / "nope.toml")})
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load(tmp_path, "[strength\n")


def test_every_command_stops_at_start_on_a_bad_section(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("[strength]\nface_strong_max_distance = -1\n")
    env = {**os.environ, "CLEARANCE_HOME": str(tmp_path)}
    env.pop("CLEARANCE_SETTINGS", None)
    for command in (["init"], ["log", "checkpoint"]):
        result = subprocess.run([sys.executable, "-c", "from ledger.cli import main; main()", *command], env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == ConfigurationError.exit_code, result.stderr
        assert "[strength] face_strong_max_distance" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "clearance.db").exists()
