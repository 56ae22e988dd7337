"""The ledger builds the embeddings configuration: settings file [embeddings] values, CLEARANCE_* variables winning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from embeddings import EmbeddingsConfig
from ledger.errors import ConfigurationError
from ledger.settings import Settings


def embeddings_config(home: Path, embeddings: dict[str, Any]) -> EmbeddingsConfig:
    """What the installation's context is built with: the settings' [embeddings] table and CLEARANCE_* variables."""
    import os

    return Settings.load(environ={**os.environ, "CLEARANCE_HOME": str(home)}, embeddings=embeddings).embeddings


def test_variables_win_over_the_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_CLIP_CHECKPOINT", str(tmp_path / "w.pt"))
    monkeypatch.setenv("CLEARANCE_SEMANTIC_ENABLED", "no")
    monkeypatch.setenv("CLEARANCE_MAX_PIXELS", "1000")
    monkeypatch.setenv("CLEARANCE_CLIP_PRETRAINED", "")
    # the file says otherwise for two of them, and alone sets a third
    config = embeddings_config(tmp_path, {"semantic_enabled": True, "max_pixels": 5000,
                                               "face_max_distance": 0.5})
    assert config.clip_checkpoint == tmp_path / "w.pt" and config.semantic_enabled is False
    assert config.max_pixels == 1000 and config.face_max_distance == 0.5 and config.clip_pretrained is None
    assert config.face_detector_cache == tmp_path / "cache" / "dlib-frontal-face-detector.svm"   # in the home


def test_a_variable_set_to_the_default_still_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_IDENTITY_ENABLED", "true")
    assert embeddings_config(tmp_path, {"identity_enabled": False}).identity_enabled is True


def test_bad_variable_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_IDENTITY_ENABLED", "maybe")
    with pytest.raises(ConfigurationError) as caught:
        embeddings_config(tmp_path, {})
    assert "CLEARANCE_IDENTITY_ENABLED" in str(caught.value) and "'maybe'" in str(caught.value)
    assert caught.value.problems[0].field == "CLEARANCE_IDENTITY_ENABLED"


def test_bad_or_unknown_file_setting_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLEARANCE_CLIP_THREADS", raising=False)
    with pytest.raises(ConfigurationError) as bad:
        embeddings_config(tmp_path, {"clip_threads": "many"})
    assert "[embeddings] clip_threads" in str(bad.value) and "an integer" in str(bad.value)
    with pytest.raises(ConfigurationError) as unknown:
        embeddings_config(tmp_path, {"clip_thread": 2})
    assert "[embeddings] clip_thread" in str(unknown.value) and "'clip_threads'" in str(unknown.value)
