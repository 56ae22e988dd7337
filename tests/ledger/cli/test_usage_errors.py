"""Mistyped command lines: one line naming what was wrong, exit 2, no traceback (real subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from ledger.cli import main; main()"]
PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLEARANCE_HOME": str(home), "COLUMNS": "200"}
    env.pop("CLEARANCE_DATABASE_URL", None)
    return subprocess.run(CLI + list(args), env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("args", "line"), [
    (["check", "{clip}", "--medium", "film", "--territory", "US"], "clearance check: missing option '--project'"),
    (["check", "--project", "P"], "clearance check: missing argument 'file'"),
    (["log", "key", "--bogus"], "clearance log key: no such option: --bogus"),
    (["log", "entry", "five"], "clearance log entry: invalid value for 'index': "),
    (["--bogus"], "clearance: no such option: --bogus"),
])
def test_usage_error_is_one_line_and_exit_2(tmp_path: Path, args: list[str], line: str) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video")
    home = tmp_path / "home"
    result = run(home, *(a.replace("{clip}", str(clip)) for a in args))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(line), result.stderr
    assert "Traceback" not in result.stderr
    assert not home.exists()  # nothing was opened, let alone written


def test_group_without_command_shows_its_help(tmp_path: Path) -> None:
    result = run(tmp_path / "home", "log")
    assert result.returncode == 2
    shown = result.stdout + result.stderr
    assert "Usage: clearance log" in shown and "verify" in shown
    assert "Traceback" not in shown


def test_version_is_the_installed_distribution(tmp_path: Path) -> None:
    shipped = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    result = run(tmp_path / "home", "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"clearance {shipped}\n"


def test_clearance_errors_keep_their_exit_codes(tmp_path: Path) -> None:
    result = run(tmp_path / "home", "log", "entry", "0")  # a usage that parses, on an uninitialised home
    assert result.returncode == 6, result.stderr
    assert "Traceback" not in result.stderr
