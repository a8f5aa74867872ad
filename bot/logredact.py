"""Defence in depth for the logs: personal data and secrets are masked in every record a handler
writes, whoever logged it (our code never logs them; libraries at DEBUG level do — aiosqlite logs
SQL parameters, e.g. the FSM record holding a half-filled form).

Masked: resident ID numbers (18 characters), mobile phone numbers, e-mail addresses, Telegram bot
tokens, passwords in URLs (``scheme://user:password@host``) and any extra literal secrets given to
``install`` (the configured webhook secret, say).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from disclosure.validation import mask_id

_PATTERNS: list[tuple[re.Pattern[str], str | object]] = [
    # scheme://user:password@host  → scheme://user:***@host
    (re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s/]+)(?=@)"), r"\g<head>***"),
    # bot tokens 123456789:AA...  → 123456789:***
    (re.compile(r"\b(\d{3,12}):[A-Za-z0-9_-]{30,}"), r"\1:***"),
    # resident ID: 6-digit region, birth date, 3-digit sequence, check digit
    (re.compile(r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"),
     lambda m: mask_id(m.group(0))),
    # mainland mobile numbers (optionally +86)
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)"), r"\1****\3"),
    # e-mail addresses
    (re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b"), r"\1***@\2"),
]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for value in secrets:
        if value:
            text = text.replace(value, "***")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)  # type: ignore[arg-type]
    return text


class RedactingFilter(logging.Filter):
    """Rewrites the record's message (and its traceback text) with ``redact``; never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not hide the record
            message = str(record.msg)
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install(secrets: Iterable[str] = (), logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach the filter to every handler of ``logger`` (the root logger by default)."""
    logger = logger or logging.getLogger()
    flt = RedactingFilter(secrets)
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
    return flt


def settings_secrets(settings) -> list[str]:
    """The literal secrets of a deployment, for ``install``."""
    out = []
    for name in ("bot_token", "webhook_secret"):
        value = getattr(settings, name, None)
        if value is not None:
            out.append(value.get_secret_value())
    return out
