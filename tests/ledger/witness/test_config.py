"""Witness and TSA settings: a bad policy or an unreadable TSA root stops a command with the setting named."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import ConfigurationError
from ledger.settings import Settings
from ledger.witness.config import load_policy, make_cosigner
from tests.ledger.witness.processes import run_cli


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.load(environ={"CLEARANCE_HOME": str(tmp_path / "home"), **env})


def test_no_witnesses_and_no_tsa_configure_nothing(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert load_policy(settings) is None
    assert make_cosigner(settings, None, None, None) is None  # type: ignore[arg-type]


def test_a_bad_policy_names_the_setting_and_the_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.txt"
    policy.write_text("witness w1 not-a-key http://127.0.0.1:1\nquorum w1\n")
    with pytest.raises(ConfigurationError) as refused:
        load_policy(_settings(tmp_path, CLEARANCE_WITNESS_POLICY=str(policy)))
    assert "CLEARANCE_WITNESS_POLICY" in str(refused.value) and "line 1" in str(refused.value)
    made = run_cli("init", env={"CLEARANCE_HOME": str(tmp_path / "home")})
    assert made.returncode == 0, made.stderr
    shown = run_cli("log", "checkpoint", env={"CLEARANCE_HOME": str(tmp_path / "home"),
                                              "CLEARANCE_WITNESS_POLICY": str(policy)})
    assert shown.returncode == 6 and "CLEARANCE_WITNESS_POLICY" in shown.stderr and "Traceback" not in shown.stderr


def test_an_unreadable_tsa_root_names_its_setting(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CLEARANCE_TSA_URL="http://127.0.0.1:1/",
                         CLEARANCE_TSA_ROOT_CERT=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigurationError, match="TSA root") as refused:
        make_cosigner(settings, None, None, None)  # type: ignore[arg-type]
    assert "CLEARANCE_TSA_ROOT_CERT" in str(refused.value)
