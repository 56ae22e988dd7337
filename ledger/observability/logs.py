"""The one logging configuration: text lines for people at a terminal, JSON lines for ``clearance serve``.

``configure_logging`` installs a single handler on the root logger, so every library's records
(uvicorn's included) come out in the same format, carry the context fields of
:func:`ledger.observability.log_context`, and pass the secret-masking filter.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any, Literal, TextIO

from ledger.errors import ConfigurationError, FieldProblem
from ledger.observability.context import current_context
from ledger.observability.masking import STANDARD_ATTRIBUTES, SecretMaskingFilter

LogFormat = Literal["text", "json"]
FORMATS: tuple[str, ...] = ("text", "json")
LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_CONTEXT_NAMES = "clearance_context_names"  # record attribute listing which extras came from log_context
_DROPPED_EXTRAS = frozenset({_CONTEXT_NAMES, "color_message"})  # uvicorn's copy of the message with ANSI colours
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


class ContextFilter(logging.Filter):
    """Copies the context fields in force where the record was made onto the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = current_context()
        names = [name for name in fields if name not in record.__dict__]
        for name in names:
            setattr(record, name, fields[name])
        setattr(record, _CONTEXT_NAMES, tuple(names))
        return True


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in STANDARD_ATTRIBUTES and k not in _DROPPED_EXTRAS}


def _exception_text(formatter: logging.Formatter, record: logging.LogRecord) -> str | None:
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)
    return record.exc_text or None


class TextFormatter(logging.Formatter):
    """``2025-01-02T03:04:05.678Z INFO    ledger.api: message [request_id=... clip_id=...]`` and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().replace("\r", "\\r").replace("\n", "\\n")
        names = getattr(record, _CONTEXT_NAMES, ())
        context = " ".join(f"{name}={getattr(record, name)}" for name in names)
        line = f"{_timestamp(record)} {record.levelname:<7} {record.name}: {message}" + (f" [{context}]" if context else "")
        exception = _exception_text(self, record)
        if exception:
            line += "\n" + exception
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then context and extra fields, then exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": _timestamp(record), "level": record.levelname, "logger": record.name,
                                 "message": record.getMessage()}
        for name, value in _extras(record).items():
            entry.setdefault(name, value)
        exception = _exception_text(self, record)
        if exception:
            entry["exception"] = exception
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


def _check(format: str, level: str) -> str:
    problems = []
    if format not in FORMATS:
        problems.append(FieldProblem("CLEARANCE_LOG_FORMAT", f"{format!r} is not one of {', '.join(FORMATS)}"))
    if level.upper() not in LEVELS:
        problems.append(FieldProblem("CLEARANCE_LOG_LEVEL", f"{level!r} is not one of {', '.join(LEVELS)}"))
    if problems:
        raise ConfigurationError("invalid logging settings", problems=problems)
    return level.upper()


def configure_logging(format: LogFormat | str = "text", level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (default stderr) in ``format`` at ``level`` and above.

    Calling it again replaces the handler it installed before (``clearance serve`` switches the
    CLI's text lines to JSON this way). Returns the handler, which tests may read from.
    """
    level = _check(format, level)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "clearance", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.clearance = True  # type: ignore[attr-defined]  # a mark on a stdlib handler: ours, to replace later
    handler.setFormatter(JsonFormatter() if format == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(SecretMaskingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    for name in _UVICORN_LOGGERS:  # uvicorn's records come through this handler, not uvicorn's own
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    return handler
