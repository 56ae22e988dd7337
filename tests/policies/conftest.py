"""Fixtures for the policy tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policies.engine import PolicyEngine
from policies.loader import DEFAULT_DIRECTORY


@pytest.fixture(scope="session")
def engine() -> PolicyEngine:
    """The shipped policy set, loaded once."""
    return PolicyEngine.load()


@pytest.fixture()
def policy_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped schema and policy files."""
    target = tmp_path / "policies"
    target.mkdir()
    for path in DEFAULT_DIRECTORY.iterdir():
        if path.suffix in (".cedar", ".cedarschema"):
            shutil.copy(path, target / path.name)
    return target
