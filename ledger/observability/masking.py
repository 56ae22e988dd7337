"""Defence in depth: mask anything that looks like a secret in a log record before it is written.

Code should never log a key in the first place; this filter catches the mistakes. It masks
Clearance API keys (``clr_<id>_<secret>``, keeping the key id, which is not secret), bearer and
basic credentials, ``api_key=``/``token=``/``password=``-style pairs, PEM private keys, and the
query string of any URL or path, where a client may have put a key.
"""

from __future__ import annotations

import logging
import re

MASK = "[masked]"

_PEM_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
                              re.DOTALL)
_API_KEY = re.compile(r"clr_[A-Za-z0-9_\-]{6,}")
_KEY_ID = re.compile(r"[0-9a-f]{12}")
_CREDENTIAL = re.compile(r"\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=\-]+", re.IGNORECASE)
_SECRET_PAIR = re.compile(
    r"\b(api[_-]?key|x-api-key|authorization|access[_-]?token|refresh[_-]?token|token|secret|password|passwd)\b"
    r"([\"']?\s*[=:]\s*[\"']?)([^\s\"'&,;}\]]+)", re.IGNORECASE)
_QUERY = re.compile(r"((?:https?://|/)[^\s?\"'<>]*)\?[^\s\"'<>]*")


def _mask_api_key(match: re.Match[str]) -> str:
    parts = match.group(0).split("_", 2)
    if len(parts) == 3 and _KEY_ID.fullmatch(parts[1]):
        return f"clr_{parts[1]}_{MASK}"
    return f"clr_{MASK}"


def mask_secrets(text: str) -> str:
    """``text`` with every secret-looking part replaced by ``[masked]`` and query strings dropped."""
    if not text:
        return text
    text = _PEM_PRIVATE_KEY.sub(f"-----PRIVATE KEY {MASK}-----", text)
    text = _CREDENTIAL.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _API_KEY.sub(_mask_api_key, text)
    return _QUERY.sub(r"\1", text)


STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class SecretMaskingFilter(logging.Filter):
    """Rewrites a record in place: message (with its arguments), traceback, stack and extra fields masked.

    Attach it to handlers (not loggers) so that records propagated from any library pass through it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not leak its arguments or crash the caller
            message = f"{record.msg} [arguments dropped: they did not fit the message]"
        record.msg, record.args = mask_secrets(str(message)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        for name, value in list(record.__dict__.items()):
            if name not in STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, mask_secrets(value))
        return True
