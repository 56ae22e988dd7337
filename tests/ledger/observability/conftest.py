"""Capture what the configured log handler writes, and put the root logger back afterwards."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from ledger.observability import configure_logging

Capture = Callable[..., io.StringIO]


@pytest.fixture
def capture_logs() -> Iterator[Capture]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    def capture(format: str = "json", level: str = "INFO") -> io.StringIO:
        stream = io.StringIO()
        configure_logging(format, level, stream=stream)
        return stream

    yield capture
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
