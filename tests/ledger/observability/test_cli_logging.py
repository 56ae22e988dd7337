"""Logging as the command line sets it up: text for people, JSON for ``clearance serve``, no uvicorn access log."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.cli import common
from ledger.context import Clearance
from ledger.observability.logs import JsonFormatter, TextFormatter
from ledger.settings import Settings
from ledger.setup import initialise
from tests.ledger.observability.conftest import Capture

CLI = [sys.executable, "-c", "from ledger.cli import main; main()"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capture_logs: Capture) -> Iterator[Path]:
    """An initialised installation that the CLI's context() opens; logging is restored by capture_logs."""
    home = tmp_path / "home"
    ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(home)}))
    initialise(ctx)
    ctx.db.dispose()
    for name in ("CLEARANCE_DATABASE_URL", "CLEARANCE_SETTINGS", "CLEARANCE_LOG_FORMAT", "CLEARANCE_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLEARANCE_HOME", str(home))
    common.context.cache_clear()
    yield home
    common.context().db.dispose()
    common.context.cache_clear()


def ours() -> logging.Handler:
    (handler,) = [h for h in logging.getLogger().handlers if getattr(h, "clearance", False)]
    return handler


def test_the_cli_logs_text_at_warning_unless_told_otherwise(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    common.context()
    assert isinstance(ours().formatter, TextFormatter) and logging.getLogger().level == logging.WARNING
    common.context.cache_clear()
    monkeypatch.setenv("CLEARANCE_LOG_FORMAT", "json")
    monkeypatch.setenv("CLEARANCE_LOG_LEVEL", "debug")
    common.context()
    assert isinstance(ours().formatter, JsonFormatter) and logging.getLogger().level == logging.DEBUG


def test_serve_logs_json_and_turns_off_uvicorns_access_log(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from ledger.cli.app import serve

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    serve(host=None, port=None, workers=1)
    assert isinstance(ours().formatter, JsonFormatter) and logging.getLogger().level == logging.INFO
    assert calls[0]["access_log"] is False and calls[0]["log_config"] is None
    monkeypatch.setenv("CLEARANCE_LOG_FORMAT", "text")
    common.context.cache_clear()
    serve(host=None, port=None, workers=2)  # several processes: the same options, each builds its app
    assert isinstance(ours().formatter, TextFormatter)
    assert calls[1]["factory"] is True and calls[1]["workers"] == 2 and calls[1]["access_log"] is False


def test_serve_with_several_processes_warns_that_console_sessions_are_per_process(
        home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import uvicorn

    from ledger.cli.app import serve

    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: None)
    with caplog.at_level(logging.WARNING, logger="ledger.cli"):
        serve(host=None, port=None, workers=3)
    assert any("3 server processes keep review console sessions apart" in r.getMessage() for r in caplog.records)


@pytest.mark.slow   # whole CLI processes end to end (7-12 s): CI's slow step runs it
@pytest.mark.corpus
def test_a_cli_check_logs_text_lines_with_clip_and_check_ids(tmp_path: Path, shared_data: Path) -> None:
    env = {**os.environ, "CLEARANCE_HOME": str(tmp_path / "home"), "CLEARANCE_LOG_LEVEL": "INFO", "COLUMNS": "200"}
    for name in ("CLEARANCE_DATABASE_URL", "CLEARANCE_SETTINGS", "CLEARANCE_LOG_FORMAT"):
        env.pop(name, None)
    subprocess.run(CLI + ["init"], env=env, check=True, capture_output=True, timeout=300)
    clip = shared_data / "video" / "pattern-sd-grey-bar.mp4"
    result = subprocess.run(CLI + ["check", str(clip), "--project", "P", "--medium", "streaming", "--territory", "US"],
                            env=env, capture_output=True, timeout=300, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pattern-sd-grey-bar.mp4: PASS (check chk_")  # the report is unchanged, on stdout
    check_id = re.search(r"check (chk_\w+)", result.stdout).group(1)  # type: ignore[union-attr]
    lines = [line for line in result.stderr.splitlines() if " ledger.checks.service: " in line]
    assert len(lines) == 2, result.stderr
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO    ledger\.checks\.service: (.+) \[(.+)\]"
    parsed = [re.fullmatch(pattern, line) for line in lines]
    assert all(parsed), lines
    assert [m.group(1) for m in parsed] == ["check started (pattern-sd-grey-bar.mp4)", "check decided: pass"]  # type: ignore[union-attr]
    clip_field = parsed[0].group(2)  # type: ignore[union-attr]
    assert re.fullmatch(r"clip_id=clp_\w+", clip_field)
    assert parsed[1].group(2) == f"{clip_field} check_id={check_id}"  # type: ignore[union-attr]
    for line in lines:
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)
