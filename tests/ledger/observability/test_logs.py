"""The logging configuration itself: JSON and text lines, context fields, masking, bad settings."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from ledger.errors import ConfigurationError
from ledger.observability import configure_logging, log_context
from ledger.observability.masking import SecretMaskingFilter, mask_secrets
from ledger.settings import Settings
from tests.ledger.observability.conftest import Capture

KEY = "clr_0123456789ab_Zm9vYmFyYmF6cXV4LXNlY3JldC1wYXJ0LW9mLXRoZS1rZXk"
SECRET = KEY.split("_", 2)[2]
log = logging.getLogger("ledger.tests.observability")


def test_json_lines_have_the_fields_and_the_context(capture_logs: Capture) -> None:
    out = capture_logs("json", "INFO")
    with log_context(request_id="r-1", clip_id="clp_1"):
        log.info("outer %s", "line")
        with log_context(check_id="chk_1", clip_id="clp_2"):
            log.warning("inner", extra={"verdict": "pass", "color_message": "\x1b[36minner\x1b[0m"})
        log.debug("below the level")
    log.info("after")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["outer line", "inner", "after"]
    assert all({"time", "level", "logger"} <= line.keys() for line in lines)
    assert lines[0]["time"].endswith("Z") and lines[0]["logger"] == "ledger.tests.observability"
    assert (lines[0]["request_id"], lines[0]["clip_id"]) == ("r-1", "clp_1") and "check_id" not in lines[0]
    assert (lines[1]["level"], lines[1]["check_id"], lines[1]["clip_id"], lines[1]["verdict"]) == \
        ("WARNING", "chk_1", "clp_2", "pass")
    assert "color_message" not in lines[1]
    assert not {"request_id", "clip_id", "check_id"} & lines[2].keys()


def test_context_does_not_leak_between_threads(capture_logs: Capture) -> None:
    out = capture_logs("json", "INFO")

    def other() -> None:
        log.info("other thread")

    with log_context(request_id="mine"):
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
    line = json.loads(out.getvalue())
    assert line["message"] == "other thread" and "request_id" not in line


def test_text_lines_are_one_line_per_record_with_context(capture_logs: Capture) -> None:
    out = capture_logs("text", "INFO")
    with log_context(check_id="chk_9", clip_id="clp_9"):
        log.info("check decided: %s\ninjected", "block")
    line = out.getvalue().rstrip("\n")
    assert "\n" not in line
    assert " INFO    ledger.tests.observability: check decided: block\\ninjected [check_id=chk_9 clip_id=clp_9]" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_exceptions_are_logged_with_traceback_and_masked(capture_logs: Capture) -> None:
    out = capture_logs("json", "INFO")
    try:
        raise RuntimeError(f"could not use {KEY}")
    except RuntimeError:
        log.exception("failed with Authorization: Bearer %s", KEY)
    text = out.getvalue()
    line = json.loads(text)
    assert "Traceback" in line["exception"] and "RuntimeError: could not use clr_0123456789ab_[masked]" in line["exception"]
    assert line["message"] == "failed with Authorization: [masked] [masked]"
    assert SECRET not in text


@pytest.mark.parametrize("text, expected", [
    (f"key {KEY} used", "key clr_0123456789ab_[masked] used"),
    ("key clr_short_but-still-secret", "key clr_[masked]"),
    ("GET /v1/log/entries?api_key=abc&limit=5 HTTP/1.1", "GET /v1/log/entries HTTP/1.1"),
    ("https://host/v1/x?token=abc done", "https://host/v1/x done"),
    ("x-api-key: abc123", "x-api-key: [masked]"),
    ('{"password": "hunter2"}', '{"password": "[masked]"}'),
    ("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY----- after", "-----PRIVATE KEY [masked]----- after"),
    ("secret_sha256 abc is a hash, not a secret", "secret_sha256 abc is a hash, not a secret"),
    ("is this fine? yes", "is this fine? yes"),
])
def test_mask_secrets(text: str, expected: str) -> None:
    assert mask_secrets(text) == expected


def test_masking_covers_context_and_extra_fields(capture_logs: Capture) -> None:
    out = capture_logs("json", "INFO")
    with log_context(request_id=KEY):
        log.info("path %s", "/v1/keys?api_key=x", extra={"header": f"Bearer {KEY}"})
    text = out.getvalue()
    line = json.loads(text)
    assert line["message"] == "path /v1/keys" and line["header"] == "Bearer [masked]"
    assert line["request_id"] == "clr_0123456789ab_[masked]"
    assert SECRET not in text


def test_arguments_that_do_not_fit_the_message_are_dropped_not_leaked() -> None:
    record = logging.makeLogRecord({"msg": "too few %s %s", "args": (KEY,)})
    assert SecretMaskingFilter().filter(record)
    assert record.getMessage() == "too few %s %s [arguments dropped: they did not fit the message]"


def test_configuring_again_replaces_the_handler(capture_logs: Capture) -> None:
    first = capture_logs("text", "INFO")
    second = capture_logs("json", "WARNING")
    log.info("quiet")
    log.warning("loud")
    assert first.getvalue() == ""
    assert [json.loads(line)["message"] for line in second.getvalue().splitlines()] == ["loud"]


def test_bad_logging_settings_name_the_variable(capture_logs: Capture) -> None:
    with pytest.raises(ConfigurationError) as raised:
        configure_logging("yaml", "loud")
    assert {p.field for p in raised.value.problems} == {"CLEARANCE_LOG_FORMAT", "CLEARANCE_LOG_LEVEL"}
    with pytest.raises(ConfigurationError) as raised:
        Settings.load(environ={"CLEARANCE_LOG_FORMAT": "xml"})
    assert raised.value.problems[0].field == "CLEARANCE_LOG_FORMAT"
    with pytest.raises(ConfigurationError) as raised:
        Settings.load(environ={"CLEARANCE_LOG_LEVEL": "chatty"})
    assert raised.value.problems[0].field == "CLEARANCE_LOG_LEVEL"
    settings = Settings.load(environ={"CLEARANCE_LOG_FORMAT": "json", "CLEARANCE_LOG_LEVEL": "debug"})
    assert (settings.log_format, settings.log_level) == ("json", "debug")
