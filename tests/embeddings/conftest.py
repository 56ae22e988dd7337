"""Fixtures for the embeddings tests: one loaded fingerprinter per session, real-media helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings import EmbeddingsConfig, Fingerprinter, IndexSet
from embeddings.media import load_media

#: The test configuration: CLIP is off (no weights exist here); everything else at its defaults.
TEST_CONFIG = EmbeddingsConfig(semantic_enabled=False)


@pytest.fixture(scope="session")
def config() -> EmbeddingsConfig:
    return TEST_CONFIG


@pytest.fixture(scope="session")
def fingerprinter() -> Fingerprinter:
    """Perceptual + identity channels (dlib models load once per session)."""
    return Fingerprinter(TEST_CONFIG)


@pytest.fixture(scope="session")
def visual_fingerprinter() -> Fingerprinter:
    """Perceptual channel only: faster for tests about works rather than people."""
    return Fingerprinter(TEST_CONFIG.with_(identity_enabled=False))


@pytest.fixture()
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "indexes"


def image_of(path: Path) -> np.ndarray:
    """The decoded RGB frame of an image file."""
    return load_media(path, TEST_CONFIG).frames[0].image


def new_index(directory: Path, config: EmbeddingsConfig = TEST_CONFIG) -> IndexSet:
    return IndexSet(directory, config)
